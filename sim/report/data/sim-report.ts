/**
 * What one simulator run reports: the facts that identify it (scenario, seed,
 * the hash of its event log), whether each invariant held, the figures, and
 * the series the HTML page plots. `report.json` is this object as it is, so
 * a later run (or a script) can compare figures and hashes.
 *
 * Series are bounded (see `ReportRecorder`): a month of a large mesh keeps a
 * few thousand points per series, never millions.
 */

export type InvariantStatus = 'held' | 'violated';

/** One moment an invariant failed, with what a person needs to find it in the run. */
export interface Violation {
  invariant: string;
  /** Virtual time, in milliseconds from the start of the run. */
  atMs: number;
  detail: string;
}

/** Peak duty-cycle use of one node: the most airtime it spent in any one window, against what the window allows. */
export interface AirtimeUse {
  node: string;
  usedMs: number;
  budgetMs: number;
}

/** `[atMs, depth]`: frames waiting in a node's outboxes from `atMs` on. */
export type OutboxPoint = [atMs: number, depth: number];

/** `[atMs, localMsat, remoteMsat]`: a channel's balances from `atMs` on, seen from its first node. */
export type BalancePoint = [atMs: number, localMsat: number, remoteMsat: number];

export const TIMELINE_KINDS = ['partition', 'link-down', 'offline', 'gateway-outage', 'tower-outage', 'flood', 'force-close', 'breach', 'justice', 'reorg'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/**
 * Something that happened to the mesh. A span has `endMs > startMs`; an
 * instant (a breach, a justice transaction, a reorg) has `endMs === startMs`;
 * a span still going when the run ended has no `endMs`.
 */
export interface TimelineEntry {
  kind: TimelineKind;
  label: string;
  startMs: number;
  endMs?: number;
}

export interface SimReport {
  scenario: string;
  description?: string;
  seed: number;
  /** Hash of the event log: the same scenario and seed give the same hash. */
  eventLogHash: string;
  virtualDurationMs: number;
  wallClockMs: number;
  /** Events the scheduler ran. */
  events: number;
  /** Each invariant checked during the run, by name (noFundsLost, breachesPunished, paymentsEnd, balanceConserved, ...). */
  invariants: Record<string, InvariantStatus>;
  violations: Violation[];
  /** Named figures: paymentsSent, paymentsSettled, paymentsFailed, latencyP50Ms, bytesOnAir, ... (units in the name's suffix: Ms, Msat, Bytes). */
  figures: Record<string, number>;
  series: {
    /** Settled payments' latencies; a systematic sample once there are more than the recorder keeps (figures.latencyCount has them all). */
    paymentLatenciesMs: number[];
    airtime: AirtimeUse[];
    outboxDepth: { node: string; points: OutboxPoint[] }[];
    balances: { channel: string; points: BalancePoint[] }[];
    timeline: TimelineEntry[];
  };
}
