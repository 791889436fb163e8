/**
 * The report as one HTML page a person can open anywhere, offline, or mail
 * to someone: a verdict and the run's identity at the top (scenario, seed,
 * event-log hash, each invariant held or violated, the key figures), the
 * violations if any, then the five plots as inline SVG drawn here, so the
 * page needs no script, font or file from anywhere. Its Content Security
 * Policy forbids every fetch and every script, so even a mistake in escaping
 * could not make the page run code or call out.
 */
import { formatDuration, formatFigure, formatNumber, humanizeName, untriedNote } from './data/format.js';
import { element, fragment, Markup } from './plots/markup.js';
import { airtimePlot } from './plots/airtime.js';
import { balancesPlot } from './plots/balances.js';
import { latencyHistogram } from './plots/latency-histogram.js';
import { outboxDepthPlot } from './plots/outbox-depth.js';
import type { Plot } from './plots/plot.js';
import { timelinePlot } from './plots/timeline.js';
import type { SimReport } from './data/sim-report.js';

/** The figures worth a card at the top, in this order, when the run has them. */
const KEY_FIGURES = ['paymentsSent', 'paymentsSettled', 'paymentsFailed', 'latencyP50Ms', 'latencyP90Ms', 'latencyP99Ms', 'bytesOnAir', 'breaches', 'justiceTransactions'];
const MAX_CARDS = 8;
const MAX_VIOLATIONS_LISTED = 100;

const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --held: #1a7f37; --held-bg: #dafbe1; --violated: #cf222e; --violated-bg: #ffebe9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #f6f8fa; }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 40px; }
header, section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin-bottom: 16px; }
.kicker { margin: 0; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .06em; }
h1 { margin: 2px 0 6px; font-size: 24px; overflow-wrap: anywhere; }
h2 { margin: 0 0 4px; font-size: 17px; }
.description { margin: 0 0 12px; color: var(--muted); white-space: pre-wrap; }
.verdict { margin: 0 0 12px; padding: 8px 12px; border-radius: 6px; font-weight: 600; }
.verdict.held { background: var(--held-bg); color: var(--held); }
.verdict.violated { background: var(--violated-bg); color: var(--violated); }
.untried { margin: 0 0 12px; padding: 8px 12px; border-radius: 6px; background: #fff8c5; color: #7d4e00; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 12px; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
code, .hash { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; overflow-wrap: anywhere; }
.invariants { list-style: none; padding: 0; margin: 0 0 12px; display: flex; flex-wrap: wrap; gap: 8px; }
.invariants li { padding: 4px 10px; border-radius: 999px; font-weight: 600; }
.invariants li.held { background: var(--held-bg); color: var(--held); }
.invariants li.violated { background: var(--violated-bg); color: var(--violated); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 8px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.card .value { font-size: 20px; font-weight: 600; }
.card .name { color: var(--muted); font-size: 12px; }
.caption { margin: 0 0 8px; color: var(--muted); }
.violations { border-color: var(--violated); }
.violations h2 { color: var(--violated); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eef1f4; vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
svg { display: block; width: 100%; height: auto; }
svg text { font-size: 11px; fill: var(--muted); }
svg .axis line { stroke: #8c959f; }
svg .grid line { stroke: #eef1f4; }
svg .axis-label { font-style: italic; }
svg .empty { font-size: 14px; }
svg .bars rect { fill: #4e79a7; }
svg .bars rect.near { fill: #f28e2b; }
svg .bars rect.over { fill: var(--violated); }
svg .limit { stroke: var(--violated); stroke-width: 1.5; stroke-dasharray: 6 4; }
svg .limit-label { fill: var(--violated); }
svg .markers line { stroke: var(--ink); stroke-dasharray: 3 3; }
svg .markers text { fill: var(--ink); }
svg .strip path { stroke-width: 1.4; }
svg .strip path.area { fill-opacity: .22; stroke: none; }
svg .strip-name { fill: var(--ink); }
svg .row { fill: #f6f8fa; }
svg .row-label { fill: var(--ink); }
svg .entry { stroke: rgba(0,0,0,.25); }
svg .entry.open { fill-opacity: .45; stroke-dasharray: 4 3; stroke: var(--ink); }
svg .entry-label { fill: var(--ink); }
svg .partition { fill: #b07aa1; }
svg .link-down { fill: #f28e2b; }
svg .offline { fill: #8c959f; }
svg .gateway-outage { fill: #edc948; }
svg .tower-outage { fill: #f28e2b; }
svg .force-close { fill: #76b7b2; }
svg .breach { fill: var(--violated); }
svg .justice { fill: var(--held); }
svg .reorg { fill: #4e79a7; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 6px 0 0; color: var(--muted); font-size: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
footer { color: var(--muted); font-size: 12px; text-align: center; }
`;

export function reportHtml(report: SimReport): string {
  const plots: [id: string, heading: string, plot: Plot][] = [
    ['timeline', 'Timeline', timelinePlot(report)],
    ['latency', 'Payment latency', latencyHistogram(report)],
    ['airtime', 'Airtime and the duty cycle', airtimePlot(report)],
    ['outbox', 'Outbox depth', outboxDepthPlot(report)],
    ['balances', 'Channel balances', balancesPlot(report)],
  ];
  const page = element(
    'html',
    { lang: 'en' },
    element(
      'head',
      {},
      element('meta', { charset: 'utf-8' }),
      element('meta', { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }),
      element('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
      element('title', {}, `${report.scenario}: lnmesh simulation report`),
      element('style', {}, new Markup(STYLE)),
    ),
    element(
      'body',
      {},
      element(
        'main',
        {},
        header(report),
        violations(report),
        plots.map(([id, heading, plot]) => element('section', { id }, element('h2', {}, heading), element('p', { class: 'caption' }, plot.caption), plot.svg, plot.legend)),
        allFigures(report),
        element('footer', {}, 'Written by lnmesh sim. report.json, beside this page, holds every figure and series.'),
      ),
    ),
  );
  return `<!doctype html>\n${page.html}\n`;
}

function header(report: SimReport): Markup {
  const invariants = Object.entries(report.invariants);
  const violated = invariants.filter(([, status]) => status === 'violated').length;
  const verdict =
    invariants.length === 0
      ? element('p', { class: 'verdict violated' }, 'No invariant was checked.')
      : violated === 0
        ? element('p', { class: 'verdict held', 'data-verdict': 'held' }, `✓ All ${invariants.length} invariants held.`)
        : element('p', { class: 'verdict violated', 'data-verdict': 'violated' }, `✗ ${violated} of ${invariants.length} invariants violated.`);
  const speed = report.wallClockMs > 0 ? `${formatNumber(Math.round(report.virtualDurationMs / report.wallClockMs))}× real time` : undefined;
  return element(
    'header',
    {},
    element('p', { class: 'kicker' }, 'lnmesh simulation report'),
    element('h1', { 'data-scenario': report.scenario }, report.scenario),
    report.description ? element('p', { class: 'description' }, report.description) : null,
    verdict,
    untried(report),
    element(
      'ul',
      { class: 'invariants' },
      invariants.map(([name, status]) => element('li', { class: status, 'data-invariant': name, 'data-status': status, title: name }, `${status === 'held' ? '✓' : '✗'} ${humanizeName(name)}`)),
    ),
    element(
      'dl',
      { class: 'facts' },
      fact('seed', element('code', {}, String(report.seed))),
      fact('event log hash', element('code', { class: 'hash', 'data-event-log-hash': report.eventLogHash }, report.eventLogHash)),
      fact('virtual time', formatDuration(report.virtualDurationMs)),
      fact('wall clock', speed ? `${formatDuration(report.wallClockMs)} (${speed})` : formatDuration(report.wallClockMs)),
      fact('events', formatNumber(report.events)),
    ),
    element(
      'div',
      { class: 'cards' },
      keyFigures(report.figures).map(([name, value]) =>
        element('div', { class: 'card', 'data-figure': name, title: name }, element('div', { class: 'value' }, formatFigure(name, value)), element('div', { class: 'name' }, humanizeName(name))),
      ),
    ),
  );
}

/** Channels that never opened and payments that could never be made, said beside the verdict: all green can hide them. */
function untried(report: SimReport): Markup | null {
  const note = untriedNote(report.figures);
  return note === undefined ? null : element('p', { class: 'untried', 'data-untried': true }, note);
}

function fact(term: string, definition: Markup | string): Markup {
  return fragment(element('dt', {}, term), element('dd', {}, definition));
}

function keyFigures(figures: Record<string, number>): [string, number][] {
  const names = [...KEY_FIGURES.filter((name) => name in figures), ...Object.keys(figures).filter((name) => !KEY_FIGURES.includes(name))];
  return names.slice(0, MAX_CARDS).map((name) => [name, figures[name]!]);
}

function violations(report: SimReport): Markup | null {
  if (report.violations.length === 0) return null;
  const notListed = (report.figures.violationsNotListed ?? 0) + Math.max(0, report.violations.length - MAX_VIOLATIONS_LISTED);
  return element(
    'section',
    { class: 'violations', id: 'violations' },
    element('h2', {}, `Violations (${formatNumber(report.violations.length + (report.figures.violationsNotListed ?? 0))})`),
    element(
      'table',
      {},
      element('thead', {}, element('tr', {}, element('th', {}, 'at'), element('th', {}, 'invariant'), element('th', {}, 'what happened'))),
      element(
        'tbody',
        {},
        report.violations
          .slice(0, MAX_VIOLATIONS_LISTED)
          .map((violation) =>
            element(
              'tr',
              { 'data-violation': violation.invariant },
              element('td', { class: 'number' }, formatDuration(violation.atMs)),
              element('td', {}, element('code', {}, violation.invariant)),
              element('td', {}, violation.detail),
            ),
          ),
      ),
    ),
    notListed > 0 ? element('p', { class: 'caption' }, `... and ${formatNumber(notListed)} more, not listed here.`) : null,
  );
}

function allFigures(report: SimReport): Markup {
  const figures = Object.entries(report.figures);
  return element(
    'section',
    { id: 'figures' },
    element('h2', {}, 'Every figure'),
    figures.length === 0
      ? element('p', { class: 'caption' }, 'No figure was recorded.')
      : element(
          'table',
          {},
          element(
            'tbody',
            {},
            figures.map(([name, value]) =>
              element('tr', {}, element('td', {}, humanizeName(name)), element('td', {}, element('code', {}, name)), element('td', { class: 'number', 'data-value': value }, formatFigure(name, value))),
            ),
          ),
        ),
  );
}
