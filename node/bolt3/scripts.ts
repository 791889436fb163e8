/**
 * The BOLT 3 witness scripts, and the output scripts that commit to them.
 *
 * Each function takes the keys of one commitment (see `commitment-keys.ts`)
 * and returns script bytes exactly as the spec writes them, so the resulting
 * P2WSH outputs match every other implementation byte for byte.
 */
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { opcodes, script as bscript } from 'bitcoinjs-lib';
import { checkBytes, checkInteger } from '../core/input.js';
import { checkPublicKey } from '../core/curve.js';
import { compileScript } from './compile-script.js';

const OPS = opcodes;

/** CLTV values from 500,000,000 up are timestamps; HTLC expiries are block heights. */
export const MAX_CLTV_EXPIRY = 499_999_999;

/** RIPEMD160(SHA256(data)), Bitcoin's HASH160. */
export function hash160(data: Uint8Array): Uint8Array {
  return ripemd160(sha256(data));
}

/** `2 <pubkey1> <pubkey2> 2 OP_CHECKMULTISIG`, keys in lexicographic order. */
export function fundingScript(localFundingPubkey: Uint8Array, remoteFundingPubkey: Uint8Array): Uint8Array {
  const [first, second] = sortPublicKeys(
    checkPublicKey('localFundingPubkey', localFundingPubkey),
    checkPublicKey('remoteFundingPubkey', remoteFundingPubkey),
  );
  return compileScript([OPS.OP_2, first, second, OPS.OP_2, OPS.OP_CHECKMULTISIG]);
}

/** The two funding keys in the order the funding script lists them (and the witness signs them). */
export function sortPublicKeys(a: Uint8Array, b: Uint8Array): [Uint8Array, Uint8Array] {
  return compareBytes(a, b) <= 0 ? [a, b] : [b, a];
}

/**
 * `to_local`, and also the output of HTLC-success and HTLC-timeout transactions:
 * the counterparty takes it at once with the revocation key, we after `toSelfDelay` blocks.
 */
export function toLocalScript(revocationPubkey: Uint8Array, toSelfDelay: number, localDelayedPubkey: Uint8Array): Uint8Array {
  checkPublicKey('revocationPubkey', revocationPubkey);
  checkInteger('toSelfDelay', toSelfDelay, 0, 0xffff);
  checkPublicKey('localDelayedPubkey', localDelayedPubkey);
  return compileScript([
    OPS.OP_IF,
    revocationPubkey,
    OPS.OP_ELSE,
    bscript.number.encode(toSelfDelay),
    OPS.OP_CHECKSEQUENCEVERIFY,
    OPS.OP_DROP,
    localDelayedPubkey,
    OPS.OP_ENDIF,
    OPS.OP_CHECKSIG,
  ]);
}

/** `to_remote` with `option_anchors`: the counterparty's payment key, spendable after one confirmation. */
export function toRemoteAnchorsScript(remotePaymentPubkey: Uint8Array): Uint8Array {
  checkPublicKey('remotePaymentPubkey', remotePaymentPubkey);
  return compileScript([remotePaymentPubkey, OPS.OP_CHECKSIGVERIFY, OPS.OP_1, OPS.OP_CHECKSEQUENCEVERIFY]);
}

/** An anchor: the funding key's owner may spend it at once, anyone after 16 blocks. */
export function anchorScript(fundingPubkey: Uint8Array): Uint8Array {
  checkPublicKey('fundingPubkey', fundingPubkey);
  return compileScript([
    fundingPubkey,
    OPS.OP_CHECKSIG,
    OPS.OP_IFDUP,
    OPS.OP_NOTIF,
    OPS.OP_16,
    OPS.OP_CHECKSEQUENCEVERIFY,
    OPS.OP_ENDIF,
  ]);
}

export interface HtlcScriptKeys {
  readonly revocationPubkey: Uint8Array;
  readonly localHtlcPubkey: Uint8Array;
  readonly remoteHtlcPubkey: Uint8Array;
}

/** An HTLC we offered: the counterparty claims it with the preimage, we reclaim it through an HTLC-timeout transaction. */
export function offeredHtlcScript(keys: HtlcScriptKeys, paymentHash: Uint8Array, anchors: boolean): Uint8Array {
  const { revocationHash, localHtlcPubkey, remoteHtlcPubkey } = checkHtlcKeys(keys);
  checkBytes('paymentHash', paymentHash, 32);
  return compileScript([
    OPS.OP_DUP, OPS.OP_HASH160, revocationHash, OPS.OP_EQUAL,
    OPS.OP_IF,
    OPS.OP_CHECKSIG,
    OPS.OP_ELSE,
    remoteHtlcPubkey, OPS.OP_SWAP, OPS.OP_SIZE, bscript.number.encode(32), OPS.OP_EQUAL,
    OPS.OP_NOTIF,
    OPS.OP_DROP, OPS.OP_2, OPS.OP_SWAP, localHtlcPubkey, OPS.OP_2, OPS.OP_CHECKMULTISIG,
    OPS.OP_ELSE,
    OPS.OP_HASH160, ripemd160(paymentHash), OPS.OP_EQUALVERIFY,
    OPS.OP_CHECKSIG,
    OPS.OP_ENDIF,
    ...(anchors ? [OPS.OP_1, OPS.OP_CHECKSEQUENCEVERIFY, OPS.OP_DROP] : []),
    OPS.OP_ENDIF,
  ]);
}

/** An HTLC we received: we claim it with the preimage through an HTLC-success transaction, the counterparty after `cltvExpiry`. */
export function receivedHtlcScript(keys: HtlcScriptKeys, paymentHash: Uint8Array, cltvExpiry: number, anchors: boolean): Uint8Array {
  const { revocationHash, localHtlcPubkey, remoteHtlcPubkey } = checkHtlcKeys(keys);
  checkBytes('paymentHash', paymentHash, 32);
  checkInteger('cltvExpiry', cltvExpiry, 0, MAX_CLTV_EXPIRY);
  return compileScript([
    OPS.OP_DUP, OPS.OP_HASH160, revocationHash, OPS.OP_EQUAL,
    OPS.OP_IF,
    OPS.OP_CHECKSIG,
    OPS.OP_ELSE,
    remoteHtlcPubkey, OPS.OP_SWAP, OPS.OP_SIZE, bscript.number.encode(32), OPS.OP_EQUAL,
    OPS.OP_IF,
    OPS.OP_HASH160, ripemd160(paymentHash), OPS.OP_EQUALVERIFY,
    OPS.OP_2, OPS.OP_SWAP, localHtlcPubkey, OPS.OP_2, OPS.OP_CHECKMULTISIG,
    OPS.OP_ELSE,
    OPS.OP_DROP, bscript.number.encode(cltvExpiry), OPS.OP_CHECKLOCKTIMEVERIFY, OPS.OP_DROP,
    OPS.OP_CHECKSIG,
    OPS.OP_ENDIF,
    ...(anchors ? [OPS.OP_1, OPS.OP_CHECKSEQUENCEVERIFY, OPS.OP_DROP] : []),
    OPS.OP_ENDIF,
  ]);
}

/** `0 <SHA256(witnessScript)>`: pay to witness script hash. */
export function p2wsh(witnessScript: Uint8Array): Uint8Array {
  checkBytes('witnessScript', witnessScript);
  return compileScript([OPS.OP_0, sha256(witnessScript)]);
}

/** `0 <HASH160(pubkey)>`: pay to witness public key hash. */
export function p2wpkh(publicKey: Uint8Array): Uint8Array {
  return compileScript([OPS.OP_0, hash160(checkPublicKey('publicKey', publicKey))]);
}

/** `OP_DUP OP_HASH160 <HASH160(pubkey)> OP_EQUALVERIFY OP_CHECKSIG`: legacy pay to public key hash. */
export function p2pkh(publicKey: Uint8Array): Uint8Array {
  return compileScript([
    OPS.OP_DUP, OPS.OP_HASH160, hash160(checkPublicKey('publicKey', publicKey)), OPS.OP_EQUALVERIFY, OPS.OP_CHECKSIG,
  ]);
}

/** Lexicographic comparison of byte arrays (BIP 69 and key ordering). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

function checkHtlcKeys(keys: HtlcScriptKeys) {
  return {
    revocationHash: hash160(checkPublicKey('revocationPubkey', keys.revocationPubkey)),
    localHtlcPubkey: checkPublicKey('localHtlcPubkey', keys.localHtlcPubkey),
    remoteHtlcPubkey: checkPublicKey('remoteHtlcPubkey', keys.remoteHtlcPubkey),
  };
}
