/**
 * A small real mesh for end-to-end tests, driven only through the `lnmesh`
 * command line: a regtest gateway daemon and node daemons as child
 * processes, configs written by `lnmesh init` and then filled in, the
 * gateway reached over MQTT (a real broker) and nodes joined to each other
 * by a serial line (a socat pseudo-terminal pair). Waits read the daemons'
 * control sockets (`peek`): a process start for every look was most of
 * these tests' time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peek } from '../../../sim/kit/control-socket.js';
import { eventually as waitFor, poll } from '../../../sim/kit/poll.js';
import { type Daemon, type Run, lnmeshAsync, startLnmesh } from './run-cli.js';
import { timed } from './timings.js';

export interface ClusterNode {
  readonly name: string;
  readonly config: string;
  readonly nodeId: string;
}

/** Runs `lnmesh ...args`, failing with its output unless it exits 0. */
export async function must(...args: string[]): Promise<Run> {
  const run = await lnmeshAsync(...args);
  if (run.status !== 0) throw new Error(`lnmesh ${args.join(' ')} exited ${run.status}:\n${run.stdout}${run.stderr}`);
  return run;
}

/** A daemon's answer to a verb: `ask` (through `lnmesh`) or `peek` (its control socket, for waits). */
export type Read = <T = Record<string, unknown>>(config: string, verb: string) => Promise<T>;

/** `lnmesh VERB --json --config FILE ...`, parsed. */
export async function ask<T = Record<string, unknown>>(config: string, verb: string, ...args: string[]): Promise<T> {
  return JSON.parse((await must(verb, '--json', '--config', config, ...args)).stdout) as T;
}

/**
 * How long `mineUntil` asks after each `lnmesh mine` before it mines more: the nodes hear of the blocks and answer them
 * meanwhile (a claim must reach the mempool before the next blocks when a deadline is near). As long as the mine took,
 * within these bounds: on a busy machine the nodes are slower too.
 */
const SETTLE_MS = { least: 300, most: 1_000 };

/** Polls `check` (every 100 ms, a control-socket read costs a millisecond) until it returns something other than undefined; the wait is timed. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  const value = await waitFor(what, check, timeoutMs);
  timed(`wait: ${what}`, Date.now() - started);
  return value;
}

/** Mines `step` blocks at a time on a regtest gateway (`gatewayConfig`) until `check` returns something other than undefined. */
export function mineUntil<T>(gatewayConfig: string, what: string, check: () => Promise<T | undefined>, step = 1, timeoutMs = 60_000): Promise<T> {
  let settleMs = SETTLE_MS.least;
  return eventually(
    what,
    async () => {
      const value = await poll(check, settleMs);
      if (value !== undefined) return value;
      const mining = Date.now();
      await must('mine', '--config', gatewayConfig, String(step));
      settleMs = Math.min(Math.max(Date.now() - mining, SETTLE_MS.least), SETTLE_MS.most);
      return undefined;
    },
    timeoutMs,
  );
}

/** A directory short enough for Unix socket paths (107 bytes). */
export function shortTempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'lnm-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** `lnmesh init KIND --config DIR/NAME.yaml`: the node id it printed. */
export async function initDaemon(dir: string, kind: 'node' | 'gateway', name: string): Promise<ClusterNode> {
  const config = join(dir, `${name}.yaml`);
  const run = await must('init', kind, '--config', config, '--data-dir', join(dir, `${name}-data`));
  const nodeId = /node id (0[23][0-9a-f]{64})/.exec(run.stdout)?.[1];
  if (!nodeId) throw new Error(`lnmesh init printed no node id:\n${run.stdout}`);
  return { name, config, nodeId };
}

/** Coins from the regtest gateway's faucet to `node`'s wallet, handed to the node as a deposit (it counts once mined). Returns the txid. */
export async function faucetDeposit(gatewayConfig: string, node: { readonly config: string }, satoshis: number): Promise<string> {
  const wallet = await peek(node.config, 'wallet');
  const txid = (await peek(gatewayConfig, 'faucet', { address: wallet.address, satoshis })).txid as string;
  await peek(node.config, 'deposit', { txid });
  return txid;
}

/** Link timing for tests: retransmissions in a fraction of a second, not the radio's seconds. */
const FAST_LINK = '    timing: { retransmitBase: 300ms, retransmitMax: 2s }';

/** `extra`: more top-level lines (a `tower:` block, say); none by default. */
export function writeGatewayConfig(gateway: ClusterNode, mqttUrl: string, topicPrefix: string, neighbours: readonly { node: ClusterNode; address: string }[], routes: Record<string, string> = {}, extra: readonly string[] = []): void {
  writeFileSync(
    gateway.config,
    [
      'network: regtest',
      `dataDir: ./${gateway.name}-data`,
      'log: { level: info, format: json }',
      'regtest: { mineOnStart: true }',
      'links:',
      `  - transport: { kind: mqtt, url: "${mqttUrl}", nodeName: ${gateway.name}, topicPrefix: ${topicPrefix} }`,
      '    neighbours:',
      ...neighbours.map(({ node, address }) => `      - { nodeId: ${node.nodeId}, address: ${address}, name: ${node.name} }`),
      FAST_LINK,
      'routes:',
      ...Object.entries(routes).map(([destination, nextHop]) => `  ${destination}: ${nextHop}`),
      ...extra,
      '',
    ].join('\n'),
  );
}

export interface NodeLinks {
  readonly mqtt?: { readonly url: string; readonly topicPrefix: string; readonly neighbours: readonly { node: ClusterNode; address: string }[] };
  readonly serial?: { readonly path: string; readonly neighbours: readonly ClusterNode[] };
  readonly meshtastic?: MeshtasticLink;
}

/** A link on a Meshtastic radio: its client end, and each neighbour with its radio's node number (`!aabbccdd`). */
export interface MeshtasticLink {
  readonly path: string;
  /** The preset set on the radio (LongFast by default). */
  readonly preset?: string;
  /** The transport's hop limit (3 by default). */
  readonly hopLimit?: number;
  readonly neighbours: readonly { node: ClusterNode; address: string }[];
  /** The link's `timing:` line; MESHTASTIC_FAST_LINK by default. */
  readonly timing?: string;
}

/**
 * Link timing for a fast radio model (ShortFast, real time) a relay apart: a frame and its ack through the relay
 * cross the air four times with the relay's contention delay twice, about 1-1.5 s, a few seconds behind a window of
 * fragments. 5 s (the link's default) is past that, so frames go again only when lost (a reboot).
 */
export const MESHTASTIC_FAST_LINK = '    timing: { retransmitBase: 5s, retransmitMax: 10s, ackDelay: 100ms }';

function meshtasticLines(link: MeshtasticLink): string[] {
  const options = [`kind: meshtastic`, `path: ${link.path}`, ...(link.preset ? [`preset: ${link.preset}`] : []), ...(link.hopLimit ? [`hopLimit: ${link.hopLimit}`] : [])];
  return [
    `  - transport: { ${options.join(', ')} }`,
    '    neighbours:',
    // Quoted: an unquoted !aabbccdd is a YAML tag.
    ...link.neighbours.map(({ node, address }) => `      - { nodeId: ${node.nodeId}, address: "${address}", name: ${node.name} }`),
    link.timing ?? MESHTASTIC_FAST_LINK,
  ];
}

/** Where a node's header chain starts (`gateway.checkpoint`; genesis by default): a height and its header, hex. */
export interface Checkpoint {
  readonly height: number;
  readonly header: string;
}

/**
 * `extra`: more top-level lines (a `channels:` policy, say); none by default. `pollInterval`: the node's
 * `gateway.pollInterval` (10m by default). `checkpoint`: the node's `gateway.checkpoint` (genesis by default).
 */
export function writeNodeConfig(node: ClusterNode, gateway: ClusterNode, links: NodeLinks, routes: Record<string, string> = {}, extra: readonly string[] = [], pollInterval?: string, checkpoint?: Checkpoint): void {
  const checkpointEntry = checkpoint ? `, checkpoint: { height: ${checkpoint.height}, header: ${checkpoint.header} }` : '';
  const gatewayLine = `gateway: { nodeId: ${gateway.nodeId}${pollInterval ? `, pollInterval: ${pollInterval}` : ''}${checkpointEntry} }`;
  const lines = ['network: regtest', `dataDir: ./${node.name}-data`, 'log: { level: info, format: json }', gatewayLine, 'links:'];
  if (links.mqtt) {
    lines.push(`  - transport: { kind: mqtt, url: "${links.mqtt.url}", nodeName: ${node.name}, topicPrefix: ${links.mqtt.topicPrefix} }`, '    neighbours:');
    for (const { node: neighbour, address } of links.mqtt.neighbours) lines.push(`      - { nodeId: ${neighbour.nodeId}, address: ${address}, name: ${neighbour.name} }`);
    lines.push(FAST_LINK);
  }
  if (links.serial) {
    lines.push(`  - transport: { kind: serial, path: ${links.serial.path} }`, '    neighbours:');
    for (const neighbour of links.serial.neighbours) lines.push(`      - { nodeId: ${neighbour.nodeId}, name: ${neighbour.name} }`);
    lines.push(FAST_LINK);
  }
  if (links.meshtastic) lines.push(...meshtasticLines(links.meshtastic));
  lines.push('routes:', ...Object.entries(routes).map(([destination, nextHop]) => `  "${destination}": ${nextHop}`), ...extra);
  // Default settings otherwise (the gateway's chain feed, the policy, the depth): what a user runs.
  lines.push('');
  writeFileSync(node.config, lines.join('\n'));
}

/** Starts `lnmesh node|gateway --config FILE` (from the source, or from `launcher`: an unpacked bundle's bin/lnmesh) and waits until its control socket answers `status`. */
export async function startDaemon(kind: 'node' | 'gateway', config: string, timeoutMs = 60_000, launcher?: string): Promise<Daemon> {
  const daemon = startLnmesh(kind, '--config', config, ...(launcher ? [{ launcher }] : []));
  const started = Date.now();
  await eventually(
    `the ${kind} daemon of ${config} to answer`,
    async () => {
      if (daemon.child.exitCode !== null) throw new Error(`the ${kind} daemon exited ${daemon.child.exitCode}:\n${daemon.output()}`);
      if (Date.now() - started > timeoutMs - 1_000) await daemon.stop(); // never leave a daemon behind a failed start
      return peek(config, 'status').then(
        () => true,
        () => undefined,
      );
    },
    timeoutMs,
  );
  return daemon;
}

/** `startDaemon` for several configs side by side (their starts are mostly CPU: two at once on two cores); if one fails, the others are stopped. */
export async function startDaemons<const Configs extends readonly string[]>(kind: 'node' | 'gateway', configs: Configs): Promise<{ [K in keyof Configs]: Daemon }> {
  const settled = await Promise.allSettled(configs.map((config) => startDaemon(kind, config)));
  const failure = settled.find((result) => result.status === 'rejected');
  if (!failure) return settled.map((result) => (result as PromiseFulfilledResult<Daemon>).value) as { [K in keyof Configs]: Daemon };
  await Promise.all(settled.map((result) => result.status === 'fulfilled' && result.value.stop()));
  throw failure.reason;
}
