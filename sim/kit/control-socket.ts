/**
 * A daemon's answer read straight from its control socket, in the test's own
 * process: what `lnmesh VERB --json --config FILE` prints, without starting
 * a process. For the waits: a CLI call is a process start (0.5 s on a quiet
 * machine, several seconds on a busy one), and a wait asks again and again.
 * What the tests assert on they still read through `lnmesh`.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { callControl } from '../../node/control/control-client.js';

/** The control socket a config names: `controlSocket`, else `control.sock` in its `dataDir`, relative to the file's folder. */
export function controlSocketOf(config: string): string {
  const root = parse(readFileSync(config, 'utf8')) as { controlSocket?: string; dataDir: string };
  const base = dirname(resolve(config));
  return resolve(base, root.controlSocket ?? resolve(base, root.dataDir, 'control.sock'));
}

/** The daemon's answer to `verb` (the control method of the same name), as `ask` parses it from `lnmesh VERB --json`. */
export async function peek<T = Record<string, unknown>>(config: string, verb: string, params?: Record<string, unknown>): Promise<T> {
  return (await callControl(controlSocketOf(config), verb, params)) as T;
}
