// Channel monitors on disk, from real channel opens between two LDK nodes
// on a regtest chain over loopback TCP: each side writes its monitor under
// monitors/, named by the funding outpoint, and it reads back. A monitor
// that cannot be written holds the channel: the funder does not broadcast
// its funding until a retry has written the monitor.
import t, { type Test } from 'tap';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Transaction } from '../../../node/bolt3/transaction.js';
import { CHANNEL_MANAGER_FILE } from '../../../gateway/lightning/channel-manager-store.js';
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

/** The manager and the monitors as they stand in `dataDir`: what LDK reads back. */
function channelState(dataDir: string): string {
  const monitors = join(dataDir, MONITORS_DIR);
  const files = [join(dataDir, CHANNEL_MANAGER_FILE), ...(existsSync(monitors) ? readdirSync(monitors).sort().map((name) => join(monitors, name)) : [])];
  return bytesToHex(sha256(Buffer.concat(files.filter(existsSync).map((path) => readFileSync(path)))));
}

t.test('the data directory copied at any moment of payments both ways reads back with its channel open', async (t) => {
  const snapshots = mkdtempSync(join(tmpdir(), 'lnmesh-ldk-moments-'));
  t.teardown(() => rmSync(snapshots, { recursive: true, force: true }));
  const seen = new Set<string>();
  let copying = false;
  let dataDir = '';
  // Every line A logs is a moment a SIGKILL could come: each new state of A's disk is copied then.
  const momentLogger = {
    log() {
      if (!copying) return;
      const state = channelState(dataDir);
      if (seen.has(state)) return;
      seen.add(state);
      cpSync(dataDir, join(snapshots, String(seen.size)), { recursive: true });
    },
  };
  const a = await startNode(t, chain, 3, { coinHeights: [3], logger: momentLogger });
  dataDir = a.dataDir;
  const b = await startNode(t, chain, 4);
  await a.node.connect(b.node.nodeId, LOOPBACK, await b.node.listen());
  await eventually('both to list a peer', () => (a.node.peers().length === 1 ? true : undefined), WAIT_MS, 20);
  const channelId = await a.node.openChannel(b.node.nodeId, 200_000, { pushMsat: 50_000_000 });
  await eventually('channel-pending', () => eventOf(a.events, 'channel-pending'), WAIT_MS, 20);
  await chain.mine(6);
  await eventually('the channel usable', () => (a.node.channels()[0]?.usable && b.node.channels()[0]?.usable ? true : undefined), WAIT_MS, 20);
  await a.node.chainSynced();

  copying = true;
  await a.node.payInvoice(b.node.createInvoice({ amountMsat: 20_000_000, description: 'out', expirySecs: 3600 }).bolt11);
  const preimage = randomBytes(32);
  const held = a.node.createInvoiceForHash({ paymentHash: bytesToHex(sha256(preimage)), amountMsat: 10_000_000, description: 'in', expirySecs: 3600, minFinalCltvExpiryDelta: 144 });
  const paying = b.node.payInvoice(held.bolt11);
  await eventually('A to hold the payment', () => eventOf(a.events, 'payment-claimable'), WAIT_MS, 20);
  a.node.claim(bytesToHex(preimage));
  await paying;
  await eventually('A to see it claimed', () => eventOf(a.events, 'payment-claimed'), WAIT_MS, 20);
  copying = false;
  // The copies are read back alone: neither A nor B is there to meet them.
  await a.node.stop();
  await b.node.stop();
  t.ok(seen.size >= 6, `A's disk took ${seen.size} states during the two payments (each commitment dance writes several)`);

  for (const name of readdirSync(snapshots)) {
    const broadcast: Transaction[] = [];
    const restarted = await startNode(t, chain, 3, {
      dataDir: join(snapshots, name), wallet: a.wallet, broadcaster: { broadcast: (tx) => void broadcast.push(tx) },
      reconnect: { everyMs: 3_600_000, maxBackoffMs: 3_600_000 },
    });
    await restarted.node.chainSynced();
    const channel = restarted.node.channels().find((row) => row.channelId === channelId);
    t.ok(channel, `state ${name}: the channel reads back open (not force-closed as stale)`);
    t.same(broadcast, [], `state ${name}: nothing broadcast`);
    await restarted.node.stop();
  }
});
