/** Small real transactions and a block of them, for the targets that parse Bitcoin data. */
import { Block, Transaction } from 'bitcoinjs-lib';
import { counting } from './fixtures.js';

/** A transaction with `inputs` inputs and two outputs; with a witness on the first input when `segwit`. */
export function sampleTransaction(inputs: number, segwit: boolean, salt = 0): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  for (let i = 0; i < inputs; i++) tx.addInput(counting(32, salt + i), i, 0xfffffffd);
  tx.addOutput(Uint8Array.of(0x00, 0x14, ...counting(20, salt)), 50_000n);
  tx.addOutput(Uint8Array.of(0x6a, 0x04, 1, 2, 3, 4), 0n);
  if (segwit) tx.setWitness(0, [counting(71, salt), counting(33, salt + 1)]);
  tx.locktime = 800_000;
  return tx;
}

/** A coinbase: one input spending nothing. */
export function coinbase(height: number): Transaction {
  const tx = new Transaction();
  tx.addInput(new Uint8Array(32), 0xffffffff, 0xffffffff, Uint8Array.of(0x03, height & 0xff, (height >> 8) & 0xff, height >> 16));
  tx.addOutput(Uint8Array.of(0x51), 5_000_000_000n);
  return tx;
}

/** A block of legacy transactions whose header commits to them (no proof of work: decoders do not check it). */
export function sampleBlock(transactions: Transaction[]): Uint8Array {
  const block = new Block();
  block.version = 0x20000000;
  block.prevHash = counting(32, 3);
  block.timestamp = 1_700_000_000;
  block.bits = 0x207fffff;
  block.nonce = 7;
  block.transactions = transactions;
  block.merkleRoot = Block.calculateMerkleRoot(transactions);
  return block.toBuffer();
}
