/**
 * Duplicate suppression at the destination: the routed envelopes recently
 * delivered, by (source, message id).
 *
 * The link delivers exactly once per hop, except in its crash window (a
 * relay that crashes right after forwarding forwards again after the
 * reboot), and a relay could replay what it carried. The destination checks
 * here after the seal verified (so a forger cannot fill the set) and records
 * right after delivering, as the link does: a crash between the two delivers
 * once more; the other order would lose the message.
 *
 * The set is bounded; an envelope older than the last `capacity` ones from
 * everybody could be delivered again if replayed. Its consumers (channel
 * updates, appointments) ignore what they have already applied.
 *
 * `MemorySeenMessages` serves the simulator and tests; the daemons keep
 * theirs on disk (`LmdbSeenMessages`), bounded per source and by age, so
 * neither a restart nor a flood of an attacker's own envelopes forgets.
 */
export interface SeenMessages {
  has(source: string, messageId: Uint8Array): boolean;
  add(source: string, messageId: Uint8Array): void;
}

/** Default capacity: a week of a busy node's traffic, about 5 MB of strings. */
export const DEFAULT_SEEN_CAPACITY = 65_536;

const keyOf = (source: string, messageId: Uint8Array) => `${source}:${Buffer.from(messageId).toString('hex')}`;

/** The last `capacity` (source, message id) pairs, in memory; the oldest is forgotten first. */
export class MemorySeenMessages implements SeenMessages {
  private readonly seen = new Set<string>();

  constructor(readonly capacity = DEFAULT_SEEN_CAPACITY) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  has(source: string, messageId: Uint8Array): boolean {
    return this.seen.has(keyOf(source, messageId));
  }

  add(source: string, messageId: Uint8Array): void {
    const key = keyOf(source, messageId);
    if (this.seen.has(key)) return;
    if (this.seen.size >= this.capacity) this.seen.delete(this.seen.values().next().value!);
    this.seen.add(key);
  }

  get size(): number {
    return this.seen.size;
  }
}
