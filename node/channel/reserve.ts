/**
 * The channel reserve we ask of each side: what it must keep in the channel,
 * so that it always has something to lose by broadcasting a revoked state.
 * BOLT 2 ("The `open_channel` Message", rationale) suggests 1% of the
 * channel; it must not be below the dust limit (a peer refuses a reserve
 * below its dust limit), so it is at least the smallest one.
 */
import { MIN_DUST_LIMIT_SATOSHIS } from '../core/bolt-limits.js';

export function channelReserveSatoshis(fundingSatoshis: number): number {
  return Math.max(MIN_DUST_LIMIT_SATOSHIS, Math.floor(fundingSatoshis / 100));
}
