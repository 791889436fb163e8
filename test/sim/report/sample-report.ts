/**
 * A report as a run of the headline scenario might fill it, through the
 * recorder as the runner does: six nodes on a line for ten virtual days, one
 * offline for a week while its counterparty cheats and the tower punishes,
 * a partition that heals, a gateway outage, a link still down at the end.
 * Deterministic, so tests can count what the page must draw.
 */
import { ReportRecorder, type RecorderLimits, type RunFacts } from '../../../sim/report/data/report-recorder.js';
import type { SimReport } from '../../../sim/report/data/sim-report.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const NODES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'] as const;
export const INVARIANTS = ['noFundsLost', 'breachesPunished', 'paymentsEnd', 'balanceConserved'] as const;

export interface SampleOptions {
  scenario?: string;
  description?: string;
  /** Node names to use instead of NODES (to smuggle markup into the page). */
  nodes?: readonly string[];
  violated?: boolean;
  limits?: RecorderLimits;
}

export function sampleReport(options: SampleOptions = {}): SimReport {
  const nodes = options.nodes ?? NODES;
  const recorder = new ReportRecorder(options.limits);
  recorder.declareInvariants(INVARIANTS);
  const durationMs = 10 * DAY;

  recorder.timelineStart('offline', `${nodes[2]} offline`, 1 * DAY);
  recorder.timelineStart('partition', `${nodes[0]},${nodes[1]} | rest`, 2 * DAY);
  recorder.timelineEnd('partition', `${nodes[0]},${nodes[1]} | rest`, 3 * DAY);
  recorder.timelineInstant('breach', `${nodes[1]} broadcasts revoked state 7`, 4 * DAY);
  recorder.timelineInstant('justice', `tower punishes ${nodes[1]}`, 4 * DAY + 2 * HOUR);
  recorder.timelineStart('gateway-outage', 'gateway down', 5 * DAY);
  recorder.timelineEnd('gateway-outage', 'gateway down', 6 * DAY);
  recorder.timelineInstant('reorg', 'reorg of 2 blocks', 6 * DAY + 12 * HOUR);
  recorder.timelineEnd('offline', `${nodes[2]} offline`, 8 * DAY);
  recorder.timelineStart('link-down', `${nodes[3]}-${nodes[4]}`, 9 * DAY);

  // A payment an hour; those sent while carol is offline wait for her.
  for (let hour = 0; hour < 240; hour++) {
    recorder.count('paymentsSent');
    if (hour % 17 === 0) {
      recorder.count('paymentsFailed');
      continue;
    }
    recorder.count('paymentsSettled');
    const waiting = hour >= 24 && hour < 192 && hour % 3 === 0;
    recorder.recordPaymentLatency(waiting ? (192 - hour) * HOUR : 1500 + ((hour * 7919) % 40_000));
  }
  recorder.count('bytesOnAir', 720 * 226);

  nodes.forEach((node, index) => {
    recorder.sampleAirtime(node, 4_000 + index * 5_000, 36_000);
    recorder.sampleAirtime(node, 1_000, 36_000); // a quieter window later: the peak stays
  });

  // Outboxes: carol's neighbours queue frames for her while she is away.
  for (let minute = 0; minute < durationMs / MINUTE; minute += 30) {
    const atMs = minute * MINUTE;
    nodes.forEach((node, index) => {
      const away = atMs >= 1 * DAY && atMs < 8 * DAY && (index === 1 || index === 3);
      const depth = away ? Math.min(40, Math.floor((atMs - DAY) / (4 * HOUR))) : (minute / 30 + index) % 5 === 0 ? 1 : 0;
      if (index !== 5) recorder.sampleOutboxDepth(node, atMs, depth); // frank's outbox is never sampled
    });
  }

  // Balances: each channel (node i to node i+1) starts at 1,000,000 sat on the left and moves right 2,000 sat per payment.
  for (let index = 0; index < nodes.length - 1; index++) {
    const channel = `${nodes[index]}-${nodes[index + 1]}`;
    for (let hour = 0; hour < 240; hour += 6) {
      const movedMsat = Math.floor((hour * (index + 1)) / 6) * 2_000_000;
      recorder.sampleBalance(channel, hour * HOUR, 1_000_000_000 - movedMsat, movedMsat);
    }
  }

  if (options.violated) recorder.violation('balanceConserved', 4 * DAY, `the sum of balances fell by 1,000 msat at ${nodes[1]}\nafter the justice transaction`);
  const facts: RunFacts = {
    scenario: options.scenario ?? 'headline: offline ten days while the counterparty cheats',
    ...(options.description !== undefined ? { description: options.description } : { description: 'Carol goes offline for a week; Bob broadcasts a revoked state; the tower punishes.' }),
    seed: 42,
    eventLogHash: 'b5d4045c3f466fa91fe2cc6abe79232a1a57cdf104f7a26e716e0a1e2789df78',
    virtualDurationMs: durationMs,
    wallClockMs: 12_345,
    events: 1_234_567,
  };
  return recorder.finish(facts);
}
