// The published BOLT 3 transactions (which lnmesh reproduces byte for byte,
// see test/node/vectors) are valid for bcoin's script interpreter: each
// commitment spends the funding output, each HTLC transaction its commitment output.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { p2wsh } from '../../../node/bolt3/scripts.js';
import { Transaction } from '../../../node/bolt3/transaction.js';
import { checkHex } from '../../../node/core/input.js';
import { scriptResult } from './interpreter.js';

const file = JSON.parse(readFileSync(fileURLToPath(new URL('../../vectors/bolt03-commitments.json', import.meta.url)), 'utf8'));
const funding = { scriptPubKey: p2wsh(checkHex('funding_wscript', file.common.funding_wscript)), satoshis: file.common.funding_amount_satoshi };

for (const testCase of file.cases) {
  t.test(`${testCase.variant}: ${testCase.name}`, async (t) => {
    const commitment = Transaction.fromHex(testCase.output_commit_tx);
    t.equal(scriptResult(commitment, 0, funding), 'OK', 'commitment spends the funding output');
    for (const [i, htlcTx] of (testCase.htlc_txs as { tx: string }[]).entries()) {
      const tx = Transaction.fromHex(htlcTx.tx);
      const spent = commitment.outs[tx.ins[0]!.index]!;
      t.equal(scriptResult(tx, 0, { scriptPubKey: spent.script, satoshis: Number(spent.value) }), 'OK', `htlc_txs[${i}] spends its HTLC output`);
    }
  });
}
