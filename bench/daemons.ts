/**
 * Daemon figures: how fast the node and the gateway start, and how much
 * memory an idle node holds.
 *
 * - `node.startMs`: from spawning `lnmesh node` (10 open channels in its
 *   store, two neighbours on MQTT) to its control socket answering `status`
 *   (the links are open then; the sessions with the neighbours come up a
 *   round trip later). The median of 5 restarts.
 * - `node.rssMB.idle10Channels`: its resident memory after 15 s idle.
 * - `node.bareRssMB`: a bare Node.js process (`setInterval`) on the same machine.
 * - `gateway.startMs`: `lnmesh gateway` with the embedded bcoin chain on
 *   disk (432 regtest blocks), from spawn to `status` answering; median of 3.
 * - `gateway.rssMB.idle`: the gateway's resident memory after 15 s idle (links to
 *   A and B, no Lightning node).
 * - `gateway.rssMB.withLightning`: the same gateway restarted with a
 *   `lightning:` section (its LDK node listening on loopback, its bcoin
 *   wallet; no Lightning channel), after 15 s idle.
 *
 * The nodes run as a device runs them: from the device bundle (`lnmesh
 * bundle` for this machine's architecture, unpacked, started through its
 * `bin/lnmesh` launcher with the launcher's Node.js flags and only the bundle's
 * own node_modules). The gateway, and `lnmesh init`, run from one esbuild
 * bundle of the full CLI (packages left to node_modules). No TypeScript
 * compiler at start in either. The setup (a regtest gateway, nodes A and B on an in-process MQTT broker,
 * coins from the faucet, 10 channels A-B) takes about a minute; the four
 * figures share it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import { build } from 'esbuild';
import { buildBundle } from '../node/bundle/build-bundle.js';
import { TARGET_ARCHES } from '../node/bundle/target-arch.js';
import { peek } from '../sim/kit/control-socket.js';
import { eventually } from '../sim/kit/poll.js';
import type { Figure } from './bolt3.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CHANNELS = 10;

type Row = Record<string, unknown>;

interface Measured {
  nodeStartMs: number;
  nodeRssMB: number;
  bareRssMB: number;
  gatewayStartMs: number;
  gatewayRssMB: number;
  gatewayRssMBWithLightning: number;
}

let measured: Promise<Measured> | undefined;
const once_ = () => (measured ??= measureDaemons());

export const daemonFigures: Figure[] = [
  { key: 'node.startMs', unit: 'ms, spawn to control socket answering, 10 channels', measure: async () => (await once_()).nodeStartMs },
  { key: 'node.rssMB.idle10Channels', unit: 'MB resident, node daemon idle with 10 channels', measure: async () => (await once_()).nodeRssMB },
  { key: 'node.bareRssMB', unit: 'MB resident, a bare Node.js process', measure: async () => (await once_()).bareRssMB },
  { key: 'gateway.startMs', unit: 'ms, spawn to control socket answering, embedded chain on disk', measure: async () => (await once_()).gatewayStartMs },
  { key: 'gateway.rssMB.idle', unit: 'MB resident, gateway daemon idle, no Lightning node', measure: async () => (await once_()).gatewayRssMB },
  { key: 'gateway.rssMB.withLightning', unit: 'MB resident, gateway daemon idle with its LDK node (no Lightning channel)', measure: async () => (await once_()).gatewayRssMBWithLightning },
];

async function measureDaemons(): Promise<Measured> {
  const work = mkdtempSync(join(tmpdir(), 'lnm-bench-'));
  const cli = await bundleCli();
  const device = await deviceLauncher(work);
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const mqttUrl = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const daemons = new Daemons(cli, device, work);
  try {
    const ids = await initDaemons(cli, work, mqttUrl);
    await daemons.start('gateway', 'gw');
    await daemons.start('node', 'a');
    await daemons.start('node', 'b');
    await openChannels(daemons, ids);

    progress('measuring node start and idle memory');
    const nodeStarts = await restartTimes(daemons, 'node', 'a', 5);
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    const nodeRssMB = residentMB(daemons.child('a').pid!);
    const memory = await daemons.ask('a', 'status');
    console.error(`node a idle: rss ${nodeRssMB.toFixed(1)} MB, JS heap ${String(memory.heapUsedMB)} MB, outside the heap (allocated, not all resident) ${String(memory.externalMB)} MB`);
    console.error(`node a idle, resident by mapping: ${residentSplit(daemons.child('a').pid!)}`);

    const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    daemons.running.push(bare);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const bareRssMB = residentMB(bare.pid!);

    progress('measuring gateway start');
    const gatewayStarts = await restartTimes(daemons, 'gateway', 'gw', 3);
    const gatewayMemory = await gatewayResidentMB(daemons, work);
    rmSync(work, { recursive: true, force: true });
    return { nodeStartMs: median(nodeStarts), nodeRssMB, bareRssMB, gatewayStartMs: median(gatewayStarts), ...gatewayMemory };
  } catch (error) {
    for (const name of ['a', 'b', 'gw']) console.error(name, JSON.stringify(await daemons.ask(name, 'links').catch(() => 'down')));
    console.error(`bench: the daemons' logs are in ${work}`);
    throw error;
  } finally {
    await daemons.stopAll();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    server.close();
  }
}

/** One esbuild bundle of the CLI, inside node_modules/.cache so that the packages left out of it resolve from the repo's node_modules. */
async function bundleCli(): Promise<string> {
  const outDir = join(ROOT, 'node_modules', '.cache', 'lnmesh-bench');
  mkdirSync(outDir, { recursive: true });
  const cli = join(outDir, 'lnmesh.mjs');
  await build({ entryPoints: [join(ROOT, 'node/program/lnmesh.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: cli, logLevel: 'error' });
  return cli;
}

/** The device bundle for this machine, built and unpacked in `work`: its launcher, `bin/lnmesh`. */
async function deviceLauncher(work: string): Promise<string> {
  const arch = Object.values(TARGET_ARCHES).find((target) => target.nodeArch === process.arch);
  if (!arch) throw new Error(`bench: no device bundle for ${process.arch}`);
  const built = await buildBundle({ arch, out: join(work, 'device.tar.gz') });
  const unpacked = join(work, 'device');
  mkdirSync(unpacked);
  execFileSync('tar', ['-xzf', built.out, '-C', unpacked]);
  return join(unpacked, built.topName, 'bin', 'lnmesh');
}

type Ids = { gw: string; a: string; b: string };

/** `lnmesh init` for the gateway and nodes a and b in `work`, then their configs: all on one MQTT broker, a and b neighbours. */
async function initDaemons(cli: string, work: string, mqttUrl: string): Promise<Ids> {
  const ids: Ids = { gw: '', a: '', b: '' };
  for (const name of ['gw', 'a', 'b'] as const) {
    const output = await runCli(cli, ['init', name === 'gw' ? 'gateway' : 'node', '--config', join(work, `${name}.yaml`), '--data-dir', join(work, `${name}-data`)]);
    ids[name] = /node id (0[23][0-9a-f]{64})/.exec(output)![1]!;
  }
  const link = (self: string, neighbours: [string, string][]) => [
    `  - transport: { kind: mqtt, url: "${mqttUrl}", nodeName: ${self} }`,
    '    neighbours:',
    ...neighbours.map(([id, address]) => `      - { nodeId: ${id}, address: ${address} }`),
    '    timing: { retransmitBase: 300ms, retransmitMax: 2s }',
  ];
  writeFileSync(join(work, 'gw.yaml'), ['network: regtest', 'dataDir: ./gw-data', 'log: { level: info, format: json }', 'links:', ...link('gw', [[ids.a, 'a'], [ids.b, 'b']]), ''].join('\n'));
  for (const [self, other] of [['a', 'b'], ['b', 'a']] as const) {
    writeFileSync(
      join(work, `${self}.yaml`),
      ['network: regtest', `dataDir: ./${self}-data`, 'log: { level: info, format: json }', `gateway: { nodeId: ${ids.gw}, pollInterval: 1s }`, 'links:', ...link(self, [[ids.gw, 'gw'], [ids[other], other]]), 'channels: { offlineHorizonBlocks: 144, minimumDepth: 1 }', ''].join('\n'),
    );
  }
  return ids;
}

/** The daemons of one run: spawned from the bundle, asked over their control sockets, stopped at the end. */
class Daemons {
  readonly running: ChildProcess[] = [];
  private readonly byName = new Map<string, ChildProcess>();

  constructor(
    private readonly cli: string,
    /** The device bundle's launcher: what runs `lnmesh node`. */
    private readonly device: string,
    private readonly work: string,
  ) {}

  ask(name: string, method: string, params?: Row): Promise<Row & Row[]> {
    return peek<Row & Row[]>(join(this.work, `${name}.yaml`), method, params);
  }

  child(name: string): ChildProcess {
    return this.byName.get(name)!;
  }

  /** Spawns `lnmesh KIND` for `name`; resolves with the time from spawn to its control socket answering. */
  async start(kind: string, name: string): Promise<number> {
    const started = performance.now();
    const log = openSync(join(this.work, `${name}.log`), 'a');
    const args = [kind, '--config', join(this.work, `${name}.yaml`)];
    // The launcher execs Node.js (LNMESH_NODE: this one), so the child's pid is the node's.
    const child =
      kind === 'node'
        ? spawn(this.device, args, { stdio: ['ignore', log, log], env: { ...process.env, LNMESH_NODE: process.execPath } })
        : spawn(process.execPath, [this.cli, ...args], { stdio: ['ignore', log, log] });
    this.running.push(child);
    this.byName.set(name, child);
    await until(`${name} to answer`, async () => (await this.ask(name, 'status').then(() => true, () => undefined)) === true, 120_000, 20);
    return performance.now() - started;
  }

  async stop(name: string): Promise<void> {
    const child = this.child(name);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
    this.running.splice(this.running.indexOf(child), 1);
  }

  async stopAll(): Promise<void> {
    for (const child of this.running) child.kill('SIGTERM');
    await Promise.all(this.running.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined)));
  }
}

/** Funds node a from the faucet and opens CHANNELS channels from a to b. */
async function openChannels(daemons: Daemons, ids: Ids): Promise<void> {
  progress('setup: funding node a');
  const wallet = await daemons.ask('a', 'wallet');
  const { txid } = await daemons.ask('gw', 'faucet', { address: wallet.address, satoshis: 5_000_000 });
  await daemons.ask('a', 'deposit', { txid });
  await daemons.ask('gw', 'mine', { blocks: 1 });
  await until('the deposit', async () => (await daemons.ask('a', 'wallet')).satoshis === 5_000_000);
  progress(`setup: opening ${CHANNELS} channels`);
  // A peer accepts at most 4 openings at a time from one peer: open them in threes.
  for (let index = 0; index < CHANNELS; index += 3) {
    for (let batch = index; batch < Math.min(CHANNELS, index + 3); batch++) await daemons.ask('a', 'open', { peer: ids.b, satoshis: 200_000 });
    await until('the openings to be funded', async () => (await daemons.ask('a', 'channels')).every((channel: Row) => channel.status !== 'negotiating'));
  }
  await until(`${CHANNELS} channels to open`, async () => {
    await daemons.ask('gw', 'mine', { blocks: 1 });
    return (await daemons.ask('a', 'channels')).filter((channel: Row) => channel.status === 'open').length === CHANNELS;
  });
}

/** The gateway's resident memory idle, then restarted with a `lightning:` section (its LDK node up) and idle again. */
async function gatewayResidentMB(daemons: Daemons, work: string): Promise<Pick<Measured, 'gatewayRssMB' | 'gatewayRssMBWithLightning'>> {
  progress('measuring gateway memory, without and with its Lightning node');
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  const gatewayRssMB = residentMB(daemons.child('gw').pid!);
  await daemons.stop('gw');
  appendFileSync(join(work, 'gw.yaml'), 'lightning:\n  listen: 127.0.0.1:0\n');
  await daemons.start('gateway', 'gw');
  const info = await daemons.ask('gw', 'lnInfo');
  if (typeof info.nodeId !== 'string') throw new Error(`bench: the gateway's Lightning node did not start: ${JSON.stringify(info)}`);
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  const gatewayRssMBWithLightning = residentMB(daemons.child('gw').pid!);
  const memory = await daemons.ask('gw', 'status');
  console.error(`gateway idle: rss ${gatewayRssMB.toFixed(1)} MB; with its Lightning node ${gatewayRssMBWithLightning.toFixed(1)} MB (JS heap ${String(memory.heapUsedMB)} MB, outside the heap ${String(memory.externalMB)} MB)`);
  return { gatewayRssMB, gatewayRssMBWithLightning };
}

/** Restarts daemon `name` `runs` times: its start times (ms). */
async function restartTimes(daemons: Daemons, kind: 'node' | 'gateway', name: string, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    await daemons.stop(name);
    times.push(await daemons.start(kind, name));
    // Each node start must bring both neighbours back: before the daemons greeted their neighbours at start,
    // a restarted node never got its session with a neighbour that kept the old one (found here).
    if (kind === 'node') await until('its neighbours', async () => (await daemons.ask(name, 'status')).neighboursUp === 2);
  }
  return times;
}

async function runCli(cli: string, args: string[]): Promise<string> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`lnmesh ${args.join(' ')} exited ${code}`);
  return output;
}

/** Waits until `check` answers true (every `intervalMs`; a wait that runs out throws, naming it). */
async function until(what: string, check: () => Promise<boolean | undefined>, timeoutMs = 120_000, intervalMs = 300): Promise<void> {
  await eventually(`bench: ${what}`, async () => ((await check()) ? true : undefined), timeoutMs, intervalMs);
}

/** VmRSS of a process, in MB (Linux). */
function residentMB(pid: number): number {
  const kB = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return kB / 1024;
}

/**
 * Where a process's resident memory is (Linux smaps), in MB: the Node.js
 * executable's pages (code and data read from the file; a bare process has
 * most of them too), other files (shared libraries, native modules),
 * lmdb's map (data.mdb), and anonymous memory (V8's heap, malloc,
 * JIT code, WebAssembly memories, buffers).
 */
function residentSplit(pid: number): string {
  const kB = { executable: 0, lmdbMap: 0, otherFiles: 0, anonymous: 0 };
  let bucket: keyof typeof kB = 'anonymous';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const file = mapping[1]!;
      bucket = file === process.execPath ? 'executable' : file.endsWith('/data.mdb') ? 'lmdbMap' : file.startsWith('/') ? 'otherFiles' : 'anonymous';
    } else if (line.startsWith('Rss:')) kB[bucket] += Number(line.split(/\s+/)[1]);
  }
  return Object.entries(kB)
    .map(([name, value]) => `${name} ${(value / 1024).toFixed(1)}`)
    .join(', ');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function progress(message: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\x1b[2K${message}...\r`);
}
