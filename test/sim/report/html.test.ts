import t from 'tap';
import { reportHtml } from '../../../sim/report/html.js';
import { ReportRecorder } from '../../../sim/report/data/report-recorder.js';
import { elementsWith, plotsIn } from './page-elements.js';
import { checkPlots, PLOT_NAMES } from './page-checks.js';
import { sampleReport } from './sample-report.js';

const HOSTILE = '<script>alert("x")</script>';

t.test('the page draws every plot from the report, one element per datum', async (t) => {
  const report = sampleReport();
  checkPlots(t, reportHtml(report), report);
});

t.test('the header names the run: scenario, seed, event-log hash, each invariant coloured by its status', async (t) => {
  const report = sampleReport({ violated: true });
  const html = reportHtml(report);
  t.match(html, '<h1 data-scenario="headline: offline ten days while the counterparty cheats">headline: offline ten days while the counterparty cheats</h1>');
  t.match(html, `<code class="hash" data-event-log-hash="${report.eventLogHash}">${report.eventLogHash}</code>`);
  t.match(html, '<dt>seed</dt><dd><code>42</code></dd>');
  t.same(
    elementsWith(html, 'data-invariant').map((item) => [item['data-invariant'], item.class]),
    [
      ['noFundsLost', 'held'],
      ['breachesPunished', 'held'],
      ['paymentsEnd', 'held'],
      ['balanceConserved', 'violated'],
    ],
  );
  t.match(html, '✗ 1 of 4 invariants violated.');
  t.same(
    elementsWith(html, 'data-violation').map((row) => row['data-violation']),
    ['balanceConserved'],
    'the violation is listed',
  );
  t.same(
    elementsWith(html, 'data-figure').map((card) => card['data-figure']),
    ['paymentsSent', 'paymentsSettled', 'paymentsFailed', 'latencyP50Ms', 'latencyP90Ms', 'latencyP99Ms', 'bytesOnAir', 'latencyCount'],
    'the key figures first, as cards',
  );
});

t.test('every string from the scenario is text, never markup', async (t) => {
  const report = sampleReport({ scenario: HOSTILE, description: `${HOSTILE} & "quotes" 'too'`, nodes: [HOSTILE, 'b"><img src=x onerror=alert(1)>', 'c', 'd', 'e', 'f'], violated: true });
  report.violations[0]!.detail = HOSTILE;
  report.invariants[HOSTILE] = 'violated';
  report.figures['<b>bold</b>'] = 1;
  const html = reportHtml(report);
  t.notMatch(html, /<script/i, 'no script element, wherever the string was placed');
  t.notMatch(html, /<img/i, 'no image element smuggled through an attribute');
  t.match(html, '<h1 data-scenario="&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;">&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;</h1>');
  t.notMatch(html, '<b>bold</b>');
  // The hostile node names still reach the plots, as data.
  t.ok(
    elementsWith(plotsIn(html).get('airtime')!, 'data-node').some((bar) => bar['data-node'] === HOSTILE),
    'a node named like markup is still plotted under its name',
  );
  checkPlots(t, html, report);
});

t.test('self-contained: no script, no fetch, and a policy that forbids both', async (t) => {
  const html = reportHtml(sampleReport());
  t.match(html, /^<!doctype html>\n<html lang="en"><head><meta charset="utf-8">/);
  t.match(html, `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;;`);
  t.notMatch(html, /<script|<link|<img|<iframe|\ssrc=|\shref=|url\(|@import|https?:/i);
});

t.test('a run with nothing to plot still has every plot, each saying why it is empty', async (t) => {
  const report = new ReportRecorder().finish({ scenario: 'idle', seed: 1, eventLogHash: '00', virtualDurationMs: 0, wallClockMs: 0, events: 0 });
  const html = reportHtml(report);
  const plots = plotsIn(html);
  t.same([...plots.keys()].sort(), [...PLOT_NAMES].sort());
  for (const [name, svg] of plots) t.match(svg, /<text class="empty"[^>]*>[^<]+<\/text>/, `${name} says why it is empty`);
  t.match(html, 'No invariant was checked.');
});

t.test('many nodes: the lines show the deepest outboxes and the channels that moved most', async (t) => {
  const recorder = new ReportRecorder();
  for (let node = 0; node < 30; node++) {
    recorder.sampleOutboxDepth(`n${node}`, 0, node % 10);
    recorder.sampleOutboxDepth(`n${node}`, 1000, 0);
    recorder.sampleBalance(`c${node}`, 0, 100, 0);
    recorder.sampleBalance(`c${node}`, 1000, 100 - node, node);
  }
  const report = recorder.finish({ scenario: 'grid', seed: 1, eventLogHash: '00', virtualDurationMs: 2000, wallClockMs: 1, events: 1 });
  const plots = plotsIn(reportHtml(report));
  const outboxNodes = new Set(elementsWith(plots.get('outbox-depth')!, 'data-depth').map((point) => point['data-node']));
  t.same([...outboxNodes].sort(), ['n9', 'n19', 'n29', 'n8', 'n18', 'n28', 'n17', 'n27'].sort(), 'the eight deepest, ties by name (n17 and n27 before n7)');
  const channels = new Set(elementsWith(plots.get('balances')!, 'data-local-msat').map((point) => point['data-channel']));
  t.same([...channels].sort(), ['c22', 'c23', 'c24', 'c25', 'c26', 'c27', 'c28', 'c29'], 'the eight that moved most');
  t.match(plots.get('outbox-depth')!, 'data-series-total="30" data-series-shown="8"');
});

t.test('channels that never opened and payments that could never be made are said beside the verdict', async (t) => {
  const report = sampleReport();
  t.same(elementsWith(reportHtml(report), 'data-untried'), [], 'nothing when everything was tried');
  report.figures.channelsNeverOpened = 2;
  report.figures.paymentsImpossible = 1;
  const html = reportHtml(report);
  t.match(html, '<p class="untried" data-untried>Not tried: 2 channels never opened and 1 payment could never be made (a hop of the route had no channel open). The invariants say nothing about them.</p>');
  t.ok(html.indexOf('data-untried') < html.indexOf('class="invariants"'), 'under the verdict, before the invariants');
});

t.test('violation times read as durations', async (t) => {
  const report = sampleReport();
  report.violations.push({ invariant: 'paymentsEnd', atMs: 2 * 86_400_000 + 3 * 3_600_000 + 10 * 60_000 + 1234, detail: 'a payment never ended' });
  t.match(reportHtml(report), '<td class="number">2 d 3 h</td>');
});
