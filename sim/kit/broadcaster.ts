/** Test doubles of rust-lightning's `BroadcasterInterface`: no chain, only a record of what was handed over. */
import type { Transaction } from '../../node/bolt3/transaction.js';
import type { Broadcaster } from '../../node/channel/manager.js';

/** Pushes every transaction broadcast onto `into`, in order. */
export function recordingBroadcaster(into: Transaction[]): Broadcaster {
  return { broadcast: (tx) => void into.push(tx) };
}

/** Drops what it is given: for a node whose broadcasts a test does not look at. */
export const nullBroadcaster: Broadcaster = { broadcast() {} };
