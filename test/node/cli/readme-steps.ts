/**
 * The commands of a README walk-through, as a user copies them: the indented
 * `npx lnmesh ...` lines of one section, in order, each with its comment
 * (what the user is promised). Placeholders (`<gateway id>`, `lnm1...`) stay
 * single words, to be filled in from earlier output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './run-cli.js';

export interface ReadmeStep {
  /** The words after `npx lnmesh`. */
  readonly words: readonly string[];
  /** The line's comment: what it promises. */
  readonly comment: string;
  /** The command as written, without its comment. */
  readonly line: string;
}

/** The section of README.md headed `## heading`, up to the next `## `. */
export function readmeSection(heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "## ${heading}"`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The `npx lnmesh` lines of a section, in order. */
export function readmeSteps(section: string): ReadmeStep[] {
  const steps: ReadmeStep[] = [];
  for (const line of section.split('\n')) {
    const command = /^ {4}npx lnmesh (.*?)(?:\s+#\s*(.*))?$/.exec(line);
    if (command) steps.push({ words: command[1]!.match(/<[^>]+>|\S+/g) ?? [], comment: command[2] ?? '', line: `npx lnmesh ${command[1]}` });
  }
  return steps;
}
