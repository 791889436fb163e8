/**
 * The summary printed on the terminal when a run ends: what ran, whether each
 * invariant held, every figure, and the first violations, in aligned plain
 * text. On a terminal the marks are ✓ and ✗ in colour; in a pipe or a log
 * file they are ASCII, so nothing depends on a font or an escape code.
 */
import { formatDuration, formatFigure, formatNumber, untriedNote } from './data/format.js';
import type { SimReport } from './data/sim-report.js';

export interface SummaryOptions {
  /** ✓/✗ and colours, for a terminal (pass `process.stdout.isTTY`); ASCII otherwise. */
  terminal?: boolean;
  /** Violations listed before "... and N more" (10). */
  maxViolations?: number;
}

const GREEN = '\x1b[32m';
const RED = '\x1b[31m';
const RESET = '\x1b[0m';

export function formatSummary(report: SimReport, options: SummaryOptions = {}): string {
  const terminal = options.terminal ?? false;
  const maxViolations = options.maxViolations ?? 10;
  const lines: string[] = [];

  lines.push(
    ...table([
      ['scenario', printable(report.scenario)],
      ...(report.description ? [['description', oneLine(report.description)]] : []),
      ['seed', String(report.seed)],
      ['event log hash', printable(report.eventLogHash)],
      ['virtual time', formatDuration(report.virtualDurationMs)],
      ['wall clock', formatDuration(report.wallClockMs)],
      ['events', formatNumber(report.events)],
    ]),
  );

  const invariants = Object.entries(report.invariants);
  lines.push('');
  if (invariants.length === 0) lines.push('no invariants were checked');
  else {
    const widths = columnWidths([['invariant'], ...invariants.map(([name]) => [printable(name)])]);
    lines.push(row(['invariant', 'status'], widths));
    for (const [name, status] of invariants) lines.push(`${printable(name).padEnd(widths[0]!)}  ${mark(status === 'held', terminal)}`);
  }
  const untried = untriedNote(report.figures);
  if (untried) lines.push('', untried);

  const figures = Object.entries(report.figures);
  if (figures.length > 0) {
    lines.push('');
    const rows = figures.map(([name, value]) => [printable(name), formatFigure(name, value)]);
    const widths = columnWidths([['figure', 'value'], ...rows]);
    lines.push(`${'figure'.padEnd(widths[0]!)}  ${'value'.padStart(widths[1]!)}`);
    for (const [name, value] of rows) lines.push(`${name!.padEnd(widths[0]!)}  ${value!.padStart(widths[1]!)}`);
  }

  if (report.violations.length > 0) {
    const notListed = report.figures.violationsNotListed ?? 0;
    lines.push('', `violations (${formatNumber(report.violations.length + notListed)}):`);
    const shown = report.violations.slice(0, maxViolations).map((violation) => [`  at ${formatDuration(violation.atMs)}`, printable(violation.invariant), oneLine(violation.detail)]);
    lines.push(...table(shown));
    const more = report.violations.length + notListed - shown.length;
    if (more > 0) lines.push(`  ... and ${formatNumber(more)} more (report.json lists ${formatNumber(report.violations.length)})`);
  }
  return `${lines.join('\n')}\n`;

  function mark(held: boolean, colour: boolean): string {
    if (!colour) return held ? '[ok] held' : '[!!] VIOLATED';
    return held ? `${GREEN}✓ held${RESET}` : `${RED}✗ violated${RESET}`;
  }
}

function table(rows: string[][]): string[] {
  const widths = columnWidths(rows);
  return rows.map((cells) => row(cells, widths));
}

function row(cells: string[], widths: number[]): string {
  return cells
    .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index]!)))
    .join('  ')
    .trimEnd();
}

function columnWidths(rows: string[][]): number[] {
  const widths: number[] = [];
  for (const cells of rows) cells.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return widths;
}

/** A detail that spans lines would break the table: keep its first line. */
function oneLine(text: string): string {
  const first = text.split('\n', 1)[0] ?? '';
  return printable(first.length < text.length ? `${first} ...` : first);
}

/** Names and details come from a scenario file: a control character (an escape sequence) must not reach the terminal. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
