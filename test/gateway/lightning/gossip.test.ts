// The gateway learns the Lightning Network's graph by gossip and pays
// beyond its own channels: G (the gateway, a leaf: its channel unannounced)
// -- O -- P, where O and P, routing nodes, have an announced channel. Once
// O--P is six blocks deep, O and P exchange announcement signatures and O
// gossips the channel to G; G pays P's invoice through O, paying O's fee as
// O's channel_update asks. A node connecting to O later is sent O--P. G takes an announced channel only if its funding
// output is on the chain (and gives a stalled chain source 5 s). G restarts
// with the graph it saved, pays P again, and LDK's pruning drops the channel
// once its updates are two weeks old.
// One chain and three real LDK nodes over TCP on loopback, in order.
import t from 'tap';
import { bytesToHex } from '@noble/hashes/utils.js';
import { eventually, holdsWithin } from '../../../sim/kit/poll.js';
import { silentLogger, type Logger } from '../../../node/core/logger.js';
import { systemClock, type Clock } from '../../../node/core/clock.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { warningsInto } from '../../../sim/kit/logger.js';
import type { ChainSource } from '../../../gateway/chain/chain-source.js';
import { loadLdk } from '../../../gateway/lightning/ldk.js';
import { ldkLogger } from '../../../gateway/lightning/ldk-logger.js';
import { LOOKUP_TIMEOUT_MS, gossipUtxoLookup } from '../../../gateway/lightning/gossip-utxo-lookup.js';
import { pruneNetworkGraph } from '../../../gateway/lightning/network-graph.js';
import type { LightningNode } from '../../../gateway/lightning/lightning-node.js';
import type { ChannelAnnouncement } from 'lightningdevkit';
import { LOOPBACK, eventOf, startChain, startNode, type TestNode } from './lightning-test-kit.js';

const CAPACITY_SAT = 1_000_000;
const AMOUNT_MSAT = 10_000_000;
const WAIT_MS = 30_000;
const TWO_WEEKS_MS = 14 * 24 * 3600 * 1000;

async function connect(from: TestNode, to: TestNode, port: number): Promise<void> {
  await from.node.connect(to.node.nodeId, LOOPBACK, port);
  const hex = bytesToHex(to.node.nodeId);
  await eventually('the peers to connect', () => (from.node.peers().some((peer) => bytesToHex(peer) === hex) ? true : undefined), WAIT_MS, 20);
}

/** The fee O asks to forward over its announced channel to P, as the graph `node` holds says. */
function forwardingFee(node: LightningNode, o: Uint8Array, amountMsat: number): number {
  const view = node.networkGraph.read_only();
  try {
    const [scid] = view.list_channels();
    const channel = view.channel(scid!);
    const fromO = bytesToHex(channel.get_node_one().as_slice()) === bytesToHex(o) ? channel.get_one_to_two() : channel.get_two_to_one();
    const fees = fromO.get_fees();
    return fees.get_base_msat() + Math.floor((amountMsat * fees.get_proportional_millionths()) / 1_000_000);
  } finally {
    view.free();
  }
}

/** O--P's signed channel_announcement, as G's graph holds it. */
function announcementIn(node: LightningNode): ChannelAnnouncement {
  const view = node.networkGraph.read_only();
  try {
    return view.channel(view.list_channels()[0]!).get_announcement_message();
  } finally {
    view.free();
  }
}

/** How many channels a new graph holds after `announcement` was handed to gossip whose funding lookups go to `chain`. */
async function channelsAfterAnnouncing(announcement: ChannelAnnouncement, chain: ChainSource, clock: Clock = systemClock, logger: Logger = silentLogger): Promise<() => number> {
  const ldk = await loadLdk();
  const log = ldkLogger(ldk, silentLogger);
  const graph = ldk.NetworkGraph.constructor_new(ldk.Network.LDKNetwork_Regtest, log);
  const gossip = ldk.P2PGossipSync.constructor_new(graph, ldk.Option_UtxoLookupZ.constructor_none(), log);
  const lookup = gossipUtxoLookup(ldk, { chain, clock, logger, chainHash: graph.get_chain_hash(), target: () => ({ graph, gossip }) });
  gossip.add_utxo_lookup(ldk.Option_UtxoLookupZ.constructor_some(lookup));
  gossip.as_RoutingMessageHandler().handle_channel_announcement(null, announcement); // answered later: the lookup is async
  return () => {
    const view = graph.read_only();
    try {
      return view.list_channels().length;
    } finally {
      view.free();
    }
  };
}

t.test('G learns O--P by gossip, pays P through O, and keeps the graph across a restart', async (story) => {
  const t = story;
  const chain = await startChain(t);
  let g = await startNode(t, chain, 1, { coinHeights: [1] });
  const o = await startNode(t, chain, 2, { coinHeights: [2], announceChannels: true });
  // A leaf refuses to be made public: P announces too, as a node of the public network does.
  const p = await startNode(t, chain, 3, { announceChannels: true });
  const oPort = await o.node.listen();
  const pPort = await p.node.listen();
  await connect(o, p, pPort);
  await connect(g, o, oPort);

  await o.node.openChannel(p.node.nodeId, CAPACITY_SAT);
  await g.node.openChannel(o.node.nodeId, CAPACITY_SAT);
  await eventually('both fundings in the mempool', () => (o.events.some((e) => e.type === 'channel-pending') && eventOf(g.events, 'channel-pending') ? true : undefined), WAIT_MS, 20);
  const pending = [eventOf(o.events, 'channel-pending')!, eventOf(g.events, 'channel-pending')!];
  await eventually('the fundings in the mempool', async () => ((await Promise.all(pending.map((e) => chain.status(e.fundingTxid)))).every((s) => s.state === 'mempool') ? true : undefined), WAIT_MS, 20);
  await chain.mine(6);
  await eventually('every channel usable', () => (g.node.channels()[0]?.usable && o.node.channels().filter((c) => c.usable).length === 2 ? true : undefined), WAIT_MS, 20);

  t.equal(o.node.channels().find((c) => c.peerNodeId === bytesToHex(p.node.nodeId))?.announced, true, 'O announces the channel it opened to P');
  t.equal(g.node.channels()[0]?.announced, false, 'G, a leaf, does not announce its channel');
  t.same(g.node.graph(), { channels: 0, nodes: 0 }, 'G knows no graph before the announcement');
  await eventually('G to learn O--P with both directions', () => (g.node.graph().channels === 1 ? true : undefined), WAIT_MS, 50);
  t.same(g.node.graph(), { channels: 1, nodes: 2 }, 'G knows one channel between two nodes: O--P, and not its own unannounced one');
  t.same(o.node.graph(), { channels: 1, nodes: 2 }, 'O’s graph holds the same');

  await t.test('a node that connects later is sent the graph as it stands', async (t) => {
    const q = await startNode(t, chain, 4); // no channel: gossip goes to any peer
    t.same(q.node.graph(), { channels: 0, nodes: 0 });
    await connect(q, o, oPort);
    await eventually('Q to learn O--P from O’s initial sync', () => (q.node.graph().channels === 1 ? true : undefined), WAIT_MS, 50);
    t.same(q.node.graph(), { channels: 1, nodes: 2 }, 'O--P, its funding output checked on our chain first');
  });

  await t.test('an announced channel is taken only if its funding output is on our chain', async (t) => {
    const announcement = announcementIn(g.node);
    const onOurs = await channelsAfterAnnouncing(announcement, chain);
    await eventually('the lookup on our chain to answer', () => (onOurs() === 1 ? true : undefined), WAIT_MS, 20);
    t.pass('on the chain where O funded it: taken');
    const elsewhere = await startChain(t); // another regtest chain, without O's funding transaction
    const onOther = await channelsAfterAnnouncing(announcement, elsewhere);
    // On our chain it is taken within milliseconds; give the other lookup far longer.
    t.notOk(await holdsWithin(() => onOther() > 0, 2_000), 'on a chain without its funding output: refused, though signed by both nodes');
    // A chain source that never answers (a stalled backend): LDK holds gossip back while lookups are pending.
    const stalled = { blockAt: () => new Promise(() => {}) } as unknown as ChainSource;
    const clock = new VirtualClock();
    const warnings: string[] = [];
    const onStalled = await channelsAfterAnnouncing(announcement, stalled, clock, warningsInto(warnings));
    await clock.advance(LOOKUP_TIMEOUT_MS - 1);
    t.same(warnings, [], 'still waiting just before the time limit');
    await clock.advance(1);
    t.match(warnings, [/did not answer within 5000 ms for an announced channel; the announcement is dropped/], 'then given up');
    t.equal(onStalled(), 0, 'and the channel not taken');
  });

  await t.test('G pays P’s invoice through O, and O earns its advertised fee', async (t) => {
    const fee = forwardingFee(g.node, o.node.nodeId, AMOUNT_MSAT);
    t.equal(fee, 1_000, 'O asks LDK’s default: 1 sat a payment, nothing proportional');
    const gBefore = g.node.channels()[0]!.outboundCapacityMsat;
    const oToP = () => o.node.channels().find((c) => c.peerNodeId === bytesToHex(p.node.nodeId))!.outboundCapacityMsat;
    const oBefore = oToP();
    const invoice = p.node.createInvoice({ amountMsat: AMOUNT_MSAT, description: 'beyond the first hop', expirySecs: 3600 });
    const sent = await g.node.payInvoice(invoice.bolt11);
    t.equal(sent.feeMsat, fee, 'G paid O’s fee and nothing else');
    const claimed = await eventually('P to claim', () => eventOf(p.events, 'payment-claimed', (e) => e.paymentHash === invoice.paymentHash), WAIT_MS, 20);
    t.equal(claimed.amountMsat, AMOUNT_MSAT, 'P received the invoice’s amount');
    t.equal(g.node.channels()[0]!.outboundCapacityMsat, gBefore - AMOUNT_MSAT - fee, 'G sent the amount and the fee');
    await eventually('O’s side with P to settle', () => (oToP() === oBefore - AMOUNT_MSAT ? true : undefined), WAIT_MS, 20);
  });

  await t.test('G restarts with the graph it saved, and pays P again', async (t) => {
    await g.node.stop();
    g = await startNode(story, chain, 1, { dataDir: g.dataDir, wallet: g.wallet }); // lives on after this subtest
    t.same(g.node.graph(), { channels: 1, nodes: 2 }, 'O--P is known at once, before any peer is connected');
    await eventually('G’s channel usable again (G dials O back)', () => (g.node.channels()[0]?.usable ? true : undefined), WAIT_MS, 20);
    const invoice = p.node.createInvoice({ amountMsat: AMOUNT_MSAT, description: 'again', expirySecs: 3600 });
    const sent = await g.node.payInvoice(invoice.bolt11);
    t.equal(sent.feeMsat, 1_000, 'through O again, for O’s fee');
    await eventually('P to claim', () => eventOf(p.events, 'payment-claimed', (e) => e.paymentHash === invoice.paymentHash), WAIT_MS, 20);
  });

  await t.test('pruning keeps a channel with fresh updates and drops it once they are two weeks old', async (t) => {
    pruneNetworkGraph(g.node.networkGraph, Date.now());
    t.equal(g.node.graph().channels, 1, 'updated today: kept');
    pruneNetworkGraph(g.node.networkGraph, Date.now() + TWO_WEEKS_MS + 3600_000);
    t.same(g.node.graph(), { channels: 0, nodes: 0 }, 'no update for two weeks: gone, with its nodes');
  });
});
