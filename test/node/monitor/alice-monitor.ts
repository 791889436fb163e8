// Alice's side of a channel as the chain monitor watches it, and a monitor that records what it does: for the monitor's tests.
import type { Transaction } from '../../../node/bolt3/transaction.js';
import type { Channel } from '../../../node/channel/channel.js';
import { silentLogger } from '../../../node/core/logger.js';
import { type ChainEvent, ChainMonitor, type ChainWatchedChannel } from '../../../node/monitor/chain-monitor.js';
import { MemoryPersister, type Persister } from '../../../node/persist/persister.js';
import { testWallet } from '../../../sim/kit/test-wallet.js';

/** Bob's node id, as Alice's monitor names her peer. */
export const BOB_ID = '02'.padEnd(66, 'b');
/** 2,500 sat/kw for every purpose. */
export const FEES = { feeratePerKw: () => 2500 };

export function aliceMonitor(channel: Channel, persister: Persister = new MemoryPersister()) {
  const subject: ChainWatchedChannel = { peer: BOB_ID, handle: 0, channel, readySent: true };
  const broadcast: Transaction[] = [];
  const events: ChainEvent[] = [];
  const monitor = new ChainMonitor({
    wallet: testWallet(0),
    fees: FEES,
    logger: silentLogger,
    persister,
    broadcast: (tx) => broadcast.push(tx),
    save: () => {},
    report: (event) => events.push(event),
    closed: (closed) => Object.assign(closed, { shutdown: { closed: true } }),
    resolveOutgoing: () => {},
  });
  monitor.add(subject);
  return { subject, monitor, broadcast, events, persister };
}
