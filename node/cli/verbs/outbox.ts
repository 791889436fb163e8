/** `lnmesh outbox`: what waits for which neighbour (and, on a gateway, in its mailbox). */
import type { Command } from 'commander';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { type TableColumn, formatTable } from './table.js';
import { labelled } from './ids.js';

const COLUMNS: TableColumn[] = [
  { key: 'peer', header: 'NEIGHBOUR' },
  { key: 'up', header: 'UP' },
  { key: 'messages', header: 'MESSAGES' },
  { key: 'mailbox', header: 'MAILBOX' },
];

export function registerOutboxVerb(program: Command): void {
  daemonVerb(program, 'outbox', 'what waits for which neighbour').action(async (options: DaemonOptions) => {
    show(options, await ask(options, 'outbox'), (rows) => formatTable(rows.map((row) => ({ ...row, peer: labelled(row.peer, row.name) })), COLUMNS));
  });
}
