/**
 * Values that hold until they change (an outbox's depth, a channel's
 * balance) as small multiples: one strip per series, stacked over a shared
 * time axis, each a filled step line on a shared vertical scale. Strips stay
 * readable where eight overlapping lines of a busy mesh would not. Each
 * sample is a `<circle>` carrying its `data-*` values.
 */
import { element, type Attributes, type Markup } from './markup.js';
import { formatTimeTick, linearScale, MARGIN, PALETTE, PLOT_RIGHT, px, timeTicks } from './chart.js';

/** A page shows this many strips at most: the callers pick the series that say most. */
export const MAX_STRIPS = PALETTE.length;
const STRIP_HEIGHT = 40;
const STRIP_GAP = 6;
/** Room for a series' name and its note on the left. */
const STRIPS_LEFT = 130;
const CHARACTER_PX = 6.5;

export interface StripPoint {
  atMs: number;
  value: number;
  /** The sample's `data-*` attributes. */
  data: Attributes;
  /** Shown on hover. */
  title: string;
}

export interface StripSeries {
  name: string;
  /** A word on the series under its name ("up to 30", "ends at 62%"). */
  note: string;
  points: StripPoint[];
}

export interface StripsOptions {
  endMs: number;
  /** The top of every strip's scale (the bottom is 0). */
  maxValue: number;
}

/** The strips and the time axis under them, and the height they take. */
export function strips(series: StripSeries[], options: StripsOptions): { markup: Markup[]; height: number } {
  const endMs = series.reduce((latest, strip) => Math.max(latest, strip.points.at(-1)?.atMs ?? 0), options.endMs);
  const x = linearScale(0, endMs, STRIPS_LEFT, PLOT_RIGHT);
  const markup = series.map((strip, index) => {
    const top = MARGIN.top + index * (STRIP_HEIGHT + STRIP_GAP);
    const scale = linearScale(0, options.maxValue, top + STRIP_HEIGHT, top + 2);
    // A value off the scale (a negative balance would be a bug worth seeing) is drawn at the strip's edge, not over its neighbours.
    const y = (value: number) => scale(Math.min(options.maxValue, Math.max(0, value)));
    const colour = PALETTE[index % PALETTE.length]!;
    const line = stepPath(strip.points, x, y, endMs);
    const baseline = px(top + STRIP_HEIGHT);
    return element(
      'g',
      { class: 'strip', 'data-series': strip.name },
      element('rect', { class: 'row', x: STRIPS_LEFT, y: top, width: PLOT_RIGHT - STRIPS_LEFT, height: STRIP_HEIGHT }),
      element('text', { class: 'strip-name', x: STRIPS_LEFT - 8, y: top + 16, 'text-anchor': 'end' }, shorten(strip.name)),
      element('text', { class: 'strip-note', x: STRIPS_LEFT - 8, y: top + 31, 'text-anchor': 'end' }, strip.note),
      line ? element('path', { class: 'area', d: `${line}V${baseline}H${px(x(strip.points[0]!.atMs))}Z`, fill: colour }) : null,
      line ? element('path', { d: line, fill: 'none', stroke: colour }) : null,
      strip.points.map((point) => element('circle', { cx: px(x(point.atMs)), cy: px(y(point.value)), r: 1.6, fill: colour, ...point.data }, element('title', {}, point.title))),
    );
  });
  const axisY = MARGIN.top + series.length * (STRIP_HEIGHT + STRIP_GAP);
  const height = axisY + MARGIN.bottom;
  markup.push(
    element(
      'g',
      { class: 'axis' },
      element('line', { x1: STRIPS_LEFT, x2: PLOT_RIGHT, y1: axisY, y2: axisY }),
      timeTicks(endMs).map((tick) => element('text', { x: px(x(tick)), y: axisY + 16, 'text-anchor': 'middle' }, formatTimeTick(tick))),
      element('text', { class: 'axis-label', x: PLOT_RIGHT, y: height - 2, 'text-anchor': 'end' }, 'virtual time'),
    ),
  );
  return { markup, height };
}

/** The `count` items with the highest score, ties broken by name, in that order. */
export function highestScoring<Item>(items: readonly Item[], score: (item: Item) => number, name: (item: Item) => string, count = MAX_STRIPS): Item[] {
  return [...items].sort((a, b) => score(b) - score(a) || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0)).slice(0, count);
}

/** Horizontal while a value holds, vertical where it changes, on to the end of the run. */
function stepPath(points: StripPoint[], x: (value: number) => number, y: (value: number) => number, endMs: number): string {
  if (points.length === 0) return '';
  const [first, ...rest] = points;
  let d = `M${px(x(first!.atMs))} ${px(y(first!.value))}`;
  for (const point of rest) d += `H${px(x(point.atMs))}V${px(y(point.value))}`;
  return `${d}H${px(x(endMs))}`;
}

function shorten(name: string): string {
  const fits = Math.floor((STRIPS_LEFT - 12) / CHARACTER_PX);
  return name.length > fits ? `${name.slice(0, fits - 1)}…` : name;
}
