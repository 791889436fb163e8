/**
 * Runs BOLT 3 Appendix D cases (`bolt03-shachain.json`): secret generation
 * from a seed, and insertion sequences into the compact storage, each step
 * expected to be accepted ("OK") or rejected ("ERROR").
 */
import { bytesToHex } from '../core/hex.js';
import { InvalidInputError } from '../core/input.js';
import { MAX_SHACHAIN_INDEX, RevocationStore, generateFromSeed } from '../bolt3/shachain.js';
import { type CaseCheck, type CaseResult, runCases } from './case-check.js';
import type { Fields } from './fields.js';

export function runShachainVectors(file: Fields): CaseResult[] {
  const generation = file.has('generation_tests') ? runCases(file, 'generation_tests', checkGeneration) : [];
  const storage = file.has('storage_tests') ? runCases(file, 'storage_tests', checkStorage) : [];
  return [...generation, ...storage];
}

function checkGeneration(testCase: Fields, check: CaseCheck): void {
  const index = testCase.integer('I', 0, MAX_SHACHAIN_INDEX);
  check.equalHex('output', testCase.hex('output', 32), generateFromSeed(testCase.hex('seed', 32), index));
}

function checkStorage(testCase: Fields, check: CaseCheck): void {
  const store = new RevocationStore();
  const accepted: { index: number; secret: Uint8Array }[] = [];
  testCase.objects('steps').forEach((step, k) => {
    const index = step.integer('I', 0, MAX_SHACHAIN_INDEX);
    const secret = step.hex('secret', 32);
    const expected = step.string('expected');
    if (expected !== 'OK' && expected !== 'ERROR') throw new InvalidInputError(step.at('expected'), 'expected "OK" or "ERROR"');
    let outcome = 'OK';
    try {
      store.insert(index, secret);
      accepted.push({ index, secret });
    } catch {
      outcome = 'ERROR';
    }
    check.equal(`steps[${k}].expected`, expected, outcome);
    // Every secret accepted so far must still be derivable from the store.
    for (const earlier of accepted) {
      const derived = store.secretFor(earlier.index);
      check.equal(`steps[${k}] lookup of I=${earlier.index}`, bytesToHex(earlier.secret), derived ? bytesToHex(derived) : 'nothing');
    }
  });
}
