/**
 * Where a daemon test spends its time, on request: with
 * LNMESH_TEST_TIMINGS=FILE each `lnmesh` call and each wait appends a line to
 * FILE (the test file, milliseconds since it started, milliseconds taken,
 * what). Off unless set; how the CI budget of these tests was measured.
 */
import { appendFileSync } from 'node:fs';
import { basename } from 'node:path';

const FILE = process.env.LNMESH_TEST_TIMINGS;
const STARTED = Date.now();
const TEST_FILE = basename(process.argv[1] ?? '');

/** Notes that `what` took `ms` milliseconds, ending now. */
export function timed(what: string, ms: number): void {
  if (FILE) appendFileSync(FILE, `${TEST_FILE}\t${Date.now() - STARTED}\t${ms}\t${what}\n`);
}
