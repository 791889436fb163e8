/** `lnmesh links`: each link's counters, and its dropped frames by reason. */
import type { Command } from 'commander';
import type { LinkShape } from '../../control/link-shapes.js';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { formatKeyValues } from './table.js';

export function registerLinksVerb(program: Command): void {
  daemonVerb(program, 'links', "each link's counters: frames, retransmissions, handshakes, drops by reason").action(async (options: DaemonOptions) => {
    show(options, await ask(options, 'links'), (rows) => rows.map(linkText).join('\n\n'));
  });
}

function linkText(row: LinkShape): string {
  const { dropped, link, transport, ...counters } = row;
  const drops = Object.entries(dropped).filter(([, count]) => count > 0);
  return [`link ${link} (${String(transport)})`, formatKeyValues(counters), `dropped: ${drops.length === 0 ? 'none' : drops.map(([reason, count]) => `${reason} ${count}`).join(', ')}`].join('\n');
}
