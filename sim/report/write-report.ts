/**
 * Writes a run's report into a directory: `report.json` (every figure, the
 * event-log hash, the invariants and the series) and `report.html` (the page
 * with the plots, one self-contained file to open or send).
 *
 * Both are rendered before anything is written, so a report that cannot be
 * rendered leaves the directory as it was.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compactJson } from './data/compact-json.js';
import { reportHtml } from './html.js';
import type { SimReport } from './data/sim-report.js';

/** Thrown when the report cannot be written; `directory` is where it was to go. */
export class ReportWriteError extends Error {
  override name = 'ReportWriteError';
  constructor(
    readonly directory: string,
    reason: string,
    options?: { cause: unknown },
  ) {
    super(`cannot write the report to ${directory}: ${reason}`, options);
  }
}

export interface WrittenReport {
  readonly jsonPath: string;
  readonly htmlPath: string;
}

export function writeReport(directory: string, report: SimReport): WrittenReport {
  const absolute = resolve(directory);
  const json = compactJson(report);
  const html = reportHtml(report);
  try {
    mkdirSync(absolute, { recursive: true });
  } catch (error) {
    throw new ReportWriteError(absolute, `the directory cannot be created (${describe(error)}); choose another with --out`, { cause: error });
  }
  const jsonPath = join(absolute, 'report.json');
  const htmlPath = join(absolute, 'report.html');
  for (const [path, text] of [
    [jsonPath, json],
    [htmlPath, html],
  ] as const) {
    try {
      writeFileSync(path, text);
    } catch (error) {
      throw new ReportWriteError(absolute, `${path} cannot be written (${describe(error)})`, { cause: error });
    }
  }
  return { jsonPath, htmlPath };
}

/** Node's file-system messages already name the code and the path: "EACCES: permission denied, mkdir '/x'". */
function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
