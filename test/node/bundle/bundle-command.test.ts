// `lnmesh bundle` given bad input: a usage line or a clear message, a non-zero exit, nothing written.
import t from 'tap';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutPath } from '../../../node/bundle/build-bundle.js';
import { InvalidInputError } from '../../../node/core/input.js';
import { lnmesh } from '../cli/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lnmesh-bundle-cli-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

t.test('--help says what the bundle contains', async (t) => {
  const help = lnmesh('bundle', '--help');
  t.equal(help.status, 0);
  for (const part of ['bin/lnmesh', 'lnmesh.mjs', 'node_modules/', 'install.sh', 'lnmesh-node.service', 'node.example.yaml', 'bundle.json', 'arm64', 'armv7', 'x64', 'node/bundle/README.md']) {
    t.match(help.stdout, part, `mentions ${part}`);
  }
});

t.test('an unknown arch: the allowed ones and the usage, exit 1', async (t) => {
  const run = lnmesh('bundle', '--arch', 'mips', '--out', join(dir, 'x.tar.gz'));
  t.equal(run.status, 1);
  t.match(run.stderr, /argument 'mips' is invalid\. Allowed choices are arm64, armv7, x64\./);
  t.match(run.stderr, /^Usage: lnmesh bundle \[options\]/m);
  t.equal(run.stdout, '');
  t.notOk(existsSync(join(dir, 'x.tar.gz')));
});

t.test('no --arch, no --out: usage, exit 1', async (t) => {
  const noOut = lnmesh('bundle', '--arch', 'arm64');
  t.equal(noOut.status, 1);
  t.match(noOut.stderr, /required option '--out <file>' not specified/);
  t.match(noOut.stderr, /^Usage: lnmesh bundle/m);
  const noArch = lnmesh('bundle', '--out', join(dir, 'x.tar.gz'));
  t.equal(noArch.status, 1);
  t.match(noArch.stderr, /required option '--arch <arch>' not specified/);
});

t.test('an --out that cannot be written: one line naming the path, exit 2, before any work', async (t) => {
  const out = join(dir, 'missing', 'b.tar.gz');
  const run = lnmesh('bundle', '--arch', 'arm64', '--out', out);
  t.equal(run.status, 2, 'exit status 2');
  t.equal(run.stderr, `lnmesh: --out: cannot write ${out}: the folder ${join(dir, 'missing')} does not exist\n`, 'one line: which option, which path, why');
  t.notMatch(run.stderr, STACK_FRAME, 'no stack trace');
  t.equal(run.stdout, '');
  t.same(readdirSync(dir), [], 'nothing written');
});

t.test('checkOutPath refuses what cannot be an archive, saying why', async (t) => {
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  mkdirSync(join(dir, 'folder.tar.gz'));
  const cases: [string, string, RegExp][] = [
    ['under a file', join(file, 'b.tar.gz'), /a-file is not a folder/],
    ['a folder itself', join(dir, 'folder.tar.gz'), /folder\.tar\.gz: it is a folder/],
    ['not a .tar.gz', join(dir, 'bundle.zip'), /expected a file name ending in \.tar\.gz/],
  ];
  for (const [what, out, message] of cases) {
    t.throws(() => checkOutPath(out), { name: 'InvalidInputError', field: '--out', message }, what);
  }
});

t.test('a folder without write permission', async (t) => {
  // Root may write in any folder of its own making; a process's /proc folder refuses even root.
  let locked = '/proc/1';
  if (process.getuid?.() !== 0) {
    locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    t.teardown(() => chmodSync(locked, 0o755));
  }
  t.throws(() => checkOutPath(join(locked, 'b.tar.gz')), { name: 'InvalidInputError', message: /no permission to write in / });
});

t.test('checkOutPath returns the absolute path', async (t) => {
  t.equal(checkOutPath(join(dir, 'ok.tar.gz')), join(dir, 'ok.tar.gz'));
  t.throws(() => checkOutPath(''), InvalidInputError);
});
