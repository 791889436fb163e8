/**
 * The `Persister`: where a node keeps what it must not lose.
 *
 * A channel is saved whole, together with the messages it has produced but
 * the peer has not acknowledged (its outbox), in one atomic write that is
 * durable when `saveChannel` returns. The node sends a message only after
 * the save that holds it, so whatever a crash interrupts, the disk holds
 * either the state before or the state after, never a revocation secret
 * sent ahead of the state that made it safe.
 */
import type { ChannelState } from '../channel/channel.js';
import type { ChannelUpdate } from '../wire/messages.js';

export interface ChannelRecord {
  readonly state: ChannelState;
  /** Produced, saved, not yet acknowledged by the peer: sent again after a restart. */
  readonly outbox: readonly ChannelUpdate[];
  /** For each commitment the peer revoked: its txid (internal order) and our signed justice transaction. */
  readonly remedies?: readonly { readonly breachTxHash: Uint8Array; readonly justice: Uint8Array }[];
}

export interface Persister {
  /** Saves one channel atomically; durable on return. */
  saveChannel(id: string, record: ChannelRecord): void;
  /** Every saved channel, by id. */
  loadChannels(): Map<string, ChannelRecord>;
  /** Removes a channel that is closed and settled. */
  deleteChannel(id: string): void;
  close(): void;
}

/** A `Persister` in memory: for tests and the simulator, where a "disk" survives a simulated crash. */
export class MemoryPersister implements Persister {
  private readonly channels = new Map<string, ChannelRecord>();

  saveChannel(id: string, record: ChannelRecord): void {
    this.channels.set(id, structuredClone(record));
  }

  loadChannels(): Map<string, ChannelRecord> {
    return structuredClone(this.channels);
  }

  deleteChannel(id: string): void {
    this.channels.delete(id);
  }

  close(): void {}
}
