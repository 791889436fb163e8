// Channel monitors on disk, from a real channel open between two LDK nodes
// over loopback TCP (opened by hand through the ChannelManager: the node
// does not wrap funding yet). The funding transaction spends a made-up
// input: nothing here reaches a chain.
import t, { type Test } from 'tap';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transaction } from 'bitcoinjs-lib';
import type { Event, Event_FundingGenerationReady } from 'lightningdevkit';
import { ObservedFeerates } from '../../../node/chain/fee-estimator.js';
import { LightningNode } from '../../../gateway/lightning/lightning-node.js';
import { loadLdk } from '../../../gateway/lightning/ldk.js';
import { MONITORS_DIR } from '../../../gateway/lightning/monitor-persister.js';
import { eventually } from '../../../sim/kit/poll.js';

const LOOPBACK = '127.0.0.1';

interface Started {
  node: LightningNode;
  dataDir: string;
  events: Event[];
  broadcast: Transaction[];
}

async function startNode(t: Test, fill: number): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lnmesh-ldk-monitors-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const events: Event[] = [];
  const broadcast: Transaction[] = [];
  const node = await LightningNode.create(
    { broadcaster: { broadcast: (tx) => broadcast.push(tx) }, feeEstimator: new ObservedFeerates(), onEvent: (event) => events.push(event) },
    { seed: new Uint8Array(32).fill(fill), network: 'regtest', dataDir, chainTip: { height: 0, blockHash: new Uint8Array(32) }, listen: { host: LOOPBACK, port: 0 } },
  );
  t.teardown(() => node.stop());
  return { node, dataDir, events, broadcast };
}

/** A segwit transaction paying the channel's output from a made-up input. */
function fundingTransaction(ready: Event_FundingGenerationReady): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  tx.addInput(Buffer.alloc(32, 1), 0, 0xffffffff);
  tx.setWitness(0, [Buffer.from([0xff])]);
  tx.addOutput(Buffer.from(ready.output_script), ready.channel_value_satoshis);
  return tx;
}

t.test('a channel open writes both monitors under monitors/, named by the funding outpoint', async (t) => {
  const ldk = await loadLdk();
  const a = await startNode(t, 1);
  const b = await startNode(t, 2);
  await b.node.connect(a.node.nodeId, LOOPBACK, await a.node.listen());
  await eventually('both to list a peer', () => (a.node.peers().length === 1 && b.node.peers().length === 1 ? true : undefined), 20_000, 50);

  const created = b.node.channelManager.create_channel(a.node.nodeId, 100_000n, 0n, 42n, null, null);
  t.ok(created.is_ok(), 'B offers a channel to A');
  const ready = await eventually('FundingGenerationReady', () => b.events.find((e): e is Event_FundingGenerationReady => e instanceof ldk.Event_FundingGenerationReady), 20_000, 50);
  const funding = fundingTransaction(ready);
  const generated = b.node.channelManager.funding_transaction_generated(ready.temporary_channel_id, ready.counterparty_node_id, funding.toBuffer());
  t.ok(generated.is_ok(), 'B hands LDK the funding transaction');

  const name = `${funding.getId()}_0`;
  for (const [who, side, fill] of [['A', a, 1], ['B', b, 2]] as const) {
    const path = join(side.dataDir, MONITORS_DIR, name);
    await eventually(`the monitor file ${path}`, () => (existsSync(path) ? true : undefined), 20_000, 50);
    t.same(readdirSync(join(side.dataDir, MONITORS_DIR)), [name], `${who}: one monitor, no temporary`);
    const keys = ldk.KeysManager.constructor_new(new Uint8Array(32).fill(fill), 0n, 0);
    const read = ldk.UtilMethods.constructor_C2Tuple_ThirtyTwoBytesChannelMonitorZ_read(readFileSync(path), keys.as_EntropySource(), keys.as_SignerProvider());
    t.ok(read.is_ok(), `${who}: the file reads back as a ChannelMonitor`);
  }
  const sent = await eventually('the funding transaction broadcast', () => b.broadcast[0], 20_000, 50);
  t.equal(sent.getId(), funding.getId(), 'B broadcasts the funding once A signed');
});
