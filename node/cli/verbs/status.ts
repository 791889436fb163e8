/** `lnmesh status`: either daemon's state at a glance. */
import type { Command } from 'commander';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { formatKeyValues } from './table.js';

export function registerStatusVerb(program: Command): void {
  daemonVerb(program, 'status', "the daemon's state at a glance").action(async (options: DaemonOptions) => {
    show(options, await ask(options, 'status'), (status) => formatKeyValues(status));
  });
}
