import t from 'tap';
import { checkFundedTransaction } from '../../../gateway/wallet/funded-transaction.js';
import { p2wpkh, p2wsh } from '../../../node/bolt3/scripts.js';
import { Transaction, addInput, addOutput } from '../../../node/bolt3/transaction.js';
import { publicKeyOf } from '../../../node/core/curve.js';

const asked = [{ script: p2wsh(Uint8Array.of(0x51)), satoshis: 100_000 }];
const change = p2wpkh(publicKeyOf(new Uint8Array(32).fill(4)));

/** A funded transaction as a backend would answer it: one input, the outputs given. */
function funded(outputs: { script: Uint8Array; satoshis: number }[], witness = [new Uint8Array(71), new Uint8Array(33)]): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  addInput(tx, { txid: '11'.repeat(32), vout: 0 }, 0xfffffffd);
  for (const output of outputs) addOutput(tx, output.script, output.satoshis);
  tx.setWitness(0, witness);
  return tx;
}

t.test('the outputs asked for first, then at most one change, every input with a witness', async (t) => {
  t.doesNotThrow(() => checkFundedTransaction(funded([...asked, { script: change, satoshis: 5_000 }]), asked));
  t.doesNotThrow(() => checkFundedTransaction(funded(asked), asked), 'no change');
});

t.test('what a backend must never hand out', async (t) => {
  t.throws(() => checkFundedTransaction(funded([{ script: change, satoshis: 5_000 }, ...asked]), asked), { name: 'WalletError', message: /output 0 is not the one asked for/ }, 'change first');
  t.throws(() => checkFundedTransaction(funded([{ ...asked[0]!, satoshis: 99_999 }]), asked), { name: 'WalletError', message: /output 0/ }, 'a different amount');
  t.throws(() => checkFundedTransaction(funded([...asked, { script: change, satoshis: 1 }, { script: change, satoshis: 1 }]), asked), { name: 'WalletError', message: /3 outputs for the 1 asked/ });
  t.throws(() => checkFundedTransaction(funded([...asked], []), asked), { name: 'WalletError', message: /input 0 .* not a segwit spend/ }, 'an input without a witness (a legacy coin)');
});

t.test('a P2SH-wrapped segwit input passes: its txid is as fixed (an older Core wallet holds such coins)', async (t) => {
  const nested = funded(asked);
  nested.ins[0]!.script = Uint8Array.of(0x16, 0x00, 0x14, ...new Uint8Array(20));
  t.doesNotThrow(() => checkFundedTransaction(nested, asked));
});
