/**
 * Each node's busiest duty-cycle window against what the window allows: a
 * bar per node (`<rect data-node data-used-ms data-budget-ms>`), and the
 * limit as a line across (or a mark on each bar when nodes have different
 * limits, as radios on different sub-bands do). A bar turns amber past 80%
 * of its limit and red past it.
 */
import { formatDuration, formatNumber } from '../data/format.js';
import { element } from './markup.js';
import type { AirtimeUse, SimReport } from '../data/sim-report.js';
import { emptyNote, frame, linearScale, MARGIN, niceTicks, PLOT_LEFT, PLOT_RIGHT, plotSvg, px } from './chart.js';
import type { Plot } from './plot.js';

const HEIGHT = 260;
/** Roughly how wide a character of the axis labels is, to label only as many bars as the names fit under. */
const CHARACTER_PX = 6.5;

export function airtimePlot(report: SimReport): Plot {
  const uses = report.series.airtime;
  const description = 'Airtime per node against the duty-cycle limit';
  if (uses.length === 0) {
    return { svg: plotSvg('airtime', HEIGHT, description, {}, emptyNote(HEIGHT, 'no radio link in this run')), caption: 'No node sent on a duty-cycled radio link.' };
  }
  const bottom = HEIGHT - MARGIN.bottom;
  const yTicks = niceTicks(Math.max(...uses.map((use) => Math.max(use.usedMs, use.budgetMs))) * 1.05);
  const y = linearScale(0, yTicks.at(-1)!, bottom, MARGIN.top);
  const slot = (PLOT_RIGHT - PLOT_LEFT) / uses.length;
  const gap = slot > 6 ? Math.min(8, slot * 0.2) : 0;
  const sameLimit = uses.every((use) => use.budgetMs === uses[0]!.budgetMs);
  const labels = uses.map((use) => shorten(use.node));
  const labelEvery = Math.ceil((Math.max(...labels.map((label) => label.length)) * CHARACTER_PX + 8) / slot);
  const xTicks = labels
    .map((label, index): [number, string] => [PLOT_LEFT + (index + 0.5) * slot, label])
    .filter((_, index) => index % labelEvery === 0);
  const shareOf = (use: AirtimeUse): number => (use.budgetMs > 0 ? use.usedMs / use.budgetMs : use.usedMs > 0 ? Infinity : 0);

  const bars = uses.map((use, index) => {
    const share = shareOf(use);
    return element(
      'rect',
      {
        class: share > 1 ? 'over' : share > 0.8 ? 'near' : 'within',
        x: px(PLOT_LEFT + index * slot + gap / 2),
        y: px(y(use.usedMs)),
        width: px(Math.max(0.5, slot - gap)),
        height: px(bottom - y(use.usedMs)),
        'data-node': use.node,
        'data-used-ms': use.usedMs,
        'data-budget-ms': use.budgetMs,
      },
      element('title', {}, `${use.node}: ${formatDuration(use.usedMs)} of ${formatDuration(use.budgetMs)} (${formatNumber(Math.round(share * 1000) / 10)}%)`),
    );
  });
  const limits = sameLimit
    ? element('line', { class: 'limit', x1: PLOT_LEFT, x2: PLOT_RIGHT, y1: px(y(uses[0]!.budgetMs)), y2: px(y(uses[0]!.budgetMs)), 'data-limit-ms': uses[0]!.budgetMs })
    : uses.map((use, index) =>
        element('line', { class: 'limit', x1: px(PLOT_LEFT + index * slot), x2: px(PLOT_LEFT + (index + 1) * slot), y1: px(y(use.budgetMs)), y2: px(y(use.budgetMs)), 'data-limit-ms': use.budgetMs }),
      );
  const svg = plotSvg(
    'airtime',
    HEIGHT,
    description,
    { 'data-nodes': uses.length },
    frame({ height: HEIGHT, yLabel: 'airtime in one window', yTicks, yScale: y, formatY: formatDuration, xTicks, xLabel: labelEvery > 1 ? `${uses.length} nodes (hover a bar for its name)` : undefined }),
    element('g', { class: 'bars' }, bars),
    element('g', {}, limits),
    sameLimit ? element('text', { class: 'limit-label', x: PLOT_RIGHT - 4, y: px(y(uses[0]!.budgetMs) - 5), 'text-anchor': 'end' }, `limit ${formatDuration(uses[0]!.budgetMs)}`) : null,
  );
  const over = uses.filter((use) => use.usedMs > use.budgetMs).length;
  const busiest = uses.reduce((a, b) => (shareOf(b) > shareOf(a) ? b : a));
  return {
    svg,
    caption:
      `The most airtime each node spent in any one duty-cycle window, against the limit (the dashed line). ` +
      `Busiest: ${busiest.node}, ${formatDuration(busiest.usedMs)} of ${formatDuration(busiest.budgetMs)}.` +
      (over > 0 ? ` ${over} node${over === 1 ? '' : 's'} went over the limit.` : ''),
  };
}

function shorten(name: string): string {
  return name.length > 10 ? `${name.slice(0, 9)}…` : name;
}
