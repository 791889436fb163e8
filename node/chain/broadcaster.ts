/**
 * The `Broadcaster` (rust-lightning's `BroadcasterInterface`): where the
 * channel manager and the monitors hand the transactions they sign.
 */
import type { Transaction } from '../bolt3/transaction.js';

/** Hands a fully signed transaction to the Bitcoin network (through the gateway). */
export interface Broadcaster {
  broadcast(tx: Transaction): void;
}
