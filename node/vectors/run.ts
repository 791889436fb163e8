/**
 * `lnmesh vectors`: runs test-vector files in the format of the JSON
 * extracted from the BOLT appendices through lnmesh's own functions.
 *
 * The kind of a file is told by its shape, not its name, so any file of a
 * known shape runs, with any number of cases.
 */
import { readFileSync } from 'node:fs';
import { InvalidInputError } from '../core/input.js';
import { runBolt8Vectors } from './bolt08.js';
import { type CaseResult, casePassed } from './case-check.js';
import { runCommitmentVectors } from './commitments.js';
import { Fields } from './fields.js';
import { runKeyVectors } from './keys.js';
import { runMiscVectors } from './misc.js';
import { runShachainVectors } from './shachain.js';

/** Vector files are small (the largest BOLT one is ~120 kB); anything far larger is a mistake. */
export const MAX_VECTOR_FILE_BYTES = 16 * 1024 * 1024;

export interface FileReport {
  readonly file: string;
  readonly kind: string;
  readonly cases: readonly CaseResult[];
  readonly notes: readonly string[];
  /** Set when the file as a whole could not be run (unreadable, not JSON, unknown shape). */
  readonly error?: string;
}

export function runVectorFile(path: string): FileReport {
  let text: string;
  try {
    const buffer = readFileSync(path);
    if (buffer.length > MAX_VECTOR_FILE_BYTES) return fileError(path, `larger than ${MAX_VECTOR_FILE_BYTES} bytes`);
    text = buffer.toString('utf8');
  } catch (error) {
    return fileError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fileError(path, `not valid JSON (${(error as Error).message})`);
  }
  return runVectors(path, json);
}

/** Runs already-parsed vectors; `file` names them in the report. */
export function runVectors(file: string, json: unknown): FileReport {
  try {
    const root = Fields.root(json);
    const kind = kindOf(root);
    switch (kind) {
      case 'bolt03-keys':
        return { file, kind, cases: runKeyVectors(root), notes: [] };
      case 'bolt03-shachain':
        return { file, kind, cases: runShachainVectors(root), notes: [] };
      case 'bolt03-commitments':
        return { file, kind, cases: runCommitmentVectors(root), notes: [] };
      case 'bolt03-misc':
        return { file, kind, ...runMiscVectors(root) };
      case 'bolt08-handshake':
        return { file, kind, cases: runBolt8Vectors(root), notes: [] };
    }
  } catch (error) {
    if (error instanceof InvalidInputError) return fileError(file, `${error.field}: ${error.reason}`);
    return fileError(file, (error as Error)?.message ?? String(error));
  }
}

type VectorKind = 'bolt03-keys' | 'bolt03-shachain' | 'bolt03-commitments' | 'bolt03-misc' | 'bolt08-handshake';

function kindOf(root: Fields): VectorKind {
  if (root.has('handshake_tests') || root.has('message_encryption_test')) return 'bolt08-handshake';
  if (root.has('generation_tests') || root.has('storage_tests')) return 'bolt03-shachain';
  if (root.has('expected_weights') || root.has('fee_example') || root.has('appendix_b_funding_tx')) return 'bolt03-misc';
  if (root.has('cases')) {
    const first = root.array('cases')[0];
    if (first && typeof first === 'object' && 'variant' in first) return 'bolt03-commitments';
    if (first && typeof first === 'object' && 'function' in first) return 'bolt03-keys';
    if (root.has('common') && root.object('common').has('funding_tx_id')) return 'bolt03-commitments';
    if (root.has('common')) return 'bolt03-keys';
  }
  throw new InvalidInputError(
    'file',
    'not a vector file lnmesh knows: expected the shape of bolt03-keys, bolt03-shachain, bolt03-commitments, bolt03-misc or bolt08-handshake',
  );
}

function fileError(file: string, error: string): FileReport {
  return { file, kind: 'unknown', cases: [], notes: [], error };
}

export interface Totals {
  readonly passed: number;
  readonly failed: number;
}

/** A file that could not run at all counts as one failure. */
export function totalsOf(reports: readonly FileReport[]): Totals {
  let passed = 0;
  let failed = 0;
  for (const report of reports) {
    if (report.error) failed++;
    for (const result of report.cases) casePassed(result) ? passed++ : failed++;
  }
  return { passed, failed };
}

/** The human report: per file, the failing cases with the field that differs; last, `N passed, N failed`. */
export function formatReports(reports: readonly FileReport[], verbose = false): string {
  const lines: string[] = [];
  for (const report of reports) {
    const { passed, failed } = totalsOf([report]);
    lines.push(`${report.file} (${report.kind}): ${passed} passed, ${failed} failed`);
    if (report.error) lines.push(`  error: ${report.error}`);
    for (const note of report.notes) lines.push(`  note: ${note}`);
    for (const result of report.cases) {
      const where = `${result.path}${result.sourceLine !== undefined ? `, spec line ${result.sourceLine}` : ''}`;
      if (casePassed(result)) {
        if (verbose) lines.push(`  ok   ${result.label} (${where})`);
        continue;
      }
      lines.push(`  FAIL ${result.label} (${where})`);
      if (result.error) lines.push(`       ${result.error.field}: ${result.error.reason}`);
      for (const mismatch of result.mismatches) {
        lines.push(`       ${mismatch.field} differs`, `         expected ${mismatch.expected}`, `         got      ${mismatch.actual}`);
      }
    }
  }
  const { passed, failed } = totalsOf(reports);
  lines.push(`${passed} passed, ${failed} failed`);
  return lines.join('\n');
}
