/**
 * Plain-text tables for the CLI's inspection verbs (`lnmesh channels`,
 * `lnmesh payments`, `lnmesh status`): aligned columns that read in a
 * terminal and split with `awk`, no borders, no colours.
 */

export interface TableColumn {
  /** The row property shown in this column. */
  readonly key: string;
  readonly header: string;
  /** Default: right when every value in the column is a number, left otherwise. */
  readonly align?: 'left' | 'right';
}

/** Rows under a header line, each column as wide as its widest cell, two spaces apart; `(none)` for no rows. */
export function formatTable(rows: readonly Record<string, unknown>[], columns: readonly TableColumn[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map((column) => cellText(row[column.key])));
  const widths = columns.map((column, c) => Math.max(width(column.header), ...cells.map((line) => width(line[c] ?? ''))));
  const sides = columns.map((column) => ((column.align ?? defaultAlign(rows.map((row) => row[column.key]))) === 'right' ? 'start' : 'end'));
  const line = (texts: readonly string[]): string =>
    texts
      .map((text, c) => pad(text, widths[c] ?? 0, sides[c] ?? 'end'))
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => cellText(column.header))), ...cells.map(line)].join('\n');
}

/** `key  value` lines with the values aligned, for one record (`lnmesh status`); `(none)` when empty. */
export function formatKeyValues(pairs: Record<string, unknown>): string {
  const keys = Object.keys(pairs);
  if (keys.length === 0) return '(none)';
  const keyWidth = Math.max(...keys.map((key) => width(cellText(key))));
  return keys.map((key) => `${pad(cellText(key), keyWidth, 'end')}  ${cellText(pairs[key])}`.trimEnd()).join('\n');
}

/**
 * One value as one line of text: `-` when missing, JSON for objects.
 * Control characters become spaces, so a value (a peer's error message)
 * can neither break the alignment nor drive the terminal.
 */
function cellText(value: unknown): string {
  if (isMissing(value)) return '-';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'object') text = jsonText(value);
  else text = String(value);
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

function jsonText(value: object): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Array.isArray(value) ? '[...]' : '{...}';
  }
}

/** Right for a column of numbers (missing ones aside), so their digits line up. */
function defaultAlign(values: readonly unknown[]): 'left' | 'right' {
  const present = values.filter((value) => !isMissing(value));
  return present.length > 0 && present.every((value) => typeof value === 'number' || typeof value === 'bigint') ? 'right' : 'left';
}

function isMissing(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

/** Width in code points, so a multi-byte character counts once. */
function width(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function pad(text: string, to: number, side: 'start' | 'end'): string {
  const fill = ' '.repeat(Math.max(0, to - width(text)));
  return side === 'start' ? fill + text : text + fill;
}
