// The SIGHASH_ALL digest is the one bitcoinjs-lib computes, byte for byte,
// for any shape of transaction (inputs, outputs, script sizes across the
// CompactSize boundaries).
import t from 'tap';
import fc from 'fast-check';
import { Transaction } from 'bitcoinjs-lib';
import { sighashAll } from '../../../node/bolt3/bip143.js';
import { SIGHASH_ALL, segwitSighash } from '../../../node/bolt3/transaction.js';

const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const script = fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 250, maxLength: 260 }));

t.test('same digest as bitcoinjs-lib', async (t) => {
  fc.assert(
    fc.property(
      fc.record({
        version: fc.constantFrom(1, 2),
        locktime: uint32,
        ins: fc.array(fc.record({ hash: fc.uint8Array({ minLength: 32, maxLength: 32 }), index: uint32, sequence: uint32 }), { minLength: 1, maxLength: 4 }),
        outs: fc.array(fc.record({ script, value: fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n }) }), { maxLength: 5 }),
        scriptCode: script,
        satoshis: fc.integer({ min: 0, max: 2_100_000_000_000_000 }),
        input: fc.nat(),
      }),
      ({ version, locktime, ins, outs, scriptCode, satoshis, input }) => {
        const tx = new Transaction();
        tx.version = version;
        tx.locktime = locktime;
        for (const { hash, index, sequence } of ins) tx.addInput(hash, index, sequence);
        for (const { script, value } of outs) tx.addOutput(script, value);
        const inputIndex = input % ins.length;
        const expected = Buffer.from(tx.hashForWitnessV0(inputIndex, scriptCode, BigInt(satoshis), SIGHASH_ALL)).toString('hex');
        t.equal(Buffer.from(sighashAll(tx, inputIndex, scriptCode, BigInt(satoshis))).toString('hex'), expected);
        t.equal(Buffer.from(segwitSighash(tx, inputIndex, scriptCode, satoshis, SIGHASH_ALL)).toString('hex'), expected, 'through segwitSighash');
      },
    ),
    { numRuns: 200 },
  );
});
