/**
 * One vector case: its comparisons, and what went wrong if anything did.
 */
import { bytesToHex } from '../core/hex.js';
import { InvalidInputError } from '../core/input.js';
import { Fields } from './fields.js';

export interface Mismatch {
  readonly field: string;
  readonly expected: string;
  readonly actual: string;
}

export interface CaseResult {
  readonly label: string;
  readonly path: string;
  readonly sourceLine?: number;
  readonly mismatches: readonly Mismatch[];
  /** Set when the case could not be run: a malformed field, or input our code rejected. */
  readonly error?: { readonly field: string; readonly reason: string };
}

export function casePassed(result: CaseResult): boolean {
  return result.mismatches.length === 0 && result.error === undefined;
}

export class CaseCheck {
  readonly mismatches: Mismatch[] = [];

  constructor(readonly fields: Fields) {}

  equal(field: string, expected: string | number | boolean, actual: string | number | boolean): void {
    if (expected !== actual) this.mismatches.push({ field: this.fields.at(field), expected: String(expected), actual: String(actual) });
  }

  /** Compares byte strings; the report shows where they first differ rather than two walls of hex. */
  equalHex(field: string, expected: Uint8Array | string, actual: Uint8Array | string): void {
    const want = typeof expected === 'string' ? expected.toLowerCase() : bytesToHex(expected);
    const got = typeof actual === 'string' ? actual.toLowerCase() : bytesToHex(actual);
    if (want === got) return;
    let at = 0;
    while (at < want.length && want[at] === got[at]) at++;
    const byte = Math.floor(at / 2);
    const excerpt = (hex: string) => (hex.length <= 80 ? hex : `…${hex.slice(byte * 2, byte * 2 + 40)}… (${hex.length / 2} bytes, first difference at byte ${byte})`);
    this.mismatches.push({ field: this.fields.at(field), expected: excerpt(want), actual: excerpt(got) });
  }
}

/** Runs one case; any error becomes a reported failure naming the field, never an exception. */
export function runCase(fields: Fields, body: (check: CaseCheck) => void): CaseResult {
  const check = new CaseCheck(fields);
  const base = { label: fields.label(), path: fields.path, sourceLine: fields.sourceLine() };
  try {
    body(check);
    return { ...base, mismatches: check.mismatches };
  } catch (error) {
    if (error instanceof InvalidInputError) return { ...base, mismatches: check.mismatches, error: { field: error.field, reason: error.reason } };
    return { ...base, mismatches: check.mismatches, error: { field: fields.path, reason: (error as Error)?.message ?? String(error) } };
  }
}

/**
 * Runs the cases of one section of a file. A section too malformed to list
 * its cases fails as one case; the file's other sections still run.
 */
export function runSection(file: Fields, name: string, body: () => CaseResult[]): CaseResult[] {
  if (!file.has(name)) return [];
  try {
    return body();
  } catch (error) {
    const path = file.at(name);
    const { field, reason } = error instanceof InvalidInputError ? error : { field: path, reason: (error as Error)?.message ?? String(error) };
    return [{ label: path, path, mismatches: [], error: { field, reason } }];
  }
}

/**
 * Runs each element of a list of cases. An element that is not even an
 * object fails on its own; the others still run.
 */
export function runCases(list: Fields, name: string, body: (testCase: Fields, check: CaseCheck) => void): CaseResult[] {
  return list.array(name).map((item, i) => {
    const path = list.at(`${name}[${i}]`);
    let testCase: Fields;
    try {
      testCase = Fields.root(item, path);
    } catch (error) {
      const { field, reason } = error as InvalidInputError;
      return { label: path, path, mismatches: [], error: { field, reason } };
    }
    return runCase(testCase, (check) => body(testCase, check));
  });
}
