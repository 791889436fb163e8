// The tower's journal: responses and scanned blocks survive a restart;
// only active responses are followed; old block hashes are forgotten.
import t from 'tap';
import { open } from 'lmdb';
import { type ResponseRecord, ResponseStore, ResponseStoreError } from '../../../gateway/tower/response-store.js';
import { caught } from '../../node/input.js';
import { tempDir } from './breach-scenario.js';

const record = (breachByte: string, state: ResponseRecord['state']): ResponseRecord => ({
  breachTxid: breachByte.repeat(32),
  nodeId: '02' + '11'.repeat(32),
  state,
  justice: Uint8Array.of(1, 2, 3),
  justiceTxid: 'cd'.repeat(32),
  detectedAt: 1234,
  broadcasts: 1,
  lastBroadcast: { accepted: false, reason: 'missing inputs', at: 1300 },
  confirmations: 0,
  alerted: false,
});

t.test('responses survive a restart; only the active ones are followed', async (t) => {
  const dir = tempDir(t);
  let store = new ResponseStore(dir);
  store.put(record('aa', 'active'));
  store.put(record('bb', 'invalid'));
  store.put(record('cc', 'active'));
  store.put({ ...record('cc', 'active'), state: 'buried', confirmations: 100 });
  await store.close();
  store = new ResponseStore(dir);
  t.same(store.active().map((response) => response.breachTxid), ['aa'.repeat(32)], 'one active after a restart');
  t.equal(store.all().length, 3);
  const read = store.get('aa'.repeat(32), '02' + '11'.repeat(32))!;
  t.equal(Buffer.from(read.justice!).toString('hex'), '010203', 'the justice bytes');
  t.same(read.lastBroadcast, { accepted: false, reason: 'missing inputs', at: 1300 });
  t.match(store.get('cc'.repeat(32), '02' + '11'.repeat(32)), { state: 'buried', confirmations: 100 });
  t.equal(store.get('dd'.repeat(32), '02' + '11'.repeat(32)), undefined);
  await store.close();
});

t.test('scanned blocks: the last one, a reorg, and only the last 1,000 kept', async (t) => {
  const dir = tempDir(t);
  let store = new ResponseStore(dir);
  t.equal(store.lastScanned(), undefined, 'nothing scanned yet');
  for (let height = 1; height <= 1200; height++) store.markScanned({ height, hash: height.toString(16).padStart(64, '0') });
  t.same(store.lastScanned(), { height: 1200, hash: (1200).toString(16).padStart(64, '0') });
  store.unmarkScanned(1200);
  t.equal(store.lastScanned()!.height, 1199, 'the tip left the chain');
  await store.close();
  store = new ResponseStore(dir);
  t.equal(store.lastScanned()!.height, 1199, 'after a restart');
  t.equal(store.scannedAt(1000), (1000).toString(16).padStart(64, '0'));
  t.equal(store.scannedAt(150), undefined, 'far below the tip: forgotten');
  await store.close();
});

t.test('a journal of another format is refused', async (t) => {
  const dir = tempDir(t);
  const other = open({ path: dir });
  other.putSync('format', 2);
  await other.close();
  const error = caught(() => new ResponseStore(dir));
  t.ok(error instanceof ResponseStoreError);
  t.match((error as Error).message, /format 2, this lnmesh reads format 1/);
});
