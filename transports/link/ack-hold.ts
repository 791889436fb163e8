/**
 * How long an ack waits while a message is still arriving.
 *
 * A receiver acknowledges `ackDelayMs` after a fragment, unless a data frame
 * of its own carries the ack first. On a radio a fragment takes longer on
 * the air than that (about 370 ms for a full frame at SF7, 2.5 s at SF12),
 * so a message of several fragments drew a bare ack between each two of
 * them: each one a frame of its own, its preamble and tag, for nothing the
 * sender acted on, since the next fragment was already on its way.
 *
 * So while the fragments of a message come in order and more are to come
 * (the last has not arrived, and fewer than the sender's window since our
 * last ack), the ack waits for the next one: twice the gap seen between two
 * fragments of a message, at least `ackDelayMs`, and at most half the first
 * retransmission timeout, so that it always reaches the sender before its
 * timer gives up on the fragments. If the next fragment was lost, the
 * selective ack goes that much later and the sender resends only what is
 * missing, as before.
 */

/** What the receiver has seen of a peer's fragments: the last one's place and time, and the gap between in-order fragments. */
export interface FragmentArrivals {
  lastSeq?: number;
  lastIndex?: number;
  lastAtMs?: number;
  /** The latest gap between two fragments of a message sent in order, the later one not its last (a last one is shorter, and so is its time on the air), in ms; undefined until seen. */
  gapMs?: number;
  /** Fragments received since our last ack went out. */
  sinceAck: number;
}

export interface AckTiming {
  readonly ackDelayMs: number;
  readonly retransmitBaseMs: number;
  /** Fragments a sender has unacknowledged at most: with that many in, it waits for our ack. */
  readonly windowFragments: number;
}

/** Records a fragment's arrival at `nowMs`. */
export function noteFragment(arrivals: FragmentArrivals, seq: number, index: number, last: boolean, nowMs: number): void {
  if (!last && arrivals.lastSeq === seq && arrivals.lastIndex === index - 1 && arrivals.lastAtMs !== undefined) arrivals.gapMs = nowMs - arrivals.lastAtMs;
  arrivals.lastSeq = seq;
  arrivals.lastIndex = index;
  arrivals.lastAtMs = nowMs;
  arrivals.sinceAck++;
}

/**
 * The delay before the ack for a fragment just noted: `ackDelayMs`, or longer
 * when more of its message is on its way (`moreToCome`: stored, not the
 * last, not yet a window's worth since our last ack).
 */
export function ackDelayFor(arrivals: FragmentArrivals, timing: AckTiming, moreToCome: boolean): number {
  if (!moreToCome || arrivals.sinceAck >= timing.windowFragments) return timing.ackDelayMs;
  const ceiling = Math.floor(timing.retransmitBaseMs / 2);
  // Before any gap was seen (a first message of several fragments), the ceiling: the fragments come sooner.
  const wait = arrivals.gapMs === undefined ? ceiling : 2 * arrivals.gapMs;
  return Math.max(timing.ackDelayMs, Math.min(wait, ceiling));
}
