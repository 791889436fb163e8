/** `lnmesh routes`: either daemon's route table, neighbours first. */
import type { Command } from 'commander';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { type TableColumn, formatTable } from './table.js';
import { labelled, short } from './ids.js';

const COLUMNS: TableColumn[] = [
  { key: 'destination', header: 'DESTINATION' },
  { key: 'nextHop', header: 'NEXT HOP' },
  { key: 'direct', header: 'NEIGHBOUR' },
];

export function registerRoutesVerb(program: Command): void {
  daemonVerb(program, 'routes', 'the static route table: destination to next hop').action(async (options: DaemonOptions) => {
    show(options, await ask(options, 'routes'), (rows) =>
      formatTable(
        rows.map((row) => ({ ...row, nextHop: labelled(row.nextHop, row.nextHopName), destination: short(row.destination), direct: row.direct === true })),
        COLUMNS,
      ),
    );
  });
}
