/**
 * BIP 143's signature hash for SIGHASH_ALL, the one every commitment
 * signature and check uses: the same bytes as bitcoinjs-lib's
 * `hashForWitnessV0`, written into one buffer per part instead of through
 * its validating writers, which cost more than the hashing itself.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { Transaction } from 'bitcoinjs-lib';

const SIGHASH_ALL = 0x01;

const hash256 = (bytes: Uint8Array): Uint8Array => sha256(sha256(bytes));

/** Bitcoin's CompactSize length prefix. */
function varIntSize(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

function writeVarInt(view: DataView, offset: number, n: number): number {
  if (n < 0xfd) {
    view.setUint8(offset, n);
    return offset + 1;
  }
  if (n <= 0xffff) {
    view.setUint8(offset, 0xfd);
    view.setUint16(offset + 1, n, true);
    return offset + 3;
  }
  if (n <= 0xffffffff) {
    view.setUint8(offset, 0xfe);
    view.setUint32(offset + 1, n, true);
    return offset + 5;
  }
  view.setUint8(offset, 0xff);
  view.setBigUint64(offset + 1, BigInt(n), true);
  return offset + 9;
}

/** The BIP 143 digest of input `inputIndex` (checked by the caller) spending `satoshis` under `scriptCode`, SIGHASH_ALL. */
export function sighashAll(tx: Transaction, inputIndex: number, scriptCode: Uint8Array, satoshis: bigint): Uint8Array {
  const prevouts = new Uint8Array(36 * tx.ins.length);
  const sequences = new Uint8Array(4 * tx.ins.length);
  const prevoutView = new DataView(prevouts.buffer);
  const sequenceView = new DataView(sequences.buffer);
  tx.ins.forEach((input, i) => {
    prevouts.set(input.hash, 36 * i);
    prevoutView.setUint32(36 * i + 32, input.index, true);
    sequenceView.setUint32(4 * i, input.sequence, true);
  });
  const outputs = new Uint8Array(tx.outs.reduce((sum, output) => sum + 8 + varIntSize(output.script.length) + output.script.length, 0));
  const outputView = new DataView(outputs.buffer);
  let offset = 0;
  for (const output of tx.outs) {
    outputView.setBigInt64(offset, output.value, true);
    offset = writeVarInt(outputView, offset + 8, output.script.length);
    outputs.set(output.script, offset);
    offset += output.script.length;
  }

  const input = tx.ins[inputIndex]!;
  const preimage = new Uint8Array(156 + varIntSize(scriptCode.length) + scriptCode.length);
  const view = new DataView(preimage.buffer);
  view.setUint32(0, tx.version, true);
  preimage.set(hash256(prevouts), 4);
  preimage.set(hash256(sequences), 36);
  preimage.set(input.hash, 68);
  view.setUint32(100, input.index, true);
  offset = writeVarInt(view, 104, scriptCode.length);
  preimage.set(scriptCode, offset);
  offset += scriptCode.length;
  view.setBigInt64(offset, satoshis, true);
  view.setUint32(offset + 8, input.sequence, true);
  preimage.set(hash256(outputs), offset + 12);
  view.setUint32(offset + 44, tx.locktime, true);
  view.setUint32(offset + 48, SIGHASH_ALL, true);
  return hash256(preimage);
}
