/**
 * How long payments took, as a histogram whose bins widen by two to three
 * times each (1 s, 2 s, 5 s, 10 s, ... 1 h, 2 h, 6 h, 1 d): a mesh's
 * latencies run from seconds over a good radio link to days behind a
 * partition, and equal bins would crush one end or the other. Vertical lines
 * mark p50, p90 and p99. Each bar is a `<rect data-bin-start-ms
 * data-bin-end-ms data-count>`.
 */
import { formatDuration, formatNumber } from '../data/format.js';
import { element, fragment } from './markup.js';
import type { SimReport } from '../data/sim-report.js';
import { emptyNote, formatTimeTick, frame, linearScale, MARGIN, niceTicks, PLOT_LEFT, PLOT_RIGHT, plotSvg, px } from './chart.js';
import type { Plot } from './plot.js';

const HEIGHT = 260;
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const EDGES = [
  0, 1, 2, 5, 10, 20, 50, 100, 200, 500, SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 20 * SECOND, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE,
  20 * MINUTE, HOUR, 2 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 5 * DAY, 10 * DAY, 20 * DAY, 50 * DAY, 100 * DAY,
];

export interface LatencyBin {
  startMs: number;
  endMs: number;
  count: number;
}

/** The bins from the one holding the shortest latency to the one holding the longest, empty ones between included. */
export function latencyBins(latenciesMs: readonly number[]): LatencyBin[] {
  if (latenciesMs.length === 0) return [];
  const longest = latenciesMs.reduce((a, b) => Math.max(a, b));
  const shortest = latenciesMs.reduce((a, b) => Math.min(a, b));
  const edges = [...EDGES];
  while (edges.at(-1)! <= longest) edges.push(edges.at(-1)! * 2);
  let first = 0;
  while (edges[first + 1]! <= shortest) first++;
  const last = edges.findIndex((edge) => edge > longest);
  const bins: LatencyBin[] = [];
  for (let index = first; index < last; index++) bins.push({ startMs: edges[index]!, endMs: edges[index + 1]!, count: 0 });
  for (const latency of latenciesMs) bins.find((bin) => latency < bin.endMs)!.count++;
  return bins;
}

export function latencyHistogram(report: SimReport): Plot {
  const latencies = report.series.paymentLatenciesMs;
  const total = report.figures.latencyCount ?? latencies.length;
  const description = 'Payment latency distribution';
  if (latencies.length === 0) {
    return { svg: plotSvg('latency-histogram', HEIGHT, description, {}, emptyNote(HEIGHT, 'no payment settled')), caption: 'No payment settled in this run.' };
  }
  const bins = latencyBins(latencies);
  const bottom = HEIGHT - MARGIN.bottom;
  const yTicks = niceTicks(Math.max(...bins.map((bin) => bin.count)));
  // The top 30 px hold the percentile labels, above the tallest bar.
  const y = linearScale(0, yTicks.at(-1)!, bottom, MARGIN.top + 30);
  const binWidth = (PLOT_RIGHT - PLOT_LEFT) / bins.length;
  const labelEvery = Math.ceil(bins.length / 12);
  const xTicks: [number, string][] = [...bins.map((bin) => bin.startMs), bins.at(-1)!.endMs]
    .map((edge, index): [number, string] => [PLOT_LEFT + index * binWidth, formatTimeTick(edge)])
    .filter((_, index) => index % labelEvery === 0);

  /** Where a latency falls on the axis: in proportion inside its bin, logarithmically (linearly in the first bin from 0). */
  const xOf = (latencyMs: number): number => {
    const index = Math.max(0, bins.findIndex((bin) => latencyMs < bin.endMs));
    const bin = bins[index]!;
    const within = bin.startMs === 0 ? latencyMs / bin.endMs : Math.log(latencyMs / bin.startMs) / Math.log(bin.endMs / bin.startMs);
    return PLOT_LEFT + (index + Math.min(1, Math.max(0, within))) * binWidth;
  };
  const percentiles = (['P50', 'P90', 'P99'] as const)
    .map((name) => [name, report.figures[`latency${name}Ms`]] as const)
    .filter((entry): entry is readonly ['P50' | 'P90' | 'P99', number] => entry[1] !== undefined);

  const svg = plotSvg(
    'latency-histogram',
    HEIGHT,
    description,
    { 'data-payments': total, 'data-samples': latencies.length },
    frame({ height: HEIGHT, yLabel: 'payments', yTicks, yScale: y, formatY: formatNumber, xTicks, xLabel: 'time from send to settle' }),
    element(
      'g',
      { class: 'bars' },
      bins.map((bin, index) =>
        element(
          'rect',
          {
            x: px(PLOT_LEFT + index * binWidth + 1),
            y: px(y(bin.count)),
            width: px(Math.max(1, binWidth - 2)),
            height: px(bottom - y(bin.count)),
            'data-bin-start-ms': bin.startMs,
            'data-bin-end-ms': bin.endMs,
            'data-count': bin.count,
          },
          element('title', {}, `${formatTimeTick(bin.startMs)} to ${formatTimeTick(bin.endMs)}: ${formatNumber(bin.count)} payments`),
        ),
      ),
    ),
    element(
      'g',
      { class: 'markers' },
      percentiles.map(([name, value], index) =>
        fragment(
          element('line', { x1: px(xOf(value)), x2: px(xOf(value)), y1: MARGIN.top + index * 10, y2: bottom, 'data-percentile': name.toLowerCase(), 'data-value-ms': value }),
          // Staggered, so that close percentiles do not write over each other.
          element('text', { x: px(xOf(value) + 3), y: MARGIN.top + 8 + index * 10 }, name.toLowerCase()),
        ),
      ),
    ),
  );
  const sampled = latencies.length < total ? ` (an even sample of ${formatNumber(latencies.length)} of the ${formatNumber(total)} settled)` : '';
  const legend = element('p', { class: 'legend' }, percentiles.map(([name, value]) => element('span', {}, `${name.toLowerCase()} ${formatDuration(value)}`)));
  return { svg, legend, caption: `How long each settled payment took${sampled}; the lines mark p50, p90 and p99 over all of them.` };
}
