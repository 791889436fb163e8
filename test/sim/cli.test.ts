// `lnmesh sim run`, as a user runs it: a child process, its output, its
// report files and its exit status.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lnmesh } from '../node/cli/run-cli.js';

const SMALL = `
name: two-nodes
description: two nodes, one payment
duration: 3h
topology: { kind: line, nodes: 2 }
links: { default: { kind: serial, baudRate: 9600 } }
channels:
  - { between: [n0, n1], capacity: 200000, push: 0 }
events:
  - { at: 2h, payment: { from: n0, to: n1, amount: 5000 } }
`;

t.test('runs a scenario: progress, the summary, and the report where --out says', async (t) => {
  const dir = t.testdir({ 'two-nodes.yaml': SMALL });
  const out = join(dir, 'report');
  const run = lnmesh('sim', 'run', join(dir, 'two-nodes.yaml'), '--out', out, '--seed', '5');
  t.equal(run.status, 0, `exits 0 when every invariant held${run.status === 0 ? '' : `: ${run.stderr}`}`);
  t.match(run.stderr, /running two-nodes \(3 ?h of virtual time, 2 nodes, seed 5\)/, 'says what it runs');
  t.match(run.stderr, /done +\[#+\]/, 'and shows its progress (a line per tenth in a pipe)');
  t.match(run.stdout, /noFundsLost +\[ok\] held/, 'the summary lists the invariants');
  t.match(run.stdout, /paymentsSettled +1/, 'and the figures');
  t.match(run.stdout, /report: .*report\.html/, 'and says where the report is');
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  t.equal(report.seed, 5, 'the seed given');
  t.same(Object.values(report.invariants), ['held', 'held', 'held', 'held', 'held', 'held', 'held']);
  t.ok(existsSync(join(out, 'report.html')), 'and the page with the plots');
});

t.test('a bad scenario file: its line and field, exit 2, nothing written', async (t) => {
  const dir = t.testdir({ 'bad.yaml': SMALL.replace('push: 0', 'push: 0, colour: red') });
  const out = join(dir, 'report');
  const run = lnmesh('sim', 'run', join(dir, 'bad.yaml'), '--out', out);
  t.equal(run.status, 2);
  t.match(run.stderr, /bad\.yaml:8:\d+: channels\[0\]\.colour: /, 'FILE:LINE:COLUMN: field: reason');
  t.notOk(existsSync(out), 'no report');
});

t.test('bad options and missing files are refused with exit 2', async (t) => {
  const dir = t.testdir({ 'two-nodes.yaml': SMALL });
  for (const [args, message] of [
    [['--seed', 'twelve'], /--seed: expected a whole number/],
    [['--seed', '-1'], /--seed: expected a whole number/],
  ] as const) {
    const run = lnmesh('sim', 'run', join(dir, 'two-nodes.yaml'), ...args);
    t.equal(run.status, 2, args.join(' '));
    t.match(run.stderr, message);
  }
  const missing = lnmesh('sim', 'run', join(dir, 'nowhere.yaml'));
  t.equal(missing.status, 2);
  t.match(missing.stderr, /nowhere\.yaml:1:1: cannot read the file: ENOENT/);
});

t.test('--help explains, and names the headline scenario as the default', async (t) => {
  const run = lnmesh('sim', 'run', '--help');
  t.equal(run.status, 0);
  t.match(run.stdout, /Usage: lnmesh sim run \[options\] \[file\]/);
  t.match(run.stdout, /headline/);
});
