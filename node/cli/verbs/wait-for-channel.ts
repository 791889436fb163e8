/** `open --wait` and `close --wait`: polls the daemon's channel list until the channel gets where it was sent. */
import type { ChannelSummary } from '../../channel/manager.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { waitWithProgress } from './progress.js';
import { short } from './ids.js';

export class ChannelWaitError extends Error {
  override name = 'ChannelWaitError';
}

/** Where the wait ends: `closed` also when the channel is gone from the list. */
export type ChannelGoal = 'open' | 'closed' | 'force_closed';

export async function waitForChannel(options: DaemonOptions, channel: { peer: string; handle: number }, goal: ChannelGoal, timeoutMs: number): Promise<void> {
  await waitWithProgress(
    async () => {
      const entry = (await ask(options, 'channels')).find((row) => row.peer === channel.peer && row.handle === channel.handle);
      const now: ChannelSummary['status'] | 'gone' = entry ? entry.status : 'gone';
      // An opening refused by the peer, or a channel that closed while we waited to see it open, ends the wait.
      if (goal === 'open' && (now === 'gone' || now === 'closed' || now === 'force_closed')) throw new ChannelWaitError(`channel ${channel.handle} is ${now === 'gone' ? 'gone: the peer refused it (see the node log)' : now}`);
      const line = now === 'awaiting_funding' ? `awaiting_funding (${String(short(entry?.fundingTxid))}, ${String(entry?.minimumDepth)} confirmations needed)` : now;
      return { done: now === goal || (goal === 'closed' && now === 'gone'), line };
    },
    { timeoutMs, what: `channel ${channel.handle}` },
  );
}
