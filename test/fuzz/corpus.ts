/**
 * The corpus: inputs that once made a decoder fail, kept and replayed first
 * on every run. One file a target, `corpus/<layer>/<decoder>.json`:
 *
 *   { "cases": [{ "input": "<hex>", "found": "what it found, when, with which seed", "expect": "pass" }] }
 *
 * `expect` is "pass" once the decoder is fixed, "known-failure" while an
 * entry of known-failures.ts covers it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface CorpusCase {
  readonly input: string;
  readonly found: string;
  readonly expect: 'pass' | 'known-failure';
}

export function corpusFile(target: string): string {
  return fileURLToPath(new URL(`./corpus/${target}.json`, import.meta.url));
}

export function readCorpus(target: string): CorpusCase[] {
  const file = corpusFile(target);
  if (!existsSync(file)) return [];
  const { cases } = JSON.parse(readFileSync(file, 'utf8')) as { cases: CorpusCase[] };
  for (const item of cases) {
    if (!/^([0-9a-f]{2})*$/.test(item.input) || (item.expect !== 'pass' && item.expect !== 'known-failure')) {
      throw new Error(`${file}: a case needs "input" (lower-case hex) and "expect" ("pass" or "known-failure"), got ${JSON.stringify(item).slice(0, 200)}`);
    }
  }
  return cases;
}

/** The targets the corpus has files for (`layer/decoder`), so that a file left behind by a renamed target is noticed. */
export function corpusTargets(): string[] {
  const root = fileURLToPath(new URL('./corpus/', import.meta.url));
  return (readdirSync(root, { recursive: true }) as string[]).filter((file) => file.endsWith('.json')).map((file) => file.slice(0, -'.json'.length).split('\\').join('/'));
}
