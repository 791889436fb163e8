// The record of sent payments in real files: written, updated, listed,
// read back by a new instance (as after a restart).
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutgoingPayments } from '../../../gateway/lightning/outgoing-payments.js';

const HASH_A = 'aa'.repeat(32);
const HASH_B = 'bb'.repeat(32);

t.test('a payment recorded pending, then sent, reads back after a restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lnmesh-payments-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const store = new OutgoingPayments(dataDir);
  t.same(store.list(), [], 'nothing at first');
  store.put({ paymentHash: HASH_B, bolt11: 'lnbcrt1b', amountMsat: 2, state: 'pending' });
  store.put({ paymentHash: HASH_A, bolt11: 'lnbcrt1a', amountMsat: 1, state: 'pending' });
  store.update(HASH_A, { state: 'sent', preimage: '11'.repeat(32), feeMsat: 0 });
  store.update('cc'.repeat(32), { state: 'failed' });
  const again = new OutgoingPayments(dataDir);
  t.same(again.list(), [
    { paymentHash: HASH_A, bolt11: 'lnbcrt1a', amountMsat: 1, state: 'sent', preimage: '11'.repeat(32), feeMsat: 0 },
    { paymentHash: HASH_B, bolt11: 'lnbcrt1b', amountMsat: 2, state: 'pending' },
  ], 'both, by hash; the unknown hash was not recorded');
  t.equal(again.get('cc'.repeat(32)), undefined);
  t.throws(() => again.get('../x'), /not a payment hash/, 'a name that is no hash never becomes a path');
});
