/**
 * One simulator run for bench/sim.ts, alone in its process so that its peak
 * resident memory is that run's own:
 *
 *     node --import tsx bench/sim-child.ts SCENARIO.yaml DURATION_MS [--profile] [--label NAME]
 *
 * Runs the scenario for DURATION_MS of virtual time with no drain (the rate
 * is over the simulated duration only) and prints one JSON line on stdout:
 * `{ wallMs, virtualMs, nodes, maxRssKB, cryptoShare? }`. The wall time is
 * that of `runScenario` (setup, run, teardown), not of loading Node and tsx.
 *
 * With `--profile` the run is under the V8 sampling profiler (node:inspector)
 * and `cryptoShare` is the share of sampled time whose leaf frame (self
 * time) is in a signature, key or hash library (CRYPTO_PACKAGES); code
 * running in WebAssembly counts for the package whose JavaScript called it
 * (libsecp256k1 in tiny-secp256k1), and so does native code (libsecp256k1
 * in the `secp256k1` package's binding; until December 2026 it did not: its
 * frames have no URL, and the figure left out most of the curve's time).
 * A profiled run is slower: its wall time is no rate to report.
 *
 * Progress goes to stderr while stderr is a terminal; a summary line always.
 */
import { Session } from 'node:inspector/promises';
import type { Profiler, Runtime } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { backend } from '../node/core/secp256k1-backend.js';
import { type RunProgress, runScenario } from '../sim/run.js';
import { limitHeapGrowth } from '../sim/heap-growth.js';
import { loadScenario } from '../sim/scenario.js';

/** The signature, key and hash libraries: what cryptoShare counts. */
const CRYPTO_PACKAGES = ['@noble/curves', '@noble/hashes', '@noble/ciphers', '@scure/bip32', 'tiny-secp256k1', '@bitcoinerlab/secp256k1', 'secp256k1'];

export interface ChildResult {
  readonly wallMs: number;
  readonly virtualMs: number;
  readonly nodes: number;
  /** process.resourceUsage().maxRSS: kilobytes. */
  readonly maxRssKB: number;
  readonly paymentsSettled: number;
  readonly violations: number;
  /**
   * Violations other than payments still in flight when the run was cut
   * (`paymentsEnd`: a shortened run has no drain, so what was sent in its last
   * minutes has not ended): these would be real findings.
   */
  readonly violationsBesidesTheCut: number;
  /** With --profile: in [0, 1]. */
  readonly cryptoShare?: number;
  /** libsecp256k1 calls (signatures, verifications, point operations) per hop of a settled payment, from the first payment settled on (the openings not counted). */
  readonly curveOperationsPerHopPayment: number;
  /**
   * CPU time (milliseconds) per virtual hour from the first payment settled
   * to the end of the run: the payments alone, without the setup and the
   * openings that the wall time counts. A measure of the work per payment
   * that other processes on the machine disturb less than the wall time.
   */
  readonly steadyCpuMsPerVirtualHour?: number;
}

const CURVE_OPERATIONS = ['sign', 'verify', 'pointFromScalar', 'pointAddScalar', 'pointMultiply', 'pointAdd', 'isPoint'] as const;

/** Counts every call into libsecp256k1 (native or WebAssembly) by operation, by wrapping the backend curve.ts calls. */
function countCurveOperations(): Map<string, number> {
  const counts = new Map<string, number>(CURVE_OPERATIONS.map((name) => [name, 0]));
  const calls = backend as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of CURVE_OPERATIONS) {
    const operation = calls[name]!;
    calls[name] = (...args) => {
      counts.set(name, counts.get(name)! + 1);
      return operation(...args);
    };
  }
  return counts;
}

const HOUR_MS = 3_600_000;

/** The package a script URL lies in (the innermost node_modules), or undefined for the project's own code and Node's. */
function packageOf(url: string): string | undefined {
  const at = url.lastIndexOf('/node_modules/');
  if (at < 0) return undefined;
  const parts = url.slice(at + '/node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/**
 * Frames that are not JavaScript of their own: WebAssembly and the wrappers
 * into and out of it, and a native addon's functions (no URL, no name: the
 * `secp256k1` package's libsecp256k1 binding). Their time is their caller's.
 */
function isWasmOrNativeFrame(frame: Runtime.CallFrame): boolean {
  return frame.url.startsWith('wasm://') || (frame.url === '' && (frame.functionName === '' || /^(js-to-wasm|wasm-to-js)/.test(frame.functionName)));
}

/** Where a leaf frame's time goes: a package name, the project's top folder (node/, sim/, ...), or V8's own "(garbage collector)", "(idle)", ... */
function groupOf(frame: Runtime.CallFrame): string {
  if (frame.url === '') return frame.functionName || '(anonymous)';
  const inPackage = packageOf(frame.url);
  if (inPackage) return inPackage;
  if (frame.url.startsWith('node:')) return 'node:*';
  const project = /\/(node|gateway|transports|sim|bench)\/[^/]+/.exec(frame.url);
  return project ? `${project[1]}/` : frame.url;
}

/** Self time by group, in microseconds; WebAssembly frames go to the caller that entered WebAssembly. */
function selfTimeByGroup(profile: Profiler.Profile): Map<string, number> {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const groupOfNode = new Map<number, string>();
  const groupFor = (id: number): string => {
    const known = groupOfNode.get(id);
    if (known !== undefined) return known;
    let node = nodes.get(id);
    while (node && isWasmOrNativeFrame(node.callFrame)) node = nodes.get(parents.get(node.id) ?? -1);
    const group = node ? groupOf(node.callFrame) : '(wasm)';
    groupOfNode.set(id, group);
    return group;
  };
  // timeDeltas[i] is the time from sample i - 1 to sample i: sample i stands for the time until the next one.
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const byGroup = new Map<string, number>();
  for (let i = 0; i < samples.length; i++) {
    const group = groupFor(samples[i]!);
    byGroup.set(group, (byGroup.get(group) ?? 0) + Math.max(0, deltas[i + 1] ?? 0));
  }
  return byGroup;
}

/** The CPU time of the steady part of the run: from the first payment settled (the openings done) to the end of the virtual time. */
function steadyMeter() {
  const cpuMicros = () => {
    const used = process.cpuUsage();
    return used.user + used.system;
  };
  let from: { virtualMs: number; cpuMicros: number } | undefined;
  let to: { virtualMs: number; cpuMicros: number } | undefined;
  return {
    progress(progress: RunProgress): void {
      if (progress.phase !== 'run') return;
      if (from) to = { virtualMs: progress.virtualMs, cpuMicros: cpuMicros() };
      else if (progress.paymentsSettled > 0) from = { virtualMs: progress.virtualMs, cpuMicros: cpuMicros() };
    },
    cpuMsPerVirtualHour(): number | undefined {
      if (!from || !to || to.virtualMs <= from.virtualMs) return undefined;
      return (to.cpuMicros - from.cpuMicros) / 1000 / ((to.virtualMs - from.virtualMs) / HOUR_MS);
    },
    fromVirtualMs: (): number => from?.virtualMs ?? 0,
  };
}

function showProgress(label: string, started: number): (progress: RunProgress) => void {
  if (!process.stderr.isTTY) return () => undefined;
  return (progress) => {
    const wall = ((performance.now() - started) / 1000).toFixed(0);
    const at = progress.phase === 'setup' ? 'setting up' : `${(progress.virtualMs / HOUR_MS).toFixed(1)} h of ${(progress.durationMs / HOUR_MS).toFixed(1)} h virtual`;
    process.stderr.write(`\r\x1b[2K${label}: ${at}, ${progress.paymentsSettled} payments settled, ${wall} s\r`);
  };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { profile: { type: 'boolean', default: false }, label: { type: 'string', default: 'sim' } } });
  const [scenarioPath, durationText] = positionals;
  const durationMs = Number(durationText);
  if (!scenarioPath || !(durationMs > 0)) throw new Error('usage: sim-child.ts SCENARIO.yaml DURATION_MS [--profile] [--label NAME]');
  const label = values.label ?? 'sim';
  const scenario = loadScenario(scenarioPath);
  limitHeapGrowth(); // as lnmesh sim run does

  let session: Session | undefined;
  if (values.profile) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 1000 }); // microseconds
    await session.post('Profiler.start');
  }
  const curveCounts = countCurveOperations();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const show = showProgress(label, started);
  let settledBeforeCounting: number | undefined;
  const steady = steadyMeter();
  const onProgress = (progress: RunProgress) => {
    show(progress);
    steady.progress(progress);
    if (settledBeforeCounting !== undefined || progress.paymentsSettled === 0) return;
    settledBeforeCounting = progress.paymentsSettled;
    for (const name of curveCounts.keys()) curveCounts.set(name, 0);
  };
  const report = await runScenario(scenario, { durationMs, drainLimitMs: 0, onProgress });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  let cryptoShare: number | undefined;
  let breakdown = '';
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const byGroup = selfTimeByGroup(profile);
    const total = [...byGroup.values()].reduce((sum, time) => sum + time, 0);
    const crypto = CRYPTO_PACKAGES.reduce((sum, name) => sum + (byGroup.get(name) ?? 0), 0);
    cryptoShare = total > 0 ? crypto / total : 0;
    const top = [...byGroup].sort((a, b) => b[1] - a[1]).slice(0, 12);
    breakdown = `; self time: ${top.map(([group, time]) => `${group} ${((100 * time) / total).toFixed(1)}%`).join(', ')}`;
  }
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');

  // A settled payment's hops: one per forwarding node, and the last to the payee.
  const hopPayments = (report.figures.paymentsForwarded ?? 0) + (report.figures.paymentsSettled ?? 0) - (settledBeforeCounting ?? 0);
  const curveTotal = [...curveCounts.values()].reduce((sum, count) => sum + count, 0);
  const cutShort = report.violations.filter((violation) => violation.invariant === 'paymentsEnd').length;
  const others = report.violations.filter((violation) => violation.invariant !== 'paymentsEnd');
  const result: ChildResult = {
    wallMs,
    virtualMs: report.virtualDurationMs,
    nodes: scenario.topology.nodes.length,
    maxRssKB: process.resourceUsage().maxRSS,
    paymentsSettled: report.figures.paymentsSettled ?? 0,
    violations: report.violations.length,
    violationsBesidesTheCut: others.length,
    curveOperationsPerHopPayment: hopPayments > 0 ? curveTotal / hopPayments : 0,
    ...(steady.cpuMsPerVirtualHour() !== undefined && { steadyCpuMsPerVirtualHour: steady.cpuMsPerVirtualHour() }),
    ...(cryptoShare !== undefined && { cryptoShare }),
  };
  const figures = report.figures;
  process.stderr.write(
    `${label}: ${result.nodes} nodes, ${(result.virtualMs / HOUR_MS).toFixed(1)} h virtual in ${(wallMs / 1000).toFixed(1)} s wall${session ? ' (profiled)' : ''} (${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU), ` +
      `payments ${figures.paymentsSettled ?? 0} settled / ${figures.paymentsFailed ?? 0} failed / ${figures.paymentsRefused ?? 0} refused of ${figures.paymentsAsked ?? 0} asked, ` +
      `${report.violations.length} violations (${cutShort} payments in flight at the cut, of ${figures.paymentsPendingAtEnd ?? 0}, the oldest sent ${(((figures.oldestPendingAgeAtEndMs ?? 0) / 60_000)).toFixed(1)} min before it; ${others.length} others${others.length > 0 ? `: ${others.map((violation) => `${violation.invariant}: ${violation.detail}`).join('; ')}` : ''}), peak RSS ${(result.maxRssKB / 1024).toFixed(0)} MB` +
      (result.steadyCpuMsPerVirtualHour === undefined ? '' : `; ${(result.steadyCpuMsPerVirtualHour / 1000).toFixed(2)} s CPU per virtual hour from ${(steady.fromVirtualMs() / HOUR_MS).toFixed(1)} h`) +
      (cryptoShare === undefined ? '' : `, crypto ${(100 * cryptoShare).toFixed(1)}%${breakdown}`) +
      `; libsecp256k1 calls per hop-payment (${hopPayments} hops, from the first payment settled): ${[...curveCounts].map(([name, count]) => `${name} ${(count / Math.max(1, hopPayments)).toFixed(1)}`).join(', ')}` +
      '\n',
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
// Once it has answered, nothing the run left behind (a timer, an lmdb or bcoin handle) may keep the child alive.
process.stdout.write('', () => process.exit(0));
