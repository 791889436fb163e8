/**
 * The report page as a browser shows it: Chromium loads report.html from
 * disk (no server, no network), and the DOM it builds has every plot with
 * its data, the header's facts, and the scenario's hostile name as text.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReport } from '../../../sim/report/write-report.js';
import { chromiumSkipReason, dumpDom } from './chromium.js';
import { elementsWith } from './page-elements.js';
import { checkPlots } from './page-checks.js';
import { sampleReport } from './sample-report.js';

const skip = chromiumSkipReason();

t.test('Chromium renders every plot of the written page, with one element per datum', { skip }, async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'lnmesh-report-'));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  const hostile = '<script>document.title="pwned"</script>';
  const report = sampleReport({ scenario: `headline ${hostile}`, nodes: ['alice', 'bob', hostile, 'dave', 'erin', 'frank'], violated: true });
  const { htmlPath } = writeReport(directory, report);

  const dom = dumpDom(htmlPath);
  checkPlots(t, dom, report);

  t.notMatch(dom, /<script/i, 'no script element in the DOM: the names stayed text');
  t.match(dom, '<title>headline &lt;script&gt;document.title="pwned"&lt;/script&gt;: lnmesh simulation report</title>', 'the title is the scenario, as text');
  t.same(
    elementsWith(dom, 'data-invariant').map((item) => `${item['data-invariant']} ${item['data-status']}`),
    ['noFundsLost held', 'breachesPunished held', 'paymentsEnd held', 'balanceConserved violated'],
  );
  t.same(
    elementsWith(dom, 'data-event-log-hash').map((item) => item['data-event-log-hash']),
    [report.eventLogHash],
  );
});
