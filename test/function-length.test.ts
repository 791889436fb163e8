// No function of the production code (node/, transports/, gateway/, sim/) or of bench/ runs over 80 lines (issue 16):
// a newcomer should be able to read any one of them on a screen. A function listed in KNOWN_LONG may keep its length
// (not grow); a new long function fails, and so does one listed that is no longer long. The list is empty.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { ROOT, SCANNED, sourceFiles } from './source-files.js';

const MAX_LINES = 80;

/** Functions allowed over MAX_LINES ("file: name", as this test names them) and their lengths: none since issue 16. */
const KNOWN_LONG: Record<string, number> = {};

/** Every function with a body in `file`, as "file: Class.name" (or the variable or property it is assigned to) and its lines. */
function functionLengths(file: string): [string, number][] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: [string, number][] = [];
  const nameOf = (node: ts.SignatureDeclaration): string => {
    if (node.name) return node.name.getText(source);
    const parent = node.parent;
    if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText(source);
    return '(anonymous)';
  };
  const visit = (node: ts.Node, owner: string | undefined): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push([`${relative(ROOT, file)}: ${owner ? `${owner}.` : ''}${nameOf(node)}`, last - first + 1]);
    }
    const inside = ts.isClassDeclaration(node) && node.name ? node.name.text : owner;
    ts.forEachChild(node, (child) => visit(child, inside));
  };
  visit(source, undefined);
  return found;
}

t.test(`no function runs over ${MAX_LINES} lines`, async (t) => {
  const lengths = SCANNED.flatMap((dir) => sourceFiles(join(ROOT, dir))).flatMap(functionLengths);
  const long = new Map<string, number>();
  for (const [name, lines] of lengths) if (lines > MAX_LINES) long.set(name, Math.max(lines, long.get(name) ?? 0));
  for (const [name, lines] of long) {
    const known = KNOWN_LONG[name];
    if (known === undefined) t.fail(`${name} has ${lines} lines (at most ${MAX_LINES}): split it`);
    else t.ok(lines <= known, `known, not to grow: ${name} (${lines} of ${known} lines)`);
  }
  for (const name of Object.keys(KNOWN_LONG)) if (!long.has(name)) t.fail(`paid: take "${name}" out of KNOWN_LONG`);
  t.ok(lengths.length > 2000, `${lengths.length} functions measured`);
});
