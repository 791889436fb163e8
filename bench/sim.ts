/**
 * Simulator figures: how fast the simulator runs a mesh, and what it holds.
 *
 * - `sim.nodeDaysPerSecond.grid50` / `.grid500`: a RATE, simulated node-days
 *   per wall-clock second (nodes × virtual days / wall seconds), of a
 *   shortened run: the 50-node LoRa grid (sim/scenarios/lora-grid-50.yaml)
 *   for LNMESH_BENCH_SIM_DAYS virtual days (default 2), the 500-node grid
 *   (bench/scenarios/grid-500.yaml) for LNMESH_BENCH_SIM500_HOURS virtual
 *   hours (default 2). Neither runs the scenario's whole duration: the
 *   figure is the rate of the shortened run, with no drain after it, and
 *   the wall time counts the setup (chain, wallets, nodes) and teardown.
 *   The target, 30 days of grid50 in under 10 minutes, is 2.5 node-days/s.
 *   The first virtual hour of either grid is the opening of its channels
 *   (funding transactions through the gateway, three confirmations) and
 *   payments start after it: of grid500's two hours, one is opening, one
 *   is payments.
 * - `sim.peakRssMB.grid50` / `.grid500`: the peak resident memory
 *   (maxRSS) of the process that made that run: Node, tsx and the run, with
 *   the heap limit `lnmesh sim run` sets (sim/heap-growth.ts).
 * - `sim.cryptoShare.grid50`: the share, in [0, 1], of the wall time of a
 *   grid50 run of LNMESH_BENCH_SIM_PROFILE_DAYS virtual days (default 1)
 *   spent in signature, key and hash libraries (@noble/*, @scure/bip32,
 *   tiny-secp256k1 and its WebAssembly), by the self time of the V8
 *   sampling profiler. It is a run of its own: the rates come from runs
 *   that are not profiled. The bcoin chain's own script checks (bcrypto)
 *   are not counted: the child prints the whole breakdown on stderr.
 *
 * Each run is a child process (bench/sim-child.ts). At the defaults the
 * three take about 1.5, 5.5 and 1 minutes on a 2-core machine (`--filter sim.`
 * about 9 in all; the filter is a prefix: `sim.nodeDaysPerSecond.grid50`
 * runs grid500 too). Peak memory grows with the virtual time run (grid50:
 * about 330 MB after a day, 400 MB after two), so the RSS figures hold for
 * these lengths only. Each child's summary line (on
 * stderr) says which violations are payments in flight at the cut, and
 * counts libsecp256k1 calls per hop-payment.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Figure } from './bolt3.js';
import type { ChildResult } from './sim-child.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const CHILD = fileURLToPath(new URL('./sim-child.ts', import.meta.url));
const GRID50 = fileURLToPath(new URL('../sim/scenarios/lora-grid-50.yaml', import.meta.url));
const GRID500 = fileURLToPath(new URL('./scenarios/grid-500.yaml', import.meta.url));

/** A positive number of virtual time units from the environment, or the default. */
function fromEnvironment(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`${name}=${text}: expected a positive number`);
  return value;
}

interface Run {
  readonly label: string;
  readonly scenario: string;
  readonly durationMs: () => number;
  readonly profile?: boolean;
}

const RUNS = {
  grid50: { label: 'grid50', scenario: GRID50, durationMs: () => fromEnvironment('LNMESH_BENCH_SIM_DAYS', 2) * DAY_MS },
  grid500: { label: 'grid500', scenario: GRID500, durationMs: () => fromEnvironment('LNMESH_BENCH_SIM500_HOURS', 2) * HOUR_MS },
  grid50Profiled: { label: 'grid50 profiled', scenario: GRID50, durationMs: () => fromEnvironment('LNMESH_BENCH_SIM_PROFILE_DAYS', 1) * DAY_MS, profile: true },
} satisfies Record<string, Run>;

/** Runs one child: stderr (progress, summary) goes to ours, stdout is its JSON line. */
function runChild(run: Run): Promise<ChildResult> {
  const args = ['--import', 'tsx', CHILD, run.scenario, String(run.durationMs()), '--label', run.label, ...(run.profile ? ['--profile'] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`sim ${run.label}: the child ${signal ? `was killed by ${signal}` : `exited with ${code}`}`));
      const line = output.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as ChildResult);
      } catch {
        reject(new Error(`sim ${run.label}: the child printed no result: ${JSON.stringify(output.slice(-200))}`));
      }
    });
  });
}

/** Each run once per bench, shared by the figures that read it. */
const done = new Map<Run, Promise<ChildResult>>();
function result(run: Run): Promise<ChildResult> {
  let known = done.get(run);
  if (!known) done.set(run, (known = runChild(run)));
  return known;
}

async function nodeDaysPerSecond(run: Run): Promise<number> {
  const { nodes, virtualMs, wallMs } = await result(run);
  return (nodes * (virtualMs / DAY_MS)) / (wallMs / 1000);
}

async function peakRssMB(run: Run): Promise<number> {
  return (await result(run)).maxRssKB / 1024;
}

async function cryptoShare(run: Run): Promise<number> {
  const { cryptoShare: share } = await result(run);
  if (share === undefined) throw new Error(`sim ${run.label}: the child measured no profile`);
  return share;
}

export const simFigures: Figure[] = [
  { key: 'sim.nodeDaysPerSecond.grid50', unit: 'node-days/s', measure: () => nodeDaysPerSecond(RUNS.grid50) },
  { key: 'sim.nodeDaysPerSecond.grid500', unit: 'node-days/s', measure: () => nodeDaysPerSecond(RUNS.grid500) },
  { key: 'sim.peakRssMB.grid50', unit: 'MB', measure: () => peakRssMB(RUNS.grid50) },
  { key: 'sim.peakRssMB.grid500', unit: 'MB', measure: () => peakRssMB(RUNS.grid500) },
  { key: 'sim.cryptoShare.grid50', unit: 'of wall time', measure: () => cryptoShare(RUNS.grid50Profiled) },
];
