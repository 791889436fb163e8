/**
 * What a relay holds for others, and the bounds on it.
 *
 * An envelope for someone else goes into the link's outbox (on disk, and
 * in memory while the link holds it) until the next hop acknowledges it; a
 * next hop that is down for days, and sources that cost nothing to make
 * (a fresh key each), would otherwise have the relay queue without end.
 * So before it forwards, the router asks two questions:
 *
 * - Next hop: what waits for it already (ours and relayed, the link's own
 *   count and bytes), against `maxQueuedPerNextHop` / `...Bytes...`.
 *   Our own messages are never refused (the router's `send` does not ask);
 *   they count here, so a queue full of our own traffic takes no relays.
 * - Source: what this relay forwarded for the source and still holds,
 *   across next hops. A source with standing (a neighbour, a destination of
 *   the route table, the gateway: what the node's config names) has a share
 *   of its own; every other source shares one small pool, so a fresh key
 *   buys no room.
 *
 * - Strangers' rate: what every source without standing together may send
 *   through us to one next hop in an hour (`maxStrangerBytesPerHourPerNextHop`).
 *   The bounds above cap what waits, not how fast it drains: a compromised
 *   neighbour that keeps the pool full would have us spend every second of
 *   our duty cycle passing its junk on, ahead of our own and our known
 *   sources' traffic.
 *
 * The ledger knows what it forwarded by the link's sequence of each message;
 * what the link reports as the oldest still waiting tells it what was
 * delivered. Messages queued before a restart are not in it: they count
 * toward their next hop (the link's figures), not toward a source.
 */
import { checkInteger } from '../../node/core/input.js';

export interface RelayBoundsInit {
  /**
   * Messages waiting for one next hop, ours included, beyond which nothing
   * more is relayed to it. Default 1,024: the gateway's mailbox quota for
   * one node; a LoRa hop at 1% duty cycle sends about a hundred frames an
   * hour, so more is days of airtime.
   */
  readonly maxQueuedPerNextHop?: number;
  /** Bytes of those, at most: all of them sit in memory as fragments. Default 4 MiB (the mailbox's quota for one node). */
  readonly maxQueuedBytesPerNextHop?: number;
  /** Relayed messages of one source with standing that the relay holds. Default 256: a quarter of a next hop's queue, so four sources fill it, not one. */
  readonly maxRelayedPerSource?: number;
  /** Bytes of those. Default 1 MiB, a quarter of a next hop's bytes. */
  readonly maxRelayedBytesPerSource?: number;
  /** Relayed messages of all sources without standing together. Default 32: strangers get the smallest share, one pool, whatever their number of keys. */
  readonly maxRelayedForStrangers?: number;
  /** Bytes of those. Default 64 KiB: the largest envelope fits; on a LoRa hop at SF9 under EU868's 1% that is already some ten hours of airtime. */
  readonly maxRelayedBytesForStrangers?: number;
  /**
   * Bytes of all sources without standing together relayed to one next hop
   * in an hour (the budget holds an hour's worth). Default 1 KiB: under
   * EU868's 1% a LoRa hop carries about 24 KB an hour at SF7 and 8 KB at
   * SF9, so strangers get at most a few percent at SF7 and an eighth at SF9.
   */
  readonly maxStrangerBytesPerHourPerNextHop?: number;
}

export const DEFAULT_RELAY_BOUNDS: Required<RelayBoundsInit> = {
  maxQueuedPerNextHop: 1024,
  maxQueuedBytesPerNextHop: 4 * 1024 * 1024,
  maxRelayedPerSource: 256,
  maxRelayedBytesPerSource: 1024 * 1024,
  maxRelayedForStrangers: 32,
  maxRelayedBytesForStrangers: 64 * 1024,
  maxStrangerBytesPerHourPerNextHop: 1024,
};

/** The pool of every source without standing. */
export const STRANGERS = '';

/** What the link holds for a next hop (`Link.queued`). */
export interface QueuedFigures {
  readonly messages: number;
  readonly bytes: number;
  /** Sequence of the oldest message still waiting; undefined when none does. */
  readonly oldestSeq: number | undefined;
}

interface Forwarded {
  readonly seq: number;
  readonly pool: string;
  readonly bytes: number;
}

export type RelayRefusal = 'next-hop-full' | 'source-full' | 'strangers-rate';

const HOUR_MS = 3_600_000;

export class RelayLedger {
  readonly bounds: Required<RelayBoundsInit>;
  /** Per next hop, what we forwarded to it and it may not have yet, in sequence order. */
  private readonly byHop = new Map<string, Forwarded[]>();
  /** Per source (or `STRANGERS`), what of it we hold. */
  private readonly byPool = new Map<string, { messages: number; bytes: number }>();
  /** Per next hop, the strangers' bytes it may still take this hour, as of `at` (ms). */
  private readonly strangerBudget = new Map<string, { bytes: number; at: number }>();

  constructor(init: RelayBoundsInit = {}) {
    const merged = { ...DEFAULT_RELAY_BOUNDS, ...init };
    this.bounds = Object.fromEntries(Object.entries(merged).map(([name, value]) => [name, checkInteger(name, value, 1, 2 ** 40)])) as Required<RelayBoundsInit>;
  }

  /**
   * Why a relayed message of `bytes` from `pool` cannot be queued for
   * `nextHop`; undefined when it can. `queuedOf` gives what the link holds
   * for a next hop: the ledger forgets first what the link no longer holds.
   */
  refusal(nextHop: string, pool: string, bytes: number, queuedOf: (nextHop: string) => QueuedFigures, nowMs: number): RelayRefusal | undefined {
    const { bounds } = this;
    const queued = queuedOf(nextHop);
    this.settle(nextHop, queued.oldestSeq);
    if (queued.messages + 1 > bounds.maxQueuedPerNextHop || queued.bytes + bytes > bounds.maxQueuedBytesPerNextHop) return 'next-hop-full';
    if (pool === STRANGERS && this.strangerBytesLeft(nextHop, nowMs) < bytes) return 'strangers-rate';
    if (!this.poolFull(pool, bytes)) return undefined;
    // Full as far as we know: what went to the other next hops may have been delivered since.
    for (const other of [...this.byHop.keys()]) if (other !== nextHop) this.settle(other, queuedOf(other).oldestSeq);
    return this.poolFull(pool, bytes) ? 'source-full' : undefined;
  }

  /** The link queued a relayed message under `seq`. */
  record(nextHop: string, seq: number, pool: string, bytes: number): void {
    const budget = this.strangerBudget.get(nextHop);
    if (pool === STRANGERS && budget) budget.bytes -= bytes;
    const list = this.byHop.get(nextHop) ?? [];
    list.push({ seq, pool, bytes });
    this.byHop.set(nextHop, list);
    const held = this.byPool.get(pool) ?? { messages: 0, bytes: 0 };
    this.byPool.set(pool, { messages: held.messages + 1, bytes: held.bytes + bytes });
  }

  /** What the relay holds of `pool` (a source id, or `STRANGERS`), as far as it knows. */
  held(pool: string): { messages: number; bytes: number } {
    return { ...(this.byPool.get(pool) ?? { messages: 0, bytes: 0 }) };
  }

  /** The strangers' bytes `nextHop` may still take: refilled at the hourly rate, holding at most an hour's worth. */
  private strangerBytesLeft(nextHop: string, nowMs: number): number {
    const perHour = this.bounds.maxStrangerBytesPerHourPerNextHop;
    const budget = this.strangerBudget.get(nextHop) ?? { bytes: perHour, at: nowMs };
    budget.bytes = Math.min(perHour, budget.bytes + (Math.max(0, nowMs - budget.at) * perHour) / HOUR_MS);
    budget.at = nowMs;
    this.strangerBudget.set(nextHop, budget);
    return budget.bytes;
  }

  private poolFull(pool: string, bytes: number): boolean {
    const { bounds } = this;
    const held = this.byPool.get(pool) ?? { messages: 0, bytes: 0 };
    const [maxMessages, maxBytes] = pool === STRANGERS ? [bounds.maxRelayedForStrangers, bounds.maxRelayedBytesForStrangers] : [bounds.maxRelayedPerSource, bounds.maxRelayedBytesPerSource];
    return held.messages + 1 > maxMessages || held.bytes + bytes > maxBytes;
  }

  /** Forgets what `nextHop` acknowledged: every sequence before the oldest still waiting (all, when none waits). */
  private settle(nextHop: string, oldestSeq: number | undefined): void {
    const list = this.byHop.get(nextHop);
    if (!list) return;
    let done = 0;
    while (done < list.length && (oldestSeq === undefined || list[done]!.seq < oldestSeq)) {
      const { pool, bytes } = list[done]!;
      const held = this.byPool.get(pool)!;
      if (held.messages <= 1) this.byPool.delete(pool);
      else this.byPool.set(pool, { messages: held.messages - 1, bytes: held.bytes - bytes });
      done++;
    }
    if (done === list.length) this.byHop.delete(nextHop);
    else if (done > 0) list.splice(0, done);
  }
}
