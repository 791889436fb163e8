/**
 * The small layer over bitcoinjs-lib's `Transaction` that BOLT 3 code uses:
 * outpoints named by display-order txids, amounts as plain numbers of
 * satoshis, and BIP 143 signature hashes.
 */
import { Transaction } from 'bitcoinjs-lib';
import { InvalidInputError, checkInteger } from '../core/input.js';
import { sighashAll } from './bip143.js';

export { Transaction };

/** A transaction output reference; `txid` is hex in the order block explorers show it. */
export interface Outpoint {
  readonly txid: string;
  readonly vout: number;
}

/** 21 million bitcoin: no amount can be larger. */
export const MAX_SATOSHIS = 21_000_000 * 100_000_000;

export const SIGHASH_ALL = 0x01;
/** What the remote side's HTLC signatures use with anchors, so fees can be added later. */
export const SIGHASH_SINGLE_ANYONECANPAY = 0x83;

export function checkTxid(field: string, txid: unknown): string {
  if (typeof txid !== 'string' || !/^[0-9a-f]{64}$/.test(txid)) {
    throw new InvalidInputError(field, 'expected a txid: 64 lower-case hex digits');
  }
  return txid;
}

export function checkOutpoint(field: string, outpoint: Outpoint): Outpoint {
  checkTxid(`${field}.txid`, outpoint?.txid);
  checkInteger(`${field}.vout`, outpoint.vout, 0, 0xffffffff);
  return outpoint;
}

export function checkSatoshis(field: string, value: unknown): number {
  return checkInteger(field, value, 0, MAX_SATOSHIS);
}

/** bitcoinjs-lib's empty script and witness, which its `addInput` gives every new input: ours share them too. */
const { script: EMPTY_SCRIPT, witness: EMPTY_WITNESS } = (() => {
  const tx = new Transaction();
  tx.addInput(new Uint8Array(32), 0);
  return tx.ins[0]!;
})();

/**
 * Adds an input spending `outpoint` (bitcoinjs wants the txid in internal byte order).
 * The input bitcoinjs-lib's `addInput` makes, without its valibot checks (they cost more than
 * the rest of a commitment's build): checked here as it checks them, and anything it would
 * refuse goes to it, to be refused as before.
 */
export function addInput(tx: Transaction, outpoint: Outpoint, sequence: number): number {
  const hash = txidToHash(outpoint.txid);
  if (isUint32(outpoint.vout) && isUint32(sequence)) return tx.ins.push({ hash, index: outpoint.vout, script: EMPTY_SCRIPT, sequence, witness: EMPTY_WITNESS }) - 1;
  return tx.addInput(hash, outpoint.vout, sequence);
}

/** The output bitcoinjs-lib's `addOutput` makes, likewise without its valibot checks. */
export function addOutput(tx: Transaction, scriptPubKey: Uint8Array, satoshis: number): number {
  if (scriptPubKey instanceof Uint8Array && Number.isSafeInteger(satoshis) && satoshis >= 0) return tx.outs.push({ script: scriptPubKey, value: BigInt(satoshis) }) - 1;
  return tx.addOutput(scriptPubKey, BigInt(satoshis));
}

/** BIP 143 signature hash of a segwit v0 input. `scriptCode` is the witness script (or the P2PKH script for P2WPKH). */
export function segwitSighash(tx: Transaction, inputIndex: number, scriptCode: Uint8Array, satoshis: number, sighashType: number): Uint8Array {
  checkInteger('inputIndex', inputIndex, 0, tx.ins.length - 1);
  const value = BigInt(checkSatoshis('satoshis', satoshis));
  // The hot case (every commitment signature and check) without bitcoinjs-lib's validating writers; same bytes.
  if (sighashType === SIGHASH_ALL && scriptCode instanceof Uint8Array && isUint32(tx.version)) return sighashAll(tx, inputIndex, scriptCode, value);
  return tx.hashForWitnessV0(inputIndex, scriptCode, value, sighashType);
}

function isUint32(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

/** Legacy (pre-segwit) signature hash, for P2PKH inputs. */
export function legacySighash(tx: Transaction, inputIndex: number, scriptCode: Uint8Array, sighashType: number): Uint8Array {
  checkInteger('inputIndex', inputIndex, 0, tx.ins.length - 1);
  return tx.hashForSignature(inputIndex, scriptCode, sighashType);
}

export function txidToHash(txid: string): Uint8Array {
  checkTxid('txid', txid);
  const hash = new Uint8Array(32);
  for (let i = 0; i < 32; i++) hash[31 - i] = parseInt(txid.slice(i * 2, i * 2 + 2), 16);
  return hash;
}
