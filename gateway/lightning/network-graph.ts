/**
 * LDK's `NetworkGraph`: the channels and nodes that gossip told us, which
 * the router finds paths in beyond our own channels. Kept in
 * `<dataDir>/network-graph`, written crash-safe (node/core/durable-file.ts)
 * after each pruning and on stop, read back at start. The graph is a cache
 * of what peers say, not money: a file that does not read back, or is for
 * another network, is set aside with a warning and gossip fills a new one.
 * Pruned as LDK's background processor does: a minute after start, then
 * hourly, with the wall clock's time (this build of LDK has no clock of its own).
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '../../node/core/hex.js';
import type { Logger } from '../../node/core/logger.js';
import { writeFileDurably } from '../../node/core/durable-file.js';
import type { Logger as LdkLogger, Network, NetworkGraph } from 'lightningdevkit';
import type { Ldk } from './ldk.js';

export const NETWORK_GRAPH_FILE = 'network-graph';
/** Where a graph file that did not read back is moved, for a look, before the next write replaces it. */
export const UNREADABLE_GRAPH_FILE = 'network-graph.unreadable';

/** Seconds of the node's timer (one tick a second): LDK's FIRST_NETWORK_PRUNE_TIMER and NETWORK_PRUNE_TIMER. */
export const GRAPH_PRUNE_FIRST_TICK = 60;
export const GRAPH_PRUNE_EVERY_TICKS = 60 * 60;

export interface GraphSize {
  readonly channels: number;
  readonly nodes: number;
}

/** The graph saved in `dataDir`, or a new one for `network` (none saved, or unreadable: then a warning). */
export function readNetworkGraph(ldk: Ldk, dataDir: string, network: Network, log: LdkLogger, logger: Logger): NetworkGraph {
  const fresh = ldk.NetworkGraph.constructor_new(network, log);
  const path = join(dataDir, NETWORK_GRAPH_FILE);
  if (!existsSync(path)) return fresh;
  const read = ldk.NetworkGraph.constructor_read(readFileSync(path), log);
  let why: string;
  if (!(read instanceof ldk.Result_NetworkGraphDecodeErrorZ_OK)) why = 'it does not decode';
  else if (bytesToHex(read.res.get_chain_hash()) !== bytesToHex(fresh.get_chain_hash())) why = 'it is for another network';
  else return read.res;
  let aside = 'set aside';
  try {
    renameSync(path, join(dataDir, UNREADABLE_GRAPH_FILE));
  } catch (error) {
    aside = `left in place (cannot move it: ${String(error)}; the next write replaces it)`;
  }
  logger.log('warn', `the network graph ${path} is ${aside} (${why}): starting with an empty graph, which gossip fills again`, { movedTo: UNREADABLE_GRAPH_FILE });
  return fresh;
}

export function writeNetworkGraph(dataDir: string, graph: NetworkGraph): void {
  writeFileDurably(join(dataDir, NETWORK_GRAPH_FILE), graph.write());
}

/**
 * BOLT 7's pruning: a channel whose updates are all older than two weeks
 * goes, and so does one still missing an update in either direction
 * whose announcement is older (a build of LDK without a clock records it as 0).
 */
export function pruneNetworkGraph(graph: NetworkGraph, nowMs: number): void {
  graph.remove_stale_channels_and_tracking_with_time(BigInt(Math.floor(nowMs / 1000)));
}

export function graphSize(graph: NetworkGraph): GraphSize {
  const view = graph.read_only();
  try {
    return { channels: view.list_channels().length, nodes: view.list_nodes().length };
  } finally {
    view.free(); // it holds the graph's read locks: gossip could not write while it lives
  }
}
