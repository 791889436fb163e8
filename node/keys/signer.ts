/**
 * The `Signer`: the only holder of private keys.
 *
 * Channel code asks it for public keys and per-commitment points, and hands
 * it transactions to sign; secrets never leave it. `SeedSigner` is the default,
 * deriving everything from the node seed with BIP 32 (hardened paths):
 *
 *   m/1017'/0'/6'/0'/0'           node key
 *   m/1017'/0'/<family>'/0'/<i>'  key <family> of channel <i>
 *
 * with families 0 funding, 1 revocation basepoint, 2 HTLC basepoint,
 * 3 payment basepoint, 4 delayed payment basepoint, 5 per-commitment seed.
 * The family numbers follow LND's, but the paths (hardened to the end) and
 * the per-commitment seed differ: a seed does not restore into LND, nor back.
 */
import { HDKey } from '@scure/bip32';
import { equalBytes } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { checkBytes, checkInteger } from '../core/input.js';
import type { ChannelPublicKeys } from '../bolt3/commitment-keys.js';
import { signSegwitInput } from '../bolt3/signatures.js';
import { SIGHASH_ALL, type Transaction } from '../bolt3/transaction.js';
import { checkPublicKey, checkSecretKey, publicKeyOf, signDigest, tweakMultiplyPublicKey } from '../core/curve.js';
import { derivePrivateKey, deriveRevocationPrivateKey } from '../bolt3/key-derivation.js';
import { CommitmentSecrets } from './commitment-secrets.js';
import { MAX_SHACHAIN_INDEX } from '../bolt3/shachain.js';
import { SEED_LENGTH } from './seed.js';
import { type ExtendedSecret, hardenedChild } from './hardened-child.js';

/** Signs for one channel. Signatures come back in 64-byte compact form. */
export interface ChannelSigner {
  readonly publicKeys: ChannelPublicKeys;
  /** Our per-commitment point for commitment number `commitmentNumber` (counting up from 0). */
  perCommitmentPoint(commitmentNumber: number): Uint8Array;
  /** Our per-commitment secret: reveal it only once that commitment is revoked and the revocation is on disk. */
  perCommitmentSecret(commitmentNumber: number): Uint8Array;
  /** Signs a commitment transaction's funding input with the funding key (SIGHASH_ALL). */
  signCommitment(tx: Transaction, fundingWitnessScript: Uint8Array, fundingSatoshis: number): Uint8Array;
  /** Signs with the HTLC key of the commitment at `perCommitmentPoint` (ours or theirs). */
  signHtlc(tx: Transaction, inputIndex: number, witnessScript: Uint8Array, satoshis: number, perCommitmentPoint: Uint8Array, sighashType?: number): Uint8Array;
  /** Signs with our delayed payment key, to sweep our `to_local` or HTLC-transaction outputs after the CSV delay. */
  signDelayed(tx: Transaction, inputIndex: number, witnessScript: Uint8Array, satoshis: number, perCommitmentPoint: Uint8Array): Uint8Array;
  /** Signs with the revocation key of a revoked commitment of the counterparty, whose secret it revealed. */
  signJustice(tx: Transaction, inputIndex: number, witnessScript: Uint8Array, satoshis: number, perCommitmentSecret: Uint8Array): Uint8Array;
  /** Signs with our (untweaked) payment basepoint key: our `to_remote` output on their commitment. */
  signPayment(tx: Transaction, inputIndex: number, scriptCode: Uint8Array, satoshis: number): Uint8Array;
  /** Signs with the funding key for our anchor output (rust-lightning's `sign_holder_anchor_input`): a child paying for our commitment (CPFP). */
  signAnchor(tx: Transaction, inputIndex: number, witnessScript: Uint8Array, satoshis: number): Uint8Array;
}

export interface Signer {
  /** The node's public key: its identity on the mesh. */
  readonly nodeId: Uint8Array;
  channelSigner(channelIndex: number): ChannelSigner;
  /** SHA256 of the compressed shared point (BOLT 8's ECDH). */
  ecdh(publicKey: Uint8Array): Uint8Array;
}

/** The secrets of one channel. */
export interface ChannelSecrets {
  readonly fundingKey: Uint8Array;
  readonly revocationBasepointSecret: Uint8Array;
  readonly paymentBasepointSecret: Uint8Array;
  readonly delayedPaymentBasepointSecret: Uint8Array;
  readonly htlcBasepointSecret: Uint8Array;
  /** The seed of our per-commitment secrets (BOLT 3 `generate_from_seed`). */
  readonly commitmentSeed: Uint8Array;
}

/** Channels are numbered from 0; hardened BIP 32 indexes end at 2^31. */
export const MAX_CHANNEL_INDEX = 2 ** 31 - 1;

/** A channel signer over known secrets (used by `SeedSigner`, and by tests with the BOLT 3 vector keys). */
export class KeysChannelSigner implements ChannelSigner {
  readonly publicKeys: ChannelPublicKeys;
  private lastRevocationKey: { secretHex: string; key: Uint8Array } | undefined;
  private readonly commitmentSecrets: CommitmentSecrets;

  constructor(private readonly secrets: ChannelSecrets) {
    this.publicKeys = {
      fundingPubkey: publicKeyOf(checkSecretKey('fundingKey', secrets.fundingKey)),
      revocationBasepoint: publicKeyOf(checkSecretKey('revocationBasepointSecret', secrets.revocationBasepointSecret)),
      paymentBasepoint: publicKeyOf(checkSecretKey('paymentBasepointSecret', secrets.paymentBasepointSecret)),
      delayedPaymentBasepoint: publicKeyOf(checkSecretKey('delayedPaymentBasepointSecret', secrets.delayedPaymentBasepointSecret)),
      htlcBasepoint: publicKeyOf(checkSecretKey('htlcBasepointSecret', secrets.htlcBasepointSecret)),
    };
    this.commitmentSecrets = new CommitmentSecrets(checkBytes('commitmentSeed', secrets.commitmentSeed, 32));
  }

  perCommitmentPoint(commitmentNumber: number): Uint8Array {
    const entry = this.commitmentEntry(commitmentNumber);
    // Not perCommitmentPointOf: its cache is shared, and this secret is not revealed yet.
    entry.point ??= publicKeyOf(entry.secret);
    return entry.point.slice();
  }

  perCommitmentSecret(commitmentNumber: number): Uint8Array {
    return this.commitmentEntry(commitmentNumber).secret.slice();
  }

  /**
   * The secrets (and points, once asked for) of the last few commitment
   * numbers: a channel asks for the same ones many times per update (to build
   * our commitment, to check it, to revoke it), and each is a few SHA256
   * (generate_from_seed, see `CommitmentSecrets`) and a point multiplication. Callers get copies.
   */
  private readonly recentCommitments = new Map<number, { secret: Uint8Array; point?: Uint8Array }>();
  static readonly RECENT_COMMITMENTS_MAX = 8;

  private commitmentEntry(commitmentNumber: number): { secret: Uint8Array; point?: Uint8Array } {
    checkInteger('commitmentNumber', commitmentNumber, 0, MAX_SHACHAIN_INDEX);
    const known = this.recentCommitments.get(commitmentNumber);
    if (known) return known;
    const entry = { secret: this.commitmentSecrets.secretAt(MAX_SHACHAIN_INDEX - commitmentNumber) };
    if (this.recentCommitments.size >= KeysChannelSigner.RECENT_COMMITMENTS_MAX) this.recentCommitments.delete(this.recentCommitments.keys().next().value!);
    this.recentCommitments.set(commitmentNumber, entry);
    return entry;
  }

  signCommitment(tx: Transaction, fundingWitnessScript: Uint8Array, fundingSatoshis: number): Uint8Array {
    return signSegwitInput(tx, 0, fundingWitnessScript, fundingSatoshis, this.secrets.fundingKey, SIGHASH_ALL);
  }

  signHtlc(tx: Transaction, inputIndex: number, witnessScript: Uint8Array, satoshis: number, perCommitmentPoint: Uint8Array, sighashType = SIGHASH_ALL): Uint8Array {
    return signSegwitInput(tx, inputIndex, witnessScript, satoshis, this.htlcKeyFor(perCommitmentPoint), sighashType);
  }

  /** A commitment's HTLC transactions are all signed with one key: derive it once per commitment. */
  private htlcKeyFor(perCommitmentPoint: Uint8Array): Uint8Array {
    const cached = this.lastHtlcKey;
    if (cached && equalBytes(cached.point, perCommitmentPoint)) return cached.key;
    const key = derivePrivateKey(this.secrets.htlcBasepointSecret, perCommitmentPoint, this.publicKeys.htlcBasepoint);
    this.lastHtlcKey = { point: Uint8Array.from(perCommitmentPoint), key };
    return key;
  }

  private lastHtlcKey: { point: Uint8Array; key: Uint8Array } | undefined;

  signDelayed(tx: Transaction, inputIndex: number, witnessScript: Uint8Array, satoshis: number, perCommitmentPoint: Uint8Array): Uint8Array {
    const key = derivePrivateKey(this.secrets.delayedPaymentBasepointSecret, perCommitmentPoint, this.publicKeys.delayedPaymentBasepoint);
    return signSegwitInput(tx, inputIndex, witnessScript, satoshis, key, SIGHASH_ALL);
  }

  signJustice(tx: Transaction, inputIndex: number, witnessScript: Uint8Array, satoshis: number, perCommitmentSecret: Uint8Array): Uint8Array {
    // A justice spends several outputs of one revoked commitment: one derivation for all its inputs.
    const secretHex = Buffer.from(perCommitmentSecret).toString('hex');
    if (this.lastRevocationKey?.secretHex !== secretHex) {
      this.lastRevocationKey = { secretHex, key: deriveRevocationPrivateKey(this.secrets.revocationBasepointSecret, perCommitmentSecret, this.publicKeys.revocationBasepoint) };
    }
    return signSegwitInput(tx, inputIndex, witnessScript, satoshis, this.lastRevocationKey.key, SIGHASH_ALL);
  }

  signPayment(tx: Transaction, inputIndex: number, scriptCode: Uint8Array, satoshis: number): Uint8Array {
    return signSegwitInput(tx, inputIndex, scriptCode, satoshis, this.secrets.paymentBasepointSecret, SIGHASH_ALL);
  }

  signAnchor(tx: Transaction, inputIndex: number, witnessScript: Uint8Array, satoshis: number): Uint8Array {
    return signSegwitInput(tx, inputIndex, witnessScript, satoshis, this.secrets.fundingKey, SIGHASH_ALL);
  }
}

const PURPOSE = 1017;
const enum KeyFamily {
  Funding = 0,
  RevocationBase = 1,
  HtlcBase = 2,
  PaymentBase = 3,
  DelayBase = 4,
  CommitmentSeed = 5,
  Node = 6,
  Wallet = 7,
}

/** The on-chain wallet's key: its public key, and signatures of sighash digests (the secret stays inside). */
export interface WalletKey {
  readonly publicKey: Uint8Array;
  /** A 64-byte compact signature of `digest`. */
  signDigest(digest: Uint8Array): Uint8Array;
}

/** The default `Signer`: every key from the 32-byte node seed. */
export class SeedSigner implements Signer {
  readonly nodeId: Uint8Array;
  private readonly root: HDKey;
  private readonly nodeKey: Uint8Array;
  /** Each channel's keys, derived once: six BIP 32 derivations cost more than the signatures they make. */
  private readonly channelSigners = new Map<number, ChannelSigner>();
  /** Each family's parent, m/PURPOSE'/0'/family'/0': a secret is then one derivation from it. */
  private readonly families = new Map<KeyFamily, ExtendedSecret>();

  constructor(seed: Uint8Array) {
    this.root = HDKey.fromMasterSeed(checkBytes('seed', seed, SEED_LENGTH));
    this.nodeKey = this.secretAt(KeyFamily.Node, 0);
    this.nodeId = publicKeyOf(this.nodeKey);
  }

  channelSigner(channelIndex: number): ChannelSigner {
    checkInteger('channelIndex', channelIndex, 0, MAX_CHANNEL_INDEX);
    const known = this.channelSigners.get(channelIndex);
    if (known) return known;
    const signer = new KeysChannelSigner({
      fundingKey: this.secretAt(KeyFamily.Funding, channelIndex),
      revocationBasepointSecret: this.secretAt(KeyFamily.RevocationBase, channelIndex),
      paymentBasepointSecret: this.secretAt(KeyFamily.PaymentBase, channelIndex),
      delayedPaymentBasepointSecret: this.secretAt(KeyFamily.DelayBase, channelIndex),
      htlcBasepointSecret: this.secretAt(KeyFamily.HtlcBase, channelIndex),
      commitmentSeed: this.secretAt(KeyFamily.CommitmentSeed, channelIndex),
    });
    this.channelSigners.set(channelIndex, signer);
    return signer;
  }

  ecdh(publicKey: Uint8Array): Uint8Array {
    return sha256(tweakMultiplyPublicKey(checkPublicKey('publicKey', publicKey), this.nodeKey));
  }

  /** The on-chain wallet's key (one P2WPKH key: a mesh node's wallet holds few coins, and reusing its address costs no privacy the gateway does not already see). */
  walletKey(): WalletKey {
    const secretKey = this.secretAt(KeyFamily.Wallet, 0);
    return { publicKey: publicKeyOf(secretKey), signDigest: (digest) => signDigest(digest, secretKey) };
  }

  /** m/PURPOSE'/0'/family'/0'/index'. */
  private secretAt(family: KeyFamily, index: number): Uint8Array {
    let parent = this.families.get(family);
    if (!parent) {
      const { privateKey, chainCode } = this.root.derive(`m/${PURPOSE}'/0'/${family}'/0'`);
      if (!privateKey || !chainCode) throw new Error('BIP 32 derivation returned no private key');
      this.families.set(family, (parent = { privateKey, chainCode }));
    }
    return hardenedChild(parent, index).privateKey;
  }
}
