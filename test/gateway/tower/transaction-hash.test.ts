// The scan's txid: the same bytes as bitcoinjs' getHash() (the double
// SHA-256 of the transaction without its witness), for any transaction,
// including scripts and input counts long enough for 3-byte lengths.
import t from 'tap';
import fc from 'fast-check';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Transaction } from '../../../node/bolt3/transaction.js';
import { transactionHash } from '../../../gateway/tower/transaction-hash.js';

const script = (maxLength: number) => fc.uint8Array({ maxLength });
const input = fc.record({ hash: fc.uint8Array({ minLength: 32, maxLength: 32 }), index: fc.nat(0xffffffff), script: script(300), sequence: fc.nat(0xffffffff), witness: fc.array(script(80), { maxLength: 3 }) });
const output = fc.record({ value: fc.bigInt(0n, 2_100_000_000_000_000n), script: script(300) });
const transaction = fc
  .record({ version: fc.nat(0xffffffff), locktime: fc.nat(0xffffffff), ins: fc.array(input, { minLength: 1, maxLength: 4 }), outs: fc.array(output, { maxLength: 4 }) })
  .map(({ version, locktime, ins, outs }) => {
    const tx = new Transaction();
    tx.version = version;
    tx.locktime = locktime;
    for (const [i, item] of ins.entries()) {
      tx.addInput(item.hash, item.index, item.sequence, item.script);
      if (item.witness.length > 0) tx.setWitness(i, item.witness);
    }
    for (const item of outs) tx.addOutput(item.script, item.value);
    return tx;
  });

t.test('the txid of any transaction, as bitcoinjs computes it', (t) => {
  fc.assert(fc.property(transaction, (tx) => bytesToHex(transactionHash(tx)) === bytesToHex(tx.getHash())), { numRuns: 300 });
  t.pass('300 random transactions');
  t.end();
});

t.test('a transaction with more than 252 inputs and outputs', (t) => {
  const tx = new Transaction();
  for (let i = 0; i < 300; i++) tx.addInput(new Uint8Array(32).fill(i & 0xff), i);
  for (let i = 0; i < 260; i++) tx.addOutput(Uint8Array.of(0x51), BigInt(i));
  t.equal(bytesToHex(transactionHash(tx)), bytesToHex(tx.getHash()));
  t.end();
});
