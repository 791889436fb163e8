/**
 * What happened to the mesh, Gantt-like: a row per kind (partitions, links
 * down, nodes offline, gateway outages, breaches, justice, reorgs), a bar per
 * span from its start to its end (to the end of the run, pale and dashed, if it
 * never ended), a diamond per instant. Overlapping entries of one kind go on lanes
 * of their own, labels included, so nothing is drawn over anything else.
 * Each entry is a `<rect>` or `<polygon>` with `data-kind data-label
 * data-start-ms` and, when it ended, `data-end-ms`.
 */
import { formatDuration } from '../data/format.js';
import { element, fragment, type Markup } from './markup.js';
import { TIMELINE_KINDS, type SimReport, type TimelineEntry, type TimelineKind } from '../data/sim-report.js';
import { emptyNote, formatTimeTick, linearScale, MARGIN, PLOT_RIGHT, plotSvg, px, timeTicks, WIDTH } from './chart.js';
import type { Plot } from './plot.js';

const LANE_HEIGHT = 20;
const ROW_GAP = 8;
const CHARACTER_PX = 6.5;
/** Past this many lanes in a row, labels are dropped (entries stay, with their titles on hover). */
const MAX_LABELLED_LANES = 6;
const DIAMOND = 6;
/** Wider than the other plots' margin: the rows are named ("gateway outage") rather than numbered. */
const TIMELINE_LEFT = 110;

export const KIND_NAMES: Record<TimelineKind, string> = {
  partition: 'partition',
  'link-down': 'link down',
  offline: 'node offline',
  'gateway-outage': 'gateway outage',
  'tower-outage': 'tower outage',
  flood: 'flood',
  'force-close': 'force close',
  breach: 'breach',
  justice: 'justice',
  reorg: 'reorg',
};

interface Placed {
  entry: TimelineEntry;
  lane: number;
  startX: number;
  endX: number;
  label: 'none' | 'inside' | 'right' | 'left';
}

export function timelinePlot(report: SimReport): Plot {
  const entries = report.series.timeline;
  const description = 'Timeline of partitions, outages and breaches';
  if (entries.length === 0) {
    const height = 80;
    return { svg: plotSvg('timeline', height, description, { 'data-entries': 0 }, emptyNote(height, 'no partition, outage, breach or reorg')), caption: 'Nothing happened to the mesh: no partition, outage, breach or reorg.' };
  }
  const endMs = entries.reduce((latest, entry) => Math.max(latest, entry.endMs ?? entry.startMs), report.virtualDurationMs);
  const x = linearScale(0, endMs, TIMELINE_LEFT, PLOT_RIGHT);
  const rows = TIMELINE_KINDS.filter((kind) => entries.some((entry) => entry.kind === kind)).map((kind) => placeOnLanes(entries.filter((entry) => entry.kind === kind), x, endMs));

  let top = MARGIN.top;
  const drawn: Markup[] = [];
  for (const row of rows) {
    const lanes = Math.max(...row.map((placed) => placed.lane)) + 1;
    const rowHeight = lanes * LANE_HEIGHT;
    const kind = row[0]!.entry.kind;
    drawn.push(
      element('rect', { class: 'row', x: TIMELINE_LEFT, y: top, width: PLOT_RIGHT - TIMELINE_LEFT, height: rowHeight }),
      element('text', { class: 'row-label', x: TIMELINE_LEFT - 8, y: px(top + LANE_HEIGHT / 2 + 4), 'text-anchor': 'end' }, KIND_NAMES[kind]),
      ...row.map((placed) => drawEntry(placed, top + placed.lane * LANE_HEIGHT)),
    );
    top += rowHeight + ROW_GAP;
  }
  const axisY = top;
  const height = axisY + MARGIN.bottom;
  const axis = element(
    'g',
    { class: 'axis' },
    element('line', { x1: TIMELINE_LEFT, x2: PLOT_RIGHT, y1: axisY, y2: axisY }),
    timeTicks(endMs).map((tick) => element('text', { x: px(x(tick)), y: axisY + 16, 'text-anchor': 'middle' }, formatTimeTick(tick))),
    element('text', { class: 'axis-label', x: PLOT_RIGHT, y: height - 2, 'text-anchor': 'end' }, 'virtual time'),
  );
  const svg = plotSvg('timeline', height, description, { 'data-entries': entries.length }, element('g', {}, drawn), axis);
  const dropped = report.figures.timelineEntriesDropped;
  return {
    svg,
    caption:
      'What happened to the mesh over virtual time: bars for what lasted (pale, with a dashed outline, if it had not ended when the run did), diamonds for moments.' +
      (dropped ? ` ${dropped} later entries were not kept.` : ''),
  };
}

/** Greedy lanes: each entry (with its label, while labels fit) on the first lane free at its start. */
function placeOnLanes(entries: TimelineEntry[], x: (ms: number) => number, runEndMs: number): Placed[] {
  const sorted = [...entries].sort((a, b) => a.startMs - b.startMs);
  const place = (withLabels: boolean): Placed[] => {
    const laneEnds: number[] = [];
    return sorted.map((entry) => {
      const startX = x(entry.startMs);
      const endX = entry.endMs === entry.startMs ? startX : x(entry.endMs ?? runEndMs);
      const instant = entry.endMs === entry.startMs;
      const occupiedFrom = instant ? startX - DIAMOND : startX;
      const barEnd = instant ? startX + DIAMOND : endX;
      const labelWidth = entry.label.length * CHARACTER_PX + 4;
      // Inside a bar wide enough, else after it, else (at the right edge) before it.
      const label = !withLabels ? 'none' : !instant && endX - startX >= labelWidth + 4 ? 'inside' : barEnd + labelWidth <= WIDTH ? 'right' : 'left';
      const from = label === 'left' ? occupiedFrom - labelWidth : occupiedFrom;
      const to = label === 'right' ? barEnd + labelWidth : barEnd;
      let lane = laneEnds.findIndex((laneEnd) => laneEnd + 2 <= from);
      if (lane < 0) lane = laneEnds.push(0) - 1;
      laneEnds[lane] = to;
      return { entry, lane, startX, endX, label };
    });
  };
  const labelled = place(true);
  return Math.max(...labelled.map((placed) => placed.lane)) < MAX_LABELLED_LANES ? labelled : place(false);
}

function drawEntry(placed: Placed, laneTop: number): Markup {
  const { entry, startX, endX } = placed;
  const middle = laneTop + LANE_HEIGHT / 2;
  const data = { 'data-kind': entry.kind, 'data-label': entry.label, 'data-start-ms': entry.startMs, 'data-end-ms': entry.endMs };
  const when =
    entry.endMs === undefined
      ? `from ${formatDuration(entry.startMs)} to the end of the run`
      : entry.endMs === entry.startMs
        ? `at ${formatDuration(entry.startMs)}`
        : `from ${formatDuration(entry.startMs)} for ${formatDuration(entry.endMs - entry.startMs)}`;
  const title = element('title', {}, `${KIND_NAMES[entry.kind]}: ${entry.label}, ${when}`);
  if (entry.endMs === entry.startMs) {
    const points = [
      [startX, middle - DIAMOND],
      [startX + DIAMOND, middle],
      [startX, middle + DIAMOND],
      [startX - DIAMOND, middle],
    ]
      .map(([pointX, pointY]) => `${px(pointX!)},${px(pointY!)}`)
      .join(' ');
    return fragment(element('polygon', { class: `entry ${entry.kind}`, points, ...data }, title), label(placed, startX - DIAMOND, startX + DIAMOND, middle));
  }
  const width = Math.max(2, endX - startX);
  return fragment(
    element('rect', { class: `entry ${entry.kind}${entry.endMs === undefined ? ' open' : ''}`, x: px(startX), y: laneTop + 3, width: px(width), height: LANE_HEIGHT - 6, rx: 3, ...data }, title),
    label(placed, startX, startX + width, middle),
  );
}

function label(placed: Placed, fromX: number, toX: number, middle: number): Markup | null {
  const y = px(middle + 4);
  switch (placed.label) {
    case 'none':
      return null;
    case 'inside':
      return element('text', { class: 'entry-label inside', x: px(fromX + 4), y }, placed.entry.label);
    case 'right':
      return element('text', { class: 'entry-label', x: px(toX + 4), y }, placed.entry.label);
    case 'left':
      return element('text', { class: 'entry-label', x: px(fromX - 4), y, 'text-anchor': 'end' }, placed.entry.label);
  }
}
