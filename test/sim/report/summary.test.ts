import t from 'tap';
import { formatSummary } from '../../../sim/report/summary.js';
import { sampleReport } from './sample-report.js';

t.test('in a pipe: plain ASCII, aligned columns, every figure, the violations', async (t) => {
  const summary = formatSummary(sampleReport({ violated: true }));
  const lines = summary.split('\n');
  t.equal(lines[0], 'scenario        headline: offline ten days while the counterparty cheats');
  t.match(summary, '\nseed            42\n');
  t.match(summary, '\nevent log hash  b5d4045c3f466fa91fe2cc6abe79232a1a57cdf104f7a26e716e0a1e2789df78\n');
  t.match(summary, '\nvirtual time    10 d\n');
  t.match(summary, ['invariant         status', 'noFundsLost       [ok] held', 'breachesPunished  [ok] held', 'paymentsEnd       [ok] held', 'balanceConserved  [!!] VIOLATED'].join('\n'));
  t.match(summary, /\nlatencyP50Ms {5,}\d/, 'a figure per line');
  t.match(summary, '\nviolations (1):\n  at 4 d  balanceConserved  the sum of balances fell by 1,000 msat at bob ...\n', 'a violation on one line');
  t.notMatch(summary, /[^\x20-\x7e\n]/, 'nothing but printable ASCII');

  const figureLines = lines.slice(lines.findIndex((line) => line.startsWith('figure ')), lines.indexOf('violations (1):') - 1);
  t.ok(figureLines.length > 5, `${figureLines.length - 1} figures`);
  t.equal(new Set(figureLines.map((line) => line.length)).size, 1, 'values right-aligned in one column');
});

t.test('on a terminal: ✓ and ✗ in colour', async (t) => {
  const summary = formatSummary(sampleReport({ violated: true }), { terminal: true });
  t.match(summary, 'noFundsLost       \x1b[32m✓ held\x1b[0m');
  t.match(summary, 'balanceConserved  \x1b[31m✗ violated\x1b[0m');
});

t.test('names from a scenario cannot send escape sequences to the terminal', async (t) => {
  const summary = formatSummary(sampleReport({ scenario: 'evil\x1b]0;owned\x07\x1b[2J' }), { terminal: true });
  t.match(summary, 'scenario        evil?]0;owned??[2J\n');
});

t.test('a long list of violations is cut, saying how many more there are', async (t) => {
  const report = sampleReport();
  for (let i = 0; i < 25; i++) report.violations.push({ invariant: 'paymentsEnd', atMs: i * 1000, detail: `payment ${i} never ended` });
  report.figures.violationsNotListed = 100;
  const summary = formatSummary(report, { maxViolations: 3 });
  t.match(summary, 'violations (125):\n');
  t.match(summary, '  at 2 s   paymentsEnd  payment 2 never ended\n  ... and 122 more (report.json lists 25)\n');
});

t.test('what the run could not try is said, not folded into the failures', async (t) => {
  const report = sampleReport();
  t.notMatch(formatSummary(report), 'Not tried', 'nothing said when everything was tried');
  report.figures.channelsNeverOpened = 1;
  report.figures.paymentsImpossible = 12;
  const summary = formatSummary(report);
  t.match(summary, /\nchannelsNeverOpened +1\n/, 'the figures are in the table');
  t.match(summary, /\npaymentsImpossible +12\n/);
  t.match(summary, '\nNot tried: 1 channel never opened and 12 payments could never be made (a hop of the route had no channel open). The invariants say nothing about them.\n', 'and said under the invariants');
});

t.test('violation times read as durations, never as raw milliseconds', async (t) => {
  const report = sampleReport();
  report.violations.push({ invariant: 'paymentsEnd', atMs: 2 * 86_400_000 + 3 * 3_600_000 + 10 * 60_000 + 1234, detail: 'a payment never ended' });
  const summary = formatSummary(report);
  t.match(summary, '  at 2 d 3 h  paymentsEnd  a payment never ended\n');
  t.notMatch(summary.slice(summary.indexOf('\nviolations (')), /\d{4,}/, 'no number of milliseconds among the violations');
});
