/**
 * What a report page must show of a report, checked on its HTML: used on
 * the page as `reportHtml` writes it and on the DOM Chromium builds from it.
 */
import type { Test } from 'tap';
import type { SimReport } from '../../../sim/report/data/sim-report.js';
import { elementsWith, plotsIn } from './page-elements.js';

export const PLOT_NAMES = ['timeline', 'latency-histogram', 'airtime', 'outbox-depth', 'balances'] as const;

/** Each plot is there, with one element per bar, point or entry of the report's data. */
export function checkPlots(t: Test, html: string, report: SimReport): void {
  const plots = plotsIn(html);
  t.same([...plots.keys()].sort(), [...PLOT_NAMES].sort(), 'one <svg data-plot> per plot');

  const bars = elementsWith(plots.get('latency-histogram') ?? '', 'data-count');
  t.ok(bars.length > 0, `${bars.length} latency bins`);
  t.equal(
    bars.reduce((sum, bar) => sum + Number(bar['data-count']), 0),
    report.series.paymentLatenciesMs.length,
    'the latency bins count every kept latency once',
  );

  const airtime = elementsWith(plots.get('airtime') ?? '', 'data-used-ms');
  t.same(
    airtime.map((bar) => [bar['data-node'], Number(bar['data-used-ms']), Number(bar['data-budget-ms'])]),
    report.series.airtime.map((use) => [use.node, use.usedMs, use.budgetMs]),
    'one airtime bar per node, with its use and its limit',
  );

  const depths = elementsWith(plots.get('outbox-depth') ?? '', 'data-depth');
  const shownNodes = [...new Set(depths.map((point) => point['data-node']!))];
  t.ok(shownNodes.length > 0, `outbox lines for ${shownNodes.join(', ')}`);
  for (const node of shownNodes) {
    const series = report.series.outboxDepth.find((candidate) => candidate.node === node)!;
    t.same(
      depths.filter((point) => point['data-node'] === node).map((point) => [Number(point['data-at-ms']), Number(point['data-depth'])]),
      series.points,
      `every outbox sample of ${node}`,
    );
  }

  const balances = elementsWith(plots.get('balances') ?? '', 'data-local-msat');
  const shownChannels = [...new Set(balances.map((point) => point['data-channel']!))];
  t.ok(shownChannels.length > 0, `balance lines for ${shownChannels.join(', ')}`);
  for (const channel of shownChannels) {
    const series = report.series.balances.find((candidate) => candidate.channel === channel)!;
    t.same(
      balances.filter((point) => point['data-channel'] === channel).map((point) => [Number(point['data-at-ms']), Number(point['data-local-msat']), Number(point['data-remote-msat'])]),
      series.points,
      `every balance sample of ${channel}`,
    );
  }

  const entries = elementsWith(plots.get('timeline') ?? '', 'data-kind');
  t.same(
    entries.map((entry) => [entry['data-kind'], entry['data-label'], Number(entry['data-start-ms']), entry['data-end-ms'] === undefined ? undefined : Number(entry['data-end-ms'])]).sort(),
    report.series.timeline.map((entry) => [entry.kind, entry.label, entry.startMs, entry.endMs]).sort(),
    'one timeline element per entry, open ones without an end',
  );
}
