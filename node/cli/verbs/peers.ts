/** `lnmesh peers`: either daemon's neighbours on each link. */
import type { Command } from 'commander';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { type TableColumn, formatTable } from './table.js';
import { labelled } from './ids.js';

const COLUMNS: TableColumn[] = [
  { key: 'nodeId', header: 'NEIGHBOUR' },
  { key: 'transport', header: 'TRANSPORT' },
  { key: 'link', header: 'LINK' },
  { key: 'up', header: 'UP' },
  { key: 'heard', header: 'HEARD' },
  { key: 'outbox', header: 'OUTBOX' },
];

export function registerPeersVerb(program: Command): void {
  daemonVerb(program, 'peers', 'neighbours on each link: up or not, what waits for them').action(async (options: DaemonOptions) => {
    // A neighbour stopped cleanly said goodbye: UP false at once. One that crashed or lost power stays UP for about a minute (silence means something
    // on a radio only after a few rounds): HEARD says how long it has been.
    show(options, await ask(options, 'peers'), (rows) =>
      formatTable(
        rows.map((row) => ({ ...row, nodeId: labelled(row.nodeId, row.name), heard: row.heardSecondsAgo === undefined ? 'never' : `${formatSeconds(row.heardSecondsAgo)} ago` })),
        COLUMNS,
      ),
    );
  });
}

/** A rough age for people: 45 s, 12 min, 5 h, 3 d. */
function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7_200) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3_600)} h`;
  return `${Math.floor(seconds / 86_400)} d`;
}
