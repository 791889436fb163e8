/**
 * What every plot of the report shares: the SVG frame (one `<svg
 * data-plot=NAME>` per plot, sized by its viewBox so it scales with the
 * page), linear scales, axes with round ticks (time in minutes, hours and
 * days rather than raw milliseconds), a palette, and a note for a plot with
 * nothing to show.
 */
import { element, fragment, type Attributes, type Child, type Markup } from './markup.js';

export const WIDTH = 880;
export const MARGIN = { left: 64, right: 16, top: 14, bottom: 34 } as const;
export const PLOT_LEFT = MARGIN.left;
export const PLOT_RIGHT = WIDTH - MARGIN.right;

/** Distinct on white and for the common colour-vision deficiencies (Tableau 10's first eight). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7'] as const;

export type Scale = (value: number) => number;

/** Maps [domainStart, domainEnd] onto [rangeStart, rangeEnd]; a zero-width domain maps to the range's start. */
export function linearScale(domainStart: number, domainEnd: number, rangeStart: number, rangeEnd: number): Scale {
  const span = domainEnd - domainStart;
  if (span === 0) return () => rangeStart;
  return (value) => rangeStart + ((value - domainStart) / span) * (rangeEnd - rangeStart);
}

/** A coordinate to a tenth of a pixel: finer adds bytes, not sharpness. */
export function px(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Ticks at 1, 2 or 5 times a power of ten covering [0, max], at most about `count` of them. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough)!;
  const ticks: number[] = [];
  for (let tick = 0; tick < max + step; tick += step) ticks.push(Number(tick.toPrecision(12)));
  return ticks;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND, MINUTE, 2 * MINUTE, 5 * MINUTE,
  10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 5 * DAY, 7 * DAY, 10 * DAY, 14 * DAY, 30 * DAY,
];

/** Ticks on a time axis from 0 to `maxMs`, at a step people count in (15 min, 6 h, 2 d). */
export function timeTicks(maxMs: number, count = 8): number[] {
  if (!(maxMs > 0)) return [0];
  const step = TIME_STEPS.find((candidate) => maxMs / candidate <= count) ?? Math.ceil(maxMs / count / (30 * DAY)) * 30 * DAY;
  const ticks: number[] = [];
  for (let tick = 0; tick <= maxMs; tick += step) ticks.push(tick);
  return ticks;
}

/** A time tick's label: the largest unit that divides it, with the next as needed ("1 d 6 h", "90 s" as "1 min 30 s"). */
export function formatTimeTick(ms: number): string {
  if (ms === 0) return '0';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, name] of [
    [DAY, 'd'],
    [HOUR, 'h'],
    [MINUTE, 'min'],
    [SECOND, 's'],
    [1, 'ms'],
  ] as const) {
    if (rest >= unit) {
      parts.push(`${Math.floor(rest / unit)} ${name}`);
      rest %= unit;
    }
  }
  return parts.slice(0, 2).join(' ');
}

export interface FrameOptions {
  height: number;
  /** Label of the vertical axis. */
  yLabel: string;
  yTicks: number[];
  yScale: Scale;
  formatY: (value: number) => string;
  /** Ticks of the horizontal axis, as [position in pixels, label]; none for a plot that labels its own. */
  xTicks?: [x: number, label: string][];
  xLabel?: string;
}

/** Grid lines, both axes, their ticks and labels. */
export function frame(options: FrameOptions): Markup {
  const bottom = options.height - MARGIN.bottom;
  return fragment(
    element(
      'g',
      { class: 'grid' },
      options.yTicks.map((tick) => element('line', { x1: PLOT_LEFT, x2: PLOT_RIGHT, y1: px(options.yScale(tick)), y2: px(options.yScale(tick)) })),
    ),
    element(
      'g',
      { class: 'axis' },
      element('line', { x1: PLOT_LEFT, x2: PLOT_RIGHT, y1: bottom, y2: bottom }),
      element('line', { x1: PLOT_LEFT, x2: PLOT_LEFT, y1: MARGIN.top, y2: bottom }),
      options.yTicks.map((tick) => element('text', { x: PLOT_LEFT - 6, y: px(options.yScale(tick) + 4), 'text-anchor': 'end' }, options.formatY(tick))),
      (options.xTicks ?? []).map(([x, label]) => element('text', { x: px(x), y: bottom + 16, 'text-anchor': 'middle' }, label)),
      element('text', { class: 'axis-label', x: 14, y: px((MARGIN.top + bottom) / 2), transform: `rotate(-90 14 ${px((MARGIN.top + bottom) / 2)})`, 'text-anchor': 'middle' }, options.yLabel),
      options.xLabel ? element('text', { class: 'axis-label', x: PLOT_RIGHT, y: options.height - 2, 'text-anchor': 'end' }, options.xLabel) : null,
    ),
  );
}

/** The `<svg>` of one plot: `data-plot` names it for readers and tests. */
export function plotSvg(name: string, height: number, description: string, attributes: Attributes, ...children: Child[]): Markup {
  return element(
    'svg',
    { 'data-plot': name, viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-label': description, preserveAspectRatio: 'xMidYMid meet', ...attributes },
    element('title', {}, description),
    ...children,
  );
}

/** Centered text saying why a plot is empty. */
export function emptyNote(height: number, text: string): Markup {
  return element('text', { class: 'empty', x: WIDTH / 2, y: height / 2, 'text-anchor': 'middle' }, text);
}
