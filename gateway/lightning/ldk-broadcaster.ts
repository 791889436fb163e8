/**
 * Our `Broadcaster` as LDK's `BroadcasterInterface`: LDK hands serialized
 * transactions; ours takes them decoded. A transaction that does not decode
 * is logged, not thrown: a throw would unwind through the WebAssembly.
 */
import { Transaction } from '../../node/bolt3/transaction.js';
import type { Broadcaster } from '../../node/chain/broadcaster.js';
import type { Logger } from '../../node/core/logger.js';
import type { BroadcasterInterface } from 'lightningdevkit';
import type { Ldk } from './ldk.js';

export function ldkBroadcaster(ldk: Ldk, broadcaster: Broadcaster, logger: Logger): BroadcasterInterface {
  return ldk.BroadcasterInterface.new_impl({
    broadcast_transactions(txs) {
      for (const bytes of txs) {
        try {
          broadcaster.broadcast(Transaction.fromBuffer(Buffer.from(bytes)));
        } catch (error) {
          logger.log('error', 'cannot broadcast a transaction LDK signed', { error: String(error) });
        }
      }
    },
  });
}
