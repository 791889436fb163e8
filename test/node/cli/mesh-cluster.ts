/**
 * A small real mesh for end-to-end tests, driven only through the `lnmesh`
 * command line: a regtest gateway daemon and node daemons as child
 * processes, configs written by `lnmesh init` and then filled in, the
 * gateway reached over MQTT (a real broker) and nodes joined to each other
 * by a serial line (a socat pseudo-terminal pair).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Daemon, type Run, lnmeshAsync, startLnmesh } from './run-cli.js';

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

/** `lnmesh VERB --json --config FILE ...`, parsed. */
export async function ask<T = Record<string, unknown>>(config: string, verb: string, ...args: string[]): Promise<T> {
  return JSON.parse((await must(verb, '--json', '--config', config, ...args)).stdout) as T;
}

/** Polls `check` until it returns something other than undefined. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Mines `step` blocks at a time on a regtest gateway (`gatewayConfig`) until `check` returns something other than undefined. */
export function mineUntil<T>(gatewayConfig: string, what: string, check: () => Promise<T | undefined>, step = 1, timeoutMs = 60_000): Promise<T> {
  return eventually(
    what,
    async () => {
      const value = await check();
      if (value !== undefined) return value;
      await must('mine', '--config', gatewayConfig, String(step));
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
}

/** `extra`: more top-level lines (a `channels:` policy, say); none by default. */
export function writeNodeConfig(node: ClusterNode, gateway: ClusterNode, links: NodeLinks, routes: Record<string, string> = {}, extra: readonly string[] = []): void {
  const lines = ['network: regtest', `dataDir: ./${node.name}-data`, 'log: { level: info, format: json }', `gateway: { nodeId: ${gateway.nodeId} }`, 'links:'];
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
      const run = await lnmeshAsync('status', '--json', '--config', config);
      return run.status === 0 ? true : undefined;
    },
    timeoutMs,
  );
  return daemon;
}
