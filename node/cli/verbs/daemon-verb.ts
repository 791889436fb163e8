/**
 * What every verb that talks to a daemon shares: `--config FILE` or
 * `--socket PATH` to say which daemon, `--json` for scripts, and the
 * answer printed as people read it unless `--json` is given.
 */
import type { Command } from 'commander';
import { type DaemonOptions, DEFAULT_CONFIG } from './daemon-socket.js';

/** Adds the options every daemon verb takes. */
export function daemonVerb(program: Command, name: string, summary: string): Command {
  return program
    .command(name)
    .summary(summary)
    .option('-c, --config <file>', `the daemon's config file (default $LNMESH_CONFIG or ${DEFAULT_CONFIG})`)
    .option('-s, --socket <path>', "the daemon's control socket (instead of --config)")
    .option('--json', 'print the JSON the daemon answered, for scripts');
}

/** Prints `result` as JSON or as people read it. */
export function show<Result>(options: DaemonOptions, result: Result, asText: (result: Result) => string): void {
  console.log(options.json ? JSON.stringify(result, null, 2) : asText(result));
}
