/**
 * `lnmesh sim run [FILE] [--seed N] [--out DIR]`: runs a scenario, with a
 * progress bar on the terminal, then prints the summary and writes the
 * report (report.json and report.html) into DIR. Without FILE it runs the
 * headline scenario shipped in sim/scenarios/.
 *
 * Exit status: 0 when every invariant held, 1 when one was violated (the
 * report says which and when), 2 for a bad scenario file or option.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { InvalidInputError } from '../node/core/input.js';
import { formatDuration } from '../node/config/duration.js';
import type { RunProgress } from './run.js';
import { limitHeapGrowth } from './heap-growth.js';

interface RunOptions {
  seed?: string;
  out?: string;
  quiet?: boolean;
}

/** The folder of the shipped scenarios, found from this file (sim/ in the sources, dist/sim/ once built). */
export function shippedScenariosDirectory(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 4; depth++) {
    const packageJson = join(directory, 'package.json');
    if (existsSync(packageJson) && JSON.parse(readFileSync(packageJson, 'utf8')).name === 'lnmesh') return join(directory, 'sim', 'scenarios');
    directory = dirname(directory);
  }
  throw new Error('cannot find the lnmesh package (and its sim/scenarios) above this file');
}

export function registerSimCommand(program: Command): void {
  const sim = program.command('sim').summary('simulate whole meshes on a virtual clock').description('Simulate whole meshes on a virtual clock: the real node and gateway code, partitions, radio links and breaches.');
  sim
    .command('run')
    .summary('run a scenario and write its report')
    .description(
      [
        'Runs a scenario file (YAML, schema in sim/README.md) on a virtual clock',
        'and writes its report: report.json (every figure, the invariants, the',
        'event-log hash) and report.html (plots of payment latency, airtime, outbox',
        'depth, balances and a timeline). Without FILE it runs the headline',
        'scenario: a node offline for ten days while its counterparty cheats, and',
        'the watchtower punishes.',
        '',
        'Exit status: 0 when every invariant held, 1 when one was violated,',
        '2 for a bad scenario file or option.',
        '',
        'Examples:',
        '  lnmesh sim run',
        '  lnmesh sim run sim/scenarios/partition-heal.yaml --seed 7 --out /tmp/partition',
      ].join('\n'),
    )
    .argument('[file]', 'the scenario (default: sim/scenarios/headline.yaml)')
    .option('--seed <n>', "a seed instead of the scenario's (a whole number)")
    .option('--out <dir>', 'where to write the report (default: sim-reports/<scenario name>)')
    .option('--quiet', 'no progress bar')
    .action(async (file: string | undefined, options: RunOptions) => {
      const seed = options.seed === undefined ? undefined : parseSeed(options.seed);
      const path = file ?? join(shippedScenariosDirectory(), 'headline.yaml');
      // Loaded when a run starts, so that the other verbs of lnmesh start fast.
      const [{ loadScenario }, { runScenario }, { formatSummary }, { writeReport }] = await Promise.all([import('./scenario.js'), import('./run.js'), import('./report/summary.js'), import('./report/write-report.js')]);
      const scenario = loadScenario(path);
      limitHeapGrowth(); // a large mesh's peak memory near what it holds (sim/heap-growth.ts)
      const out = options.out ?? join('sim-reports', scenario.name);
      const progress = options.quiet ? undefined : progressPrinter(process.stderr);
      console.error(`running ${scenario.name} (${formatDuration(scenario.durationMs)} of virtual time, ${scenario.topology.nodes.length} nodes, seed ${seed ?? scenario.seed})`);
      const report = await runScenario(scenario, { ...(seed !== undefined && { seed }), ...(progress && { onProgress: progress }) });
      console.log(formatSummary(report, { terminal: process.stdout.isTTY === true }));
      const written = writeReport(out, report);
      console.log(`\nreport: ${relativeIfShorter(written.htmlPath)}  (figures: ${relativeIfShorter(written.jsonPath)})`);
      if (Object.values(report.invariants).includes('violated')) process.exitCode = 1;
    });
}

function parseSeed(text: string): number {
  const seed = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(seed)) throw new InvalidInputError('--seed', `expected a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, got ${JSON.stringify(text)}`);
  return seed;
}

function relativeIfShorter(path: string): string {
  const short = relative(process.cwd(), path);
  return short.length < path.length && !short.startsWith('..') ? short : path;
}

/**
 * On a terminal, a bar redrawn in place (virtual time, events, payments);
 * elsewhere (CI logs, pipes), a line at every tenth of the run.
 */
function progressPrinter(stream: NodeJS.WriteStream): (progress: RunProgress) => void {
  const started = Date.now();
  let lastTenth = -1;
  return (progress) => {
    const fraction = Math.min(1, progress.virtualMs / progress.durationMs);
    const line =
      `${phaseLabel(progress.phase)} ${bar(fraction)} ${formatDuration(progress.virtualMs)} / ${formatDuration(progress.durationMs)}` +
      `  ${progress.events.toLocaleString('en-US')} events  ${progress.paymentsSettled} payments settled, ${progress.paymentsPending} in flight  ${((Date.now() - started) / 1000).toFixed(0)} s`;
    if (stream.isTTY) {
      stream.write(`\r\x1b[2K${line.slice(0, (stream.columns || 120) - 1)}`);
      if (progress.phase === 'done') stream.write('\n');
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth > lastTenth || progress.phase === 'done') {
      lastTenth = tenth;
      stream.write(`${line}\n`);
    }
  };
}

function phaseLabel(phase: RunProgress['phase']): string {
  return { setup: 'setting up', run: 'running   ', drain: 'draining  ', done: 'done      ' }[phase];
}

function bar(fraction: number, width = 24): string {
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
