/** `lnmesh channels`: the node's channels, their balances and, once closed, their progress on chain. */
import type { Command } from 'commander';
import type { OnchainSummary } from '../../channel/manager.js';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { type TableColumn, formatTable } from './table.js';
import { labelled } from './ids.js';

const COLUMNS: TableColumn[] = [
  { key: 'peer', header: 'PEER' },
  { key: 'handle', header: 'HANDLE' },
  { key: 'status', header: 'STATUS' },
  { key: 'capacitySatoshis', header: 'CAPACITY SAT' },
  { key: 'localSat', header: 'LOCAL SAT' },
  { key: 'remoteSat', header: 'REMOTE SAT' },
  { key: 'pendingHtlcs', header: 'HTLCS' },
  { key: 'progress', header: 'ON CHAIN' },
];

export function registerChannelsVerb(program: Command): void {
  daemonVerb(program, 'channels', 'every channel: status, capacity, balances').action(async (options: DaemonOptions) => {
    show(options, await ask(options, 'channels'), (rows) =>
      formatTable(
        rows.map((row) => ({
          ...row,
          peer: labelled(row.peer, row.peerName),
          localSat: Math.floor(row.localMsat / 1000),
          remoteSat: Math.floor(row.remoteMsat / 1000),
          progress: onchainProgress(row.onchain),
        })),
        COLUMNS,
      ),
    );
  });
}

/** A closed channel's progress on chain in a few words: where the commitment confirmed, what is swept, what waits and until when. */
function onchainProgress(onchain: OnchainSummary | undefined): string {
  if (!onchain) return '';
  if (onchain.confirmedAt === undefined) return `${onchain.kind === 'cooperative' ? 'closing' : 'commitment'} ${onchain.commitmentTxid.slice(0, 8)} unconfirmed`;
  const parts = [`${onchain.kind} close at ${onchain.confirmedAt}`];
  const swept = onchain.claims.filter((claim) => claim.state === 'confirmed');
  if (swept.length > 0) parts.push(`swept ${swept.reduce((sum, claim) => sum + claim.satoshis, 0)} sat`);
  const waiting = onchain.claims.filter((claim) => claim.state === 'waiting' || claim.state === 'broadcast');
  for (const claim of waiting) parts.push(`${claim.description} ${claim.state === 'broadcast' ? 'broadcast' : claim.unlocksAt !== undefined ? `unlocks at ${claim.unlocksAt}` : 'after its parent'}`);
  return parts.join('; ');
}
