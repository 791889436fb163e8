/** `lnmesh payments`: the payments this node made and asked for, newest first. */
import type { Command } from 'commander';
import { integerArgument } from './arguments.js';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { type TableColumn, formatTable } from './table.js';
import { short } from './ids.js';

const COLUMNS: TableColumn[] = [
  { key: 'paymentHash', header: 'PAYMENT HASH' },
  { key: 'direction', header: 'DIRECTION' },
  { key: 'amountSat', header: 'SAT' },
  { key: 'feeMsat', header: 'FEE MSAT' },
  { key: 'status', header: 'STATUS' },
  { key: 'when', header: 'CREATED' },
  { key: 'reason', header: 'REASON' },
];

export function registerPaymentsVerb(program: Command): void {
  daemonVerb(program, 'payments', 'payments made and asked for, newest first')
    .option('-n, --limit <count>', 'how many', integerArgument('limit', 1, 150), 50)
    .action(async (options: DaemonOptions & { limit: number }) => {
      show(options, await ask(options, 'payments', { limit: options.limit }), (rows) =>
        formatTable(
          rows.map((row) => ({ ...row, paymentHash: short(row.paymentHash), amountSat: row.amountMsat / 1000, feeMsat: row.feeMsat ?? '', when: new Date(row.createdAt).toISOString().slice(0, 19).replace('T', ' ') })),
          COLUMNS,
        ),
      );
    });
}
