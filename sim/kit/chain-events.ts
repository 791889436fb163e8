/**
 * What a chain source told, as short strings in the order it told them:
 * "connect HEIGHT HASH", "disconnect HEIGHT HASH", "transaction TXID".
 * The chain tests assert on these lists.
 */
import type { ChainBlock, ChainSource } from '../../gateway/chain/chain-source.js';

export function recordChainEvents(source: Pick<ChainSource, 'on'>): string[] {
  const events: string[] = [];
  source.on('connect', (block: ChainBlock) => events.push(`connect ${block.height} ${block.hash}`));
  source.on('disconnect', (block: ChainBlock) => events.push(`disconnect ${block.height} ${block.hash}`));
  source.on('transaction', (tx) => events.push(`transaction ${tx.getId()}`));
  return events;
}

/** The block events of `events`; the txids of its transaction events. */
export const blockEvents = (events: readonly string[]) => events.filter((event) => !event.startsWith('transaction '));
export const transactionEvents = (events: readonly string[]) => events.flatMap((event) => (event.startsWith('transaction ') ? [event.slice('transaction '.length)] : []));
