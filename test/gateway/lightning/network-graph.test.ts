// The network graph on disk (gateway/lightning/network-graph.ts): what is
// written reads back; a file that does not read back, or is another
// network's, is set aside with a warning and the node starts with an empty
// graph instead of refusing to start: the graph is only a cache of gossip.
import t, { type Test } from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLdk } from '../../../gateway/lightning/ldk.js';
import {
  NETWORK_GRAPH_FILE, UNREADABLE_GRAPH_FILE, graphSize, readNetworkGraph, writeNetworkGraph,
} from '../../../gateway/lightning/network-graph.js';
import { ldkLogger } from '../../../gateway/lightning/ldk-logger.js';
import { silentLogger } from '../../../node/core/logger.js';
import { warningsInto } from '../../../sim/kit/logger.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import type { Network, NetworkGraph } from 'lightningdevkit';
import { startChain, startNode } from './lightning-test-kit.js';

const ldk = await loadLdk();
const log = ldkLogger(ldk, silentLogger);
const REGTEST = ldk.Network.LDKNetwork_Regtest;
// The secp256k1 generator point and its double: two valid node ids, in BOLT 7's order.
const NODE_1 = Buffer.from('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798', 'hex');
const NODE_2 = Buffer.from('02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5', 'hex');

function dataDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-graph-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A graph holding a channel between NODE_1 and NODE_2 for each time given: announced then, with no update yet. */
function graphOf(network: Network, announcedAtSecs: readonly number[]): NetworkGraph {
  const graph = ldk.NetworkGraph.constructor_new(network, log);
  announcedAtSecs.forEach((at, i) => {
    const added = graph.add_channel_from_partial_announcement((700_000n + BigInt(i)) << 40n, BigInt(at), ldk.ChannelFeatures.constructor_empty(), NODE_1, NODE_2);
    if (!added.is_ok()) throw new Error('the test graph did not take its channel');
  });
  return graph;
}

const oneChannelGraph = (network = REGTEST) => graphOf(network, [1_700_000_000]);

t.test('no file: an empty graph, and nothing said', async (t) => {
  const warnings: string[] = [];
  const graph = readNetworkGraph(ldk, dataDir(t), REGTEST, log, warningsInto(warnings));
  t.same(graphSize(graph), { channels: 0, nodes: 0 });
  t.same(warnings, []);
});

t.test('a graph written reads back with its channels and nodes', async (t) => {
  const dir = dataDir(t);
  writeNetworkGraph(dir, oneChannelGraph());
  const warnings: string[] = [];
  t.same(graphSize(readNetworkGraph(ldk, dir, REGTEST, log, warningsInto(warnings))), { channels: 1, nodes: 2 });
  t.same(warnings, []);
});

t.test('a file that does not decode is set aside with a warning; the graph starts empty', async (t) => {
  const dir = dataDir(t);
  const garbage = Buffer.from('not a network graph at all');
  writeFileSync(join(dir, NETWORK_GRAPH_FILE), garbage);
  const warnings: string[] = [];
  const graph = readNetworkGraph(ldk, dir, REGTEST, log, warningsInto(warnings));
  t.same(graphSize(graph), { channels: 0, nodes: 0 }, 'an empty graph');
  t.match(warnings, [/network graph .* is set aside \(it does not decode\): starting with an empty graph/]);
  t.notOk(existsSync(join(dir, NETWORK_GRAPH_FILE)), 'the bad file is no longer where the next start would read it');
  t.same(readFileSync(join(dir, UNREADABLE_GRAPH_FILE)), garbage, 'it is kept beside, as it was, for a look');
  writeNetworkGraph(dir, graph);
  t.same(graphSize(readNetworkGraph(ldk, dir, REGTEST, log, silentLogger)), { channels: 0, nodes: 0 }, 'the next write replaces it with a good one');
});

t.test('a graph of another network is set aside too', async (t) => {
  const dir = dataDir(t);
  writeNetworkGraph(dir, oneChannelGraph(ldk.Network.LDKNetwork_Bitcoin));
  const warnings: string[] = [];
  t.same(graphSize(readNetworkGraph(ldk, dir, REGTEST, log, warningsInto(warnings))), { channels: 0, nodes: 0 });
  t.match(warnings, [/it is for another network/]);
});

t.test('a node whose graph file is corrupt starts, with an empty graph and a warning', async (t) => {
  const chain = await startChain(t);
  const dir = dataDir(t);
  writeFileSync(join(dir, NETWORK_GRAPH_FILE), Buffer.alloc(64, 0xff));
  const warnings: string[] = [];
  const { node } = await startNode(t, chain, 7, { dataDir: dir, logger: warningsInto(warnings) });
  t.same(node.graph(), { channels: 0, nodes: 0 });
  t.match(warnings, [/^graph: the network graph .* is set aside/]);
  await node.stop();
  t.ok(existsSync(join(dir, NETWORK_GRAPH_FILE)), 'on stop the node writes its graph again');
  t.same(graphSize(readNetworkGraph(ldk, dir, REGTEST, log, silentLogger)), { channels: 0, nodes: 0 }, 'which reads back');
});

t.test('a minute after start the node prunes its graph as BOLT 7 says, and writes it', async (t) => {
  const chain = await startChain(t);
  const dir = dataDir(t);
  const day = 24 * 3600;
  const announced = 1_800_000_000; // seconds; neither channel has an update
  writeNetworkGraph(dir, graphOf(REGTEST, [announced, announced + day]));
  // The first pruning falls 14 days and 1 s after the first announcement: it is stale, the second is not yet.
  const clock = new VirtualClock((announced + 14 * day + 1 - 60) * 1000);
  const { node } = await startNode(t, chain, 8, { dataDir: dir, clock });
  t.same(node.graph(), { channels: 2, nodes: 2 }, 'read back at start');
  rmSync(join(dir, NETWORK_GRAPH_FILE));
  await clock.advance(59_000);
  t.equal(node.graph().channels, 2, 'not pruned before the first minute');
  t.notOk(existsSync(join(dir, NETWORK_GRAPH_FILE)), 'nor written');
  await clock.advance(1_000);
  t.same(node.graph(), { channels: 1, nodes: 2 }, 'the channel without an update for two weeks is gone');
  t.same(graphSize(readNetworkGraph(ldk, dir, REGTEST, log, silentLogger)), { channels: 1, nodes: 2 }, 'and the pruned graph is on disk');
});
