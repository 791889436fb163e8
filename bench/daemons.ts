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
 *
 * The daemons run from one esbuild bundle of the CLI (packages left to
 * node_modules), as a device runs its bundle: no TypeScript compiler at start.
 * The setup (a regtest gateway, nodes A and B on an in-process MQTT broker,
 * coins from the faucet, 10 channels A-B) takes about a minute; the four
 * figures share it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import { build } from 'esbuild';
import { callControl } from '../node/control/control-client.js';
import type { Figure } from './bolt3.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CHANNELS = 10;

type Row = Record<string, unknown>;

interface Measured {
  nodeStartMs: number;
  nodeRssMB: number;
  bareRssMB: number;
  gatewayStartMs: number;
}

let measured: Promise<Measured> | undefined;
const once_ = () => (measured ??= measureDaemons());

export const daemonFigures: Figure[] = [
  { key: 'node.startMs', unit: 'ms, spawn to control socket answering, 10 channels', measure: async () => (await once_()).nodeStartMs },
  { key: 'node.rssMB.idle10Channels', unit: 'MB resident, node daemon idle with 10 channels', measure: async () => (await once_()).nodeRssMB },
  { key: 'node.bareRssMB', unit: 'MB resident, a bare Node.js process', measure: async () => (await once_()).bareRssMB },
  { key: 'gateway.startMs', unit: 'ms, spawn to control socket answering, embedded chain on disk', measure: async () => (await once_()).gatewayStartMs },
];

async function measureDaemons(): Promise<Measured> {
  const work = mkdtempSync(join(tmpdir(), 'lnm-bench-'));
  const outDir = join(ROOT, 'node_modules', '.cache', 'lnmesh-bench');
  mkdirSync(outDir, { recursive: true });
  const cli = join(outDir, 'lnmesh.mjs');
  // Inside node_modules/.cache so that the packages left out of the bundle resolve from the repo's node_modules.
  await build({ entryPoints: [join(ROOT, 'node/program/lnmesh.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: cli, logLevel: 'error' });
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const mqttUrl = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const running: ChildProcess[] = [];
  try {
    const ids = { gw: '', a: '', b: '' };
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
    const socket = (name: string) => join(work, `${name}-data`, 'control.sock');
    const ask = (name: string, method: string, params?: Row) => callControl(socket(name), method, params) as Promise<Row & Row[]>;
    const start = async (kind: string, name: string) => {
      const started = performance.now();
      const log = openSync(join(work, `${name}.log`), 'a');
      const child = spawn(process.execPath, [cli, kind, '--config', join(work, `${name}.yaml`)], { stdio: ['ignore', log, log] });
      running.push(child);
      await until(`${name} to answer`, async () => (await ask(name, 'status').then(() => true, () => undefined)) === true, 120_000, 20);
      return { child, ms: performance.now() - started };
    };
    const stop = async (child: ChildProcess) => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      running.splice(running.indexOf(child), 1);
    };

    let gateway = await start('gateway', 'gw');
    let nodeA = await start('node', 'a');
    await start('node', 'b');
    progress('setup: funding node a');
    const wallet = await ask('a', 'wallet');
    const { txid } = await ask('gw', 'faucet', { address: wallet.address, satoshis: 5_000_000 });
    await ask('a', 'deposit', { txid });
    await ask('gw', 'mine', { blocks: 1 });
    await until('the deposit', async () => (await ask('a', 'wallet')).satoshis === 5_000_000);
    progress(`setup: opening ${CHANNELS} channels`);
    // A peer accepts at most 4 openings at a time from one peer: open them in threes.
    for (let index = 0; index < CHANNELS; index += 3) {
      for (let batch = index; batch < Math.min(CHANNELS, index + 3); batch++) await ask('a', 'open', { peer: ids.b, satoshis: 200_000 });
      await until('the openings to be funded', async () => (await ask('a', 'channels')).every((channel: Row) => channel.status !== 'negotiating'));
    }
    await until(`${CHANNELS} channels to open`, async () => {
      await ask('gw', 'mine', { blocks: 1 });
      return (await ask('a', 'channels')).filter((channel: Row) => channel.status === 'open').length === CHANNELS;
    });

    progress('measuring node start and idle memory');
    const nodeStarts: number[] = [];
    for (let run = 0; run < 5; run++) {
      await stop(nodeA.child);
      nodeA = await start('node', 'a');
      nodeStarts.push(nodeA.ms);
      // Each start must bring both neighbours back: before the daemons greeted their neighbours at start,
      // a restarted node never got its session with a neighbour that kept the old one (found here).
      await until('its neighbours', async () => (await ask('a', 'status')).neighboursUp === 2);
    }
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    const nodeRssMB = residentMB(nodeA.child.pid!);
    const memory = await ask('a', 'status');
    console.error(`node a idle: rss ${nodeRssMB.toFixed(1)} MB, JS heap ${String(memory.heapUsedMB)} MB, buffers and wasm ${String(memory.externalMB)} MB`);

    const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    running.push(bare);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const bareRssMB = residentMB(bare.pid!);

    progress('measuring gateway start');
    const gatewayStarts: number[] = [];
    for (let run = 0; run < 3; run++) {
      await stop(gateway.child);
      gateway = await start('gateway', 'gw');
      gatewayStarts.push(gateway.ms);
    }
    rmSync(work, { recursive: true, force: true });
    return { nodeStartMs: median(nodeStarts), nodeRssMB, bareRssMB, gatewayStartMs: median(gatewayStarts) };
  } catch (error) {
    for (const name of ['a', 'b', 'gw']) console.error(name, JSON.stringify(await callControl(join(work, `${name}-data`, 'control.sock'), 'links').catch(() => 'down')));
    console.error(`bench: the daemons' logs are in ${work}`);
    throw error;
  } finally {
    for (const child of running) child.kill('SIGTERM');
    await Promise.all(running.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined)));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    server.close();
  }
}

async function runCli(cli: string, args: string[]): Promise<string> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`lnmesh ${args.join(' ')} exited ${code}`);
  return output;
}

async function until(what: string, check: () => Promise<boolean | undefined>, timeoutMs = 120_000, intervalMs = 300): Promise<void> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** VmRSS of a process, in MB (Linux). */
function residentMB(pid: number): number {
  const kB = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return kB / 1024;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function progress(message: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\x1b[2K${message}...\r`);
}
