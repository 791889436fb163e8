/**
 * Channel balances over virtual time, as the first node's share of what the
 * channel holds (local / (local + remote)): channels of different sizes
 * share one scale, and a payment shows as a step down on the payer's
 * channel. A strip per channel, those whose balance moved most first; each
 * sample is a `<circle data-channel data-at-ms data-local-msat
 * data-remote-msat>`, amounts exact.
 */
import { formatNumber } from '../data/format.js';
import type { BalancePoint, SimReport } from '../data/sim-report.js';
import { emptyNote, plotSvg } from './chart.js';
import type { Plot } from './plot.js';
import { highestScoring, strips, type StripSeries } from './strips.js';

const EMPTY_HEIGHT = 80;

export function balancesPlot(report: SimReport): Plot {
  const all = report.series.balances;
  const description = 'Channel balances over time';
  if (all.length === 0) {
    return {
      svg: plotSvg('balances', EMPTY_HEIGHT, description, { 'data-series-total': 0, 'data-series-shown': 0 }, emptyNote(EMPTY_HEIGHT, 'no channel was sampled')),
      caption: 'No channel balance was sampled.',
    };
  }
  const shown = highestScoring(all, (series) => swing(series.points), (series) => series.channel);
  const series: StripSeries[] = shown.map(({ channel, points }) => {
    const last = points.at(-1);
    return {
      name: channel,
      note: last ? `ends at ${Math.round(localShare(last[1], last[2]))}%` : '',
      points: points.map(([atMs, localMsat, remoteMsat]) => ({
        atMs,
        value: localShare(localMsat, remoteMsat),
        data: { 'data-channel': channel, 'data-at-ms': atMs, 'data-local-msat': localMsat, 'data-remote-msat': remoteMsat },
        title: `${channel}: ${formatNumber(localMsat / 1000)} sat local, ${formatNumber(remoteMsat / 1000)} sat remote`,
      })),
    };
  });
  const { markup, height } = strips(series, { endMs: report.virtualDurationMs, maxValue: 100 });
  const svg = plotSvg('balances', height, description, { 'data-series-total': all.length, 'data-series-shown': shown.length }, ...markup);
  const which = shown.length < all.length ? `the ${shown.length} channels whose balance moved most, of ${all.length}` : `${all.length} channel${all.length === 1 ? '' : 's'}`;
  return { svg, caption: `The first node's share of each channel's balance (0 to 100%) over virtual time: ${which}. Hover a point for the amounts.` };
}

/** Percent of the channel on the local side; an empty channel counts as 0. */
function localShare(localMsat: number, remoteMsat: number): number {
  const total = localMsat + remoteMsat;
  return total > 0 ? (localMsat / total) * 100 : 0;
}

/** How far the local share moved over the run, in points of percent. */
function swing(points: BalancePoint[]): number {
  return points.length === 0 ? 0 : points.reduce((highest, [, local, remote]) => Math.max(highest, localShare(local, remote)), 0) - points.reduce((lowest, [, local, remote]) => Math.min(lowest, localShare(local, remote)), 100);
}
