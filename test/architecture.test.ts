// The direction of imports, as data (issue 16). Walks every import of the
// production code (node/, transports/, gateway/, sim/) and of bench/, and
// fails on an edge the rules below forbid or on a cycle of files, unless it
// is in KNOWN_DEBT: what the code does today and issue 16 takes away. A new
// forbidden import fails; so does a debt paid and still listed (take it out).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT, SCANNED, sourceFiles } from './source-files.js';


/** The bottom layer: everything may import it, and it imports nothing of the project. */
const CORE = 'node/core/';
/** The one program entry that registers all three programs' verbs. */
const PROGRAM_ENTRY = 'node/program/lnmesh.ts';
/** The test kit: for test/, bench/ and the simulator, never for the programs (not even the entry). */
const KIT = 'sim/kit/';

/** Why an import from `from` to `to` (paths from the repository root) is forbidden, or undefined. */
function forbidden(from: string, to: string): string | undefined {
  const area = (path: string) => path.split('/')[0]!;
  if (area(to) === 'test' && area(from) !== 'test') return `${area(from)}/ imports test/`;
  if (from.startsWith(CORE) && !to.startsWith(CORE)) return 'the core imports the project above it';
  if (to.startsWith(KIT) && !['sim', 'bench', 'test'].includes(area(from))) return `${area(from)}/ imports the test kit`;
  if (area(from) === 'node' && (area(to) === 'gateway' || area(to) === 'sim') && from !== PROGRAM_ENTRY) return `the device's code imports ${area(to)}/`;
  if (area(from) === 'transports' && (area(to) === 'gateway' || area(to) === 'sim')) return `transports/ imports ${area(to)}/`;
  if (area(from) === 'transports' && area(to) === 'node' && !to.startsWith(CORE)) return 'transports/ imports node/ beyond its core';
  if (area(from) === 'gateway' && area(to) === 'sim') return 'gateway/ imports sim/';
  return undefined;
}

/**
 * Forbidden edges and cycles tolerated for now, counted by rule ("from -> to"
 * by top folders and the rule's words). Empty since issue 16 paid the last:
 * a new entry needs an issue that takes it away.
 */
const KNOWN_DEBT: Record<string, number> = {};

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The project files `file` imports, as paths from the root (`.js` specifiers name `.ts` sources). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2]!;
    if (!specifier.startsWith('.')) continue;
    targets.push(relative(ROOT, resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))));
  }
  return targets;
}

/** Strongly connected groups of more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!));
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) found.push(group.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

const files = SCANNED.flatMap((dir) => sourceFiles(join(ROOT, dir))).map((file) => relative(ROOT, file));
const graph = new Map(files.map((file) => [file, importsOf(join(ROOT, file))]));

t.test('the imports follow the layering, and no files import each other in a cycle', async (t) => {
  const debt: Record<string, number> = {};
  const add = (key: string) => (debt[key] = (debt[key] ?? 0) + 1);
  for (const [from, targets] of graph) {
    for (const to of new Set(targets)) {
      const why = forbidden(from, to);
      if (why) add(`${from.split('/').slice(0, 2).join('/')} -> ${to.split('/').slice(0, 2).join('/')}: ${why}`);
    }
  }
  const production = new Map([...graph].filter(([file]) => !file.startsWith('bench/')).map(([file, targets]) => [file, targets.filter((to) => graph.has(to))]));
  for (const group of cycles(production)) add(`cycle: ${group.join(' <-> ')}`);
  const folders = new Map<string, string[]>();
  for (const [file, targets] of production) {
    const folder = dirname(file);
    folders.set(folder, [...(folders.get(folder) ?? []), ...targets.map(dirname).filter((to) => to !== folder)]);
  }
  for (const group of cycles(folders)) add(`folder cycle: ${group.join(' <-> ')}`);
  for (const [key, count] of Object.entries(debt)) {
    const known = KNOWN_DEBT[key];
    if (known === undefined) t.fail(`new: ${key} (${count})`);
    else t.ok(count <= known, `known debt, not to grow: ${key} (${count} of ${known})`);
  }
  for (const key of Object.keys(KNOWN_DEBT)) if (!(key in debt)) t.fail(`paid: take "${key}" out of KNOWN_DEBT`);
  t.ok(graph.size > 200, `${graph.size} files scanned`);
});
