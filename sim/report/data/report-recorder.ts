/**
 * What the runner tells as the run goes (a payment settled, an outbox grew,
 * a partition began, an invariant failed), kept in bounded memory and turned
 * into a `SimReport` at the end.
 *
 * Memory stays bounded however long the run and however many nodes: each
 * series keeps at most `maxPointsPerSeries` points, and all the series of a
 * kind (outbox depths, balances) share `maxPointsPerKind`, so a 500-node mesh
 * keeps fewer points per node than a 5-node one. Latencies keep a sample,
 * violations and timeline entries a fixed number; what is left out is
 * counted in the figures (violationsNotListed, timelineEntriesDropped).
 */
import { InvalidInputError } from '../../../node/core/input.js';
import { BoundedSeries, MIN_SERIES_CAPACITY } from './bounded-series.js';
import { LatencyDistribution } from './latency-distribution.js';
import { TIMELINE_KINDS, type AirtimeUse, type BalancePoint, type OutboxPoint, type SimReport, type TimelineEntry, type TimelineKind, type Violation } from './sim-report.js';

export interface RecorderLimits {
  /** Points kept for one node's outbox depth or one channel's balances (2,000). */
  maxPointsPerSeries?: number;
  /** Points kept for all the outbox series together, and for all the balance series together (200,000). */
  maxPointsPerKind?: number;
  /** Payment latencies kept for the histogram (2,000); percentiles use all of them. */
  maxLatencySamples?: number;
  /** Violations listed (1,000); every one still marks its invariant violated. */
  maxViolations?: number;
  /** Timeline entries kept (2,000). */
  maxTimelineEntries?: number;
}

/** What only the runner knows, given when the run ends. */
export type RunFacts = Pick<SimReport, 'scenario' | 'description' | 'seed' | 'eventLogHash' | 'virtualDurationMs' | 'wallClockMs' | 'events'>;

export class ReportRecorder {
  private readonly limits: Required<RecorderLimits>;
  private readonly invariants = new Map<string, 'held' | 'violated'>();
  private readonly violations: Violation[] = [];
  private violationsNotListed = 0;
  private readonly figures = new Map<string, number>();
  private readonly latencies: LatencyDistribution;
  private readonly airtime = new Map<string, AirtimeUse>();
  private readonly outboxDepth = new Map<string, BoundedSeries<OutboxPoint>>();
  private readonly balances = new Map<string, BoundedSeries<BalancePoint>>();
  private readonly timeline: TimelineEntry[] = [];
  private timelineEntriesDropped = 0;

  constructor(limits: RecorderLimits = {}) {
    this.limits = {
      maxPointsPerSeries: limits.maxPointsPerSeries ?? 2000,
      maxPointsPerKind: limits.maxPointsPerKind ?? 200_000,
      maxLatencySamples: limits.maxLatencySamples ?? 2000,
      maxViolations: limits.maxViolations ?? 1000,
      maxTimelineEntries: limits.maxTimelineEntries ?? 2000,
    };
    if (!Number.isSafeInteger(this.limits.maxPointsPerSeries) || this.limits.maxPointsPerSeries < MIN_SERIES_CAPACITY) {
      throw new InvalidInputError('maxPointsPerSeries', `${this.limits.maxPointsPerSeries} is not an integer of at least ${MIN_SERIES_CAPACITY}`);
    }
    if (this.limits.maxPointsPerKind < this.limits.maxPointsPerSeries) {
      throw new InvalidInputError('maxPointsPerKind', `${this.limits.maxPointsPerKind} is less than maxPointsPerSeries (${this.limits.maxPointsPerSeries})`);
    }
    this.latencies = new LatencyDistribution(this.limits.maxLatencySamples);
  }

  /** Names the invariants the run checks: each is reported held unless a violation is recorded for it. */
  declareInvariants(names: readonly string[]): void {
    for (const name of names) if (!this.invariants.has(name)) this.invariants.set(name, 'held');
  }

  violation(invariant: string, atMs: number, detail: string): void {
    this.invariants.set(invariant, 'violated');
    if (this.violations.length < this.limits.maxViolations) this.violations.push({ invariant, atMs, detail });
    else this.violationsNotListed++;
  }

  /** Adds to a counted figure (paymentsSent, bytesOnAir, ...). */
  count(figure: string, by = 1): void {
    if (!Number.isFinite(by)) throw new InvalidInputError(figure, `${by} is not a finite number`);
    this.figures.set(figure, (this.figures.get(figure) ?? 0) + by);
  }

  setFigure(figure: string, value: number): void {
    if (!Number.isFinite(value)) throw new InvalidInputError(figure, `${value} is not a finite number`);
    this.figures.set(figure, value);
  }

  recordPaymentLatency(latencyMs: number): void {
    this.latencies.record(latencyMs);
  }

  /** The airtime a node has used in its current duty-cycle window; the report keeps each node's peak. */
  sampleAirtime(node: string, usedMs: number, budgetMs: number): void {
    if (!(usedMs >= 0) || !Number.isFinite(usedMs)) throw new InvalidInputError('usedMs', `${usedMs} is not a duration`);
    if (!(budgetMs >= 0) || !Number.isFinite(budgetMs)) throw new InvalidInputError('budgetMs', `${budgetMs} is not a duration`);
    const known = this.airtime.get(node);
    this.airtime.set(node, { node, usedMs: Math.max(usedMs, known?.usedMs ?? 0), budgetMs });
  }

  /** Frames waiting in a node's outboxes, from `atMs` on. Call it when the depth changes. */
  sampleOutboxDepth(node: string, atMs: number, depth: number): void {
    this.seriesOf(this.outboxDepth, node).push([atMs, depth]);
  }

  /** A channel's balances from `atMs` on, seen from one side (the same side every time). */
  sampleBalance(channel: string, atMs: number, localMsat: number, remoteMsat: number): void {
    this.seriesOf(this.balances, channel).push([atMs, localMsat, remoteMsat]);
  }

  /** Something begins (a partition, a link down, a node offline, a gateway outage). */
  timelineStart(kind: TimelineKind, label: string, atMs: number): void {
    this.addTimelineEntry({ kind: checkKind(kind), label, startMs: atMs });
  }

  /** Ends the earliest open entry of this kind and label; false (and nothing changed) when none is open. */
  timelineEnd(kind: TimelineKind, label: string, atMs: number): boolean {
    const open = this.timeline.find((entry) => entry.kind === kind && entry.label === label && entry.endMs === undefined);
    if (open === undefined) return false;
    if (atMs < open.startMs) throw new InvalidInputError('atMs', `${label} cannot end (${atMs}) before it began (${open.startMs})`);
    open.endMs = atMs;
    return true;
  }

  /** Something that happens at one moment (a breach, a justice transaction, a reorg). */
  timelineInstant(kind: TimelineKind, label: string, atMs: number): void {
    this.addTimelineEntry({ kind: checkKind(kind), label, startMs: atMs, endMs: atMs });
  }

  /** The report, as of now (the recorder can go on recording). */
  finish(run: RunFacts): SimReport {
    const figures: Record<string, number> = Object.fromEntries(this.figures);
    figures.latencyCount = this.latencies.count;
    if (this.latencies.count > 0) {
      // Whole milliseconds: the percentiles are within 1% anyway, and a report is read by people.
      figures.latencyP50Ms = Math.round(this.latencies.percentile(0.5)!);
      figures.latencyP90Ms = Math.round(this.latencies.percentile(0.9)!);
      figures.latencyP99Ms = Math.round(this.latencies.percentile(0.99)!);
      figures.latencyMaxMs = this.latencies.max!;
      figures.latencyMeanMs = Math.round(this.latencies.mean!);
    }
    if (this.violationsNotListed > 0) figures.violationsNotListed = this.violationsNotListed;
    if (this.timelineEntriesDropped > 0) figures.timelineEntriesDropped = this.timelineEntriesDropped;
    return {
      scenario: run.scenario,
      ...(run.description !== undefined && { description: run.description }),
      seed: run.seed,
      eventLogHash: run.eventLogHash,
      virtualDurationMs: run.virtualDurationMs,
      wallClockMs: run.wallClockMs,
      events: run.events,
      invariants: Object.fromEntries(this.invariants),
      violations: this.violations.map((violation) => ({ ...violation })),
      figures,
      series: {
        paymentLatenciesMs: this.latencies.sample(),
        airtime: [...this.airtime.values()].map((use) => ({ ...use })),
        outboxDepth: [...this.outboxDepth].map(([node, series]) => ({ node, points: series.toArray() })),
        balances: [...this.balances].map(([channel, series]) => ({ channel, points: series.toArray() })),
        timeline: this.timeline.map((entry) => ({ ...entry })),
      },
    };
  }

  /** The series of one node or channel; a new one lowers every other's share of the kind's points. */
  private seriesOf<Point extends OutboxPoint | BalancePoint>(kind: Map<string, BoundedSeries<Point>>, name: string): BoundedSeries<Point> {
    const known = kind.get(name);
    if (known !== undefined) return known;
    const capacity = Math.max(MIN_SERIES_CAPACITY, Math.min(this.limits.maxPointsPerSeries, Math.floor(this.limits.maxPointsPerKind / (kind.size + 1))));
    const series = new BoundedSeries<Point>(capacity);
    for (const other of kind.values()) if (other.capacity > capacity) other.setCapacity(capacity);
    kind.set(name, series);
    return series;
  }

  private addTimelineEntry(entry: TimelineEntry): void {
    if (!Number.isFinite(entry.startMs)) throw new InvalidInputError('atMs', `${entry.startMs} is not a time`);
    if (this.timeline.length < this.limits.maxTimelineEntries) this.timeline.push(entry);
    else this.timelineEntriesDropped++;
  }
}

function checkKind(kind: TimelineKind): TimelineKind {
  if (!TIMELINE_KINDS.includes(kind)) throw new InvalidInputError('kind', `${String(kind)} is not one of ${TIMELINE_KINDS.join(', ')}`);
  return kind;
}
