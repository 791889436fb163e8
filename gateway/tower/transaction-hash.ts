/**
 * The txid (internal byte order) of a transaction, computed for every
 * transaction of every block the tower scans: the scan's largest cost.
 * bitcoinjs' `getHash()` takes about 10 µs for a one-input transaction
 * (SHA-256 in JavaScript); serialising without the witness here and hashing
 * with Node's native SHA-256 takes about 3 µs, and gives the same bytes
 * (the test checks it against `getHash()` on random transactions).
 */
import { hash } from 'node:crypto';
import type { Transaction } from '../../node/bolt3/transaction.js';

/** Reused for every transaction (grown when one is larger): allocating per transaction showed in the profile. */
let scratch = Buffer.allocUnsafe(4096);

export function transactionHash(tx: Transaction): Uint8Array {
  let size = 8 + varintLength(tx.ins.length) + varintLength(tx.outs.length);
  for (const input of tx.ins) size += 40 + varintLength(input.script.length) + input.script.length;
  for (const output of tx.outs) size += 8 + varintLength(output.script.length) + output.script.length;
  if (size > scratch.length) scratch = Buffer.allocUnsafe(size * 2);
  const bytes = scratch;
  let offset = bytes.writeUInt32LE(tx.version, 0);
  offset = writeVarint(bytes, tx.ins.length, offset);
  for (const input of tx.ins) {
    bytes.set(input.hash, offset);
    offset = bytes.writeUInt32LE(input.index, offset + 32);
    offset = writeVarint(bytes, input.script.length, offset);
    bytes.set(input.script, offset);
    offset = bytes.writeUInt32LE(input.sequence, offset + input.script.length);
  }
  offset = writeVarint(bytes, tx.outs.length, offset);
  for (const output of tx.outs) {
    offset = bytes.writeBigUInt64LE(BigInt(output.value), offset);
    offset = writeVarint(bytes, output.script.length, offset);
    bytes.set(output.script, offset);
    offset += output.script.length;
  }
  bytes.writeUInt32LE(tx.locktime, offset);
  return hash('sha256', hash('sha256', bytes.subarray(0, size), 'buffer'), 'buffer');
}

function varintLength(value: number): number {
  return value < 0xfd ? 1 : value <= 0xffff ? 3 : 5;
}

function writeVarint(bytes: Buffer, value: number, offset: number): number {
  if (value < 0xfd) return bytes.writeUInt8(value, offset);
  if (value <= 0xffff) return bytes.writeUInt16LE(value, bytes.writeUInt8(0xfd, offset));
  return bytes.writeUInt32LE(value, bytes.writeUInt8(0xfe, offset));
}
