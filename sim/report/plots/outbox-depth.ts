/**
 * Frames waiting in each node's outboxes over virtual time: the depth grows
 * while a neighbour is out of reach (a partition, a node offline, a duty
 * cycle spent) and drains when it is back. A strip per node, the deepest
 * first, on one scale so that strips compare; each sample is a `<circle
 * data-node data-at-ms data-depth>`.
 */
import { formatNumber } from '../data/format.js';
import type { OutboxPoint, SimReport } from '../data/sim-report.js';
import { emptyNote, plotSvg } from './chart.js';
import type { Plot } from './plot.js';
import { highestScoring, strips, type StripSeries } from './strips.js';

const EMPTY_HEIGHT = 80;

export function outboxDepthPlot(report: SimReport): Plot {
  const all = report.series.outboxDepth;
  const description = 'Outbox depth over time';
  const everWaiting = all.filter((series) => peak(series.points) > 0);
  if (everWaiting.length === 0) {
    const note = all.length === 0 ? 'no outbox was sampled' : 'every outbox stayed empty';
    return {
      svg: plotSvg('outbox-depth', EMPTY_HEIGHT, description, { 'data-series-total': all.length, 'data-series-shown': 0 }, emptyNote(EMPTY_HEIGHT, note)),
      caption: `${note[0]!.toUpperCase()}${note.slice(1)}.`,
    };
  }
  const shown = highestScoring(everWaiting, (series) => peak(series.points), (series) => series.node);
  const series: StripSeries[] = shown.map(({ node, points }) => ({
    name: node,
    note: `up to ${formatNumber(peak(points))}`,
    points: points.map(([atMs, depth]) => ({ atMs, value: depth, data: { 'data-node': node, 'data-at-ms': atMs, 'data-depth': depth }, title: `${node}: ${formatNumber(depth)} waiting` })),
  }));
  const { markup, height } = strips(series, { endMs: report.virtualDurationMs, maxValue: peak(shown[0]!.points) });
  const svg = plotSvg('outbox-depth', height, description, { 'data-series-total': all.length, 'data-series-shown': shown.length }, ...markup);
  const which =
    shown.length < everWaiting.length
      ? `the ${shown.length} deepest of the ${everWaiting.length} nodes whose outboxes ever held frames`
      : `the ${shown.length} node${shown.length === 1 ? '' : 's'} whose outboxes ever held frames`;
  return { svg, caption: `Frames waiting for a neighbour, over virtual time, on one scale: ${which} (of ${all.length} sampled).` };
}

function peak(points: OutboxPoint[]): number {
  return points.reduce((highest, [, depth]) => Math.max(highest, depth), 0);
}
