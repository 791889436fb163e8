import t, { type Test } from 'tap';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReport } from '../../../sim/report/write-report.js';
import { sampleReport } from './sample-report.js';

function temporaryDirectory(t: Test): string {
  const directory = mkdtempSync(join(tmpdir(), 'lnmesh-report-'));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

t.test('writes report.json and report.html, creating the directory; the JSON reads back as the report', async (t) => {
  const report = sampleReport({ violated: true });
  const directory = join(temporaryDirectory(t), 'runs', 'headline');
  const written = writeReport(directory, report);
  t.equal(written.jsonPath, join(directory, 'report.json'));
  t.equal(written.htmlPath, join(directory, 'report.html'));
  const json = JSON.parse(readFileSync(written.jsonPath, 'utf8'));
  t.same(json, report, 'every figure, series and fact round-trips');
  t.equal(json.eventLogHash, report.eventLogHash);
  t.same(json.invariants, { noFundsLost: 'held', breachesPunished: 'held', paymentsEnd: 'held', balanceConserved: 'violated' });
  t.match(readFileSync(written.htmlPath, 'utf8'), /^<!doctype html>/);
});

t.test('a directory that cannot be made is a ReportWriteError naming it', async (t) => {
  const parent = temporaryDirectory(t);
  const file = join(parent, 'not-a-directory');
  writeFileSync(file, 'x');
  const target = join(file, 'report');
  t.throws(() => writeReport(target, sampleReport()), { name: 'ReportWriteError', directory: target, message: /cannot write the report to .*not-a-directory\/report: .*ENOTDIR/ });
});

t.test('a file that cannot be written is a ReportWriteError naming it', async (t) => {
  const directory = temporaryDirectory(t);
  mkdirSync(join(directory, 'report.json')); // a directory where the file should go
  t.throws(() => writeReport(directory, sampleReport()), { name: 'ReportWriteError', directory, message: /report\.json cannot be written \(EISDIR/ });
});

t.test('a report that cannot be rendered leaves nothing behind', async (t) => {
  const report = sampleReport();
  report.figures.latencyP50Ms = Number.NaN;
  const directory = join(temporaryDirectory(t), 'out');
  t.throws(() => writeReport(directory, report), { name: 'NotJsonError', path: 'figures.latencyP50Ms' });
  t.notOk(existsSync(directory), 'the directory was not even created');
});
