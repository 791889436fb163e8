// Channel monitors on disk, from real channel opens between two LDK nodes
// on a regtest chain over loopback TCP: each side writes its monitor under
// monitors/, named by the funding outpoint, and it reads back. A monitor
// that cannot be written holds the channel: the funder does not broadcast
// its funding until a retry has written the monitor.
import t, { type Test } from 'tap';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLdk } from '../../../gateway/lightning/ldk.js';
import { MONITORS_DIR } from '../../../gateway/lightning/monitor-persister.js';
import { eventually, poll } from '../../../sim/kit/poll.js';
import { LOOPBACK, eventOf, startChain, startNode, type TestNode } from './lightning-test-kit.js';

const chain = await startChain(t);
const WAIT_MS = 20_000;

async function connected(t: Test, coinHeight: number): Promise<[TestNode, TestNode]> {
  const a = await startNode(t, chain, 1, { coinHeights: [coinHeight] });
  const b = await startNode(t, chain, 2);
  await a.node.connect(b.node.nodeId, LOOPBACK, await b.node.listen());
  await eventually('both to list a peer', () => (a.node.peers().length === 1 && b.node.peers().length === 1 ? true : undefined), WAIT_MS, 20);
  return [a, b];
}

t.test('a channel open writes both monitors under monitors/, named by the funding outpoint', async (t) => {
  const ldk = await loadLdk();
  const [a, b] = await connected(t, 1);
  await a.node.openChannel(b.node.nodeId, 100_000);
  const { fundingTxid } = await eventually('channel-pending', () => eventOf(a.events, 'channel-pending'), WAIT_MS, 20);
  const name = `${fundingTxid}_0`;
  for (const [who, side, fill] of [['A', a, 1], ['B', b, 2]] as const) {
    const path = join(side.dataDir, MONITORS_DIR, name);
    await eventually(`the monitor file ${path}`, () => (existsSync(path) ? true : undefined), WAIT_MS, 20);
    t.same(readdirSync(join(side.dataDir, MONITORS_DIR)), [name], `${who}: one monitor, no temporary`);
    const keys = ldk.KeysManager.constructor_new(new Uint8Array(32).fill(fill), 0n, 0);
    const read = ldk.UtilMethods.constructor_C2Tuple_ThirtyTwoBytesChannelMonitorZ_read(readFileSync(path), keys.as_EntropySource(), keys.as_SignerProvider());
    t.ok(read.is_ok(), `${who}: the file reads back as a ChannelMonitor`);
  }
  await eventually('the funding in the mempool', async () => ((await chain.status(fundingTxid)).state === 'mempool' ? true : undefined), WAIT_MS, 20);
});

t.test('a monitor that cannot be written holds the funding until a retry writes it', async (t) => {
  const [a, b] = await connected(t, 2);
  // monitors/ is a file: every monitor write of A fails (ENOTDIR), as on a full or broken disk.
  const monitors = join(a.dataDir, MONITORS_DIR);
  writeFileSync(monitors, 'not a directory');
  const opening = a.node.openChannel(b.node.nodeId, 100_000);
  const funded = await opening.then(() => a.node.channels()[0]!.fundingOutpoint!);
  const fundingTxid = funded.split(':')[0]!;
  const seen = await poll(async () => ((await chain.status(fundingTxid)).state === 'unknown' ? undefined : true), 2_500, 50);
  t.equal(seen, undefined, 'A does not broadcast the funding while its monitor is not on disk');
  rmSync(monitors);
  await eventually('the retried write', () => (existsSync(join(monitors, `${fundingTxid}_0`)) ? true : undefined), WAIT_MS, 20);
  await eventually('the funding broadcast once the monitor is written', async () => ((await chain.status(fundingTxid)).state === 'mempool' ? true : undefined), WAIT_MS, 50);
  t.pass('the funding went out after the retry');
});
