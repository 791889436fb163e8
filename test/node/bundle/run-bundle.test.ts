// The x64 bundle, built by `lnmesh bundle` and unpacked into an empty folder
// outside the project (so no node_modules of the project can be found), run
// as a device runs it: bin/lnmesh --help, seed new, check (which loads every
// native module), the launcher's Node.js check, and install.sh under DESTDIR.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { lnmesh } from '../cli/run-cli.js';
import { unpack } from './unpacked-bundle.js';

const VERSION = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version as string;
const notX64 = process.platform !== 'linux' || process.arch !== 'x64' ? `the x64 bundle runs only on linux-x64, this is ${process.platform}-${process.arch}` : false;

const dir = mkdtempSync(join(tmpdir(), 'lnmesh-device-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const topDir = join(dir, 'unpacked', `lnmesh-${VERSION}-x64`);

/** The environment of a device: this node on the PATH, nothing of tap's or the project's. */
function deviceEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:/usr/bin:/bin:/usr/sbin:/sbin`, ...extra };
  for (const name of ['NODE_OPTIONS', 'NODE_PATH', 'TS_NODE_PROJECT']) delete env[name];
  return env;
}

function run(command: string, args: string[], extra: Record<string, string> = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: dir, env: deviceEnv(extra), timeout: 60_000 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

t.test('lnmesh bundle --arch x64 builds the archive, with a line per step', { skip: notX64 }, async (t) => {
  const out = join(dir, 'lnmesh-x64.tar.gz');
  const built = lnmesh('bundle', '--arch', 'x64', '--out', out);
  t.equal(built.status, 0, `exit status 0 (${built.stderr})`);
  t.match(built.stdout, new RegExp(`^wrote ${out.replace(/[.]/g, '\\.')} \\(\\d+(\\.\\d)? MB\\): lnmesh-${VERSION}-x64/`), 'ends with the size');
  for (const step of [/^bundling node\/cli\/lnmesh-device\.ts/m, /^using @lmdb\/lmdb-linux-x64 /m, /^copying \d+ packages into node_modules$/m, /^writing archive /m]) {
    t.match(built.stderr, step, `progress: ${step.source}`);
  }
  mkdirSync(join(dir, 'unpacked'));
  unpack(out, join(dir, 'unpacked'));
  t.ok(existsSync(join(topDir, 'bin', 'lnmesh')), 'unpacked');
});

t.test('no node_modules above the unpacked bundle', { skip: notX64 }, async (t) => {
  const above: string[] = [];
  for (let folder = dirname(topDir); folder !== parse(folder).root; folder = dirname(folder)) {
    if (existsSync(join(folder, 'node_modules'))) above.push(folder);
  }
  t.same(above, [], 'only the bundle can provide the packages it loads');
});

t.test('bin/lnmesh --help lists the device verbs, not the developer ones', { skip: notX64 }, async (t) => {
  const help = run(join(topDir, 'bin', 'lnmesh'), ['--help']);
  t.equal(help.status, 0, help.stderr);
  t.match(help.stdout, /mesh device/);
  for (const verb of ['seed', 'airtime', 'check']) t.match(help.stdout, new RegExp(`^  ${verb}\\b`, 'm'), `has ${verb}`);
  for (const verb of ['sim', 'vectors', 'bundle']) t.notMatch(help.stdout, new RegExp(`^  ${verb}\\b`, 'm'), `has no ${verb}`);
});

t.test('bin/lnmesh seed new writes a seed', { skip: notX64 }, async (t) => {
  const seedFile = join(dir, 'seed');
  const created = run(join(topDir, 'bin', 'lnmesh'), ['seed', 'new', '--file', seedFile]);
  t.equal(created.status, 0, created.stderr);
  t.match(created.stdout, /^node id 0[23][0-9a-f]{64}$/m);
  t.equal(statSync(seedFile).mode & 0o777, 0o600);
});

t.test('bin/lnmesh check loads every native module from the bundle', { skip: notX64 }, async (t) => {
  const check = run(join(topDir, 'bin', 'lnmesh'), ['check']);
  t.equal(check.status, 0, `exit status 0: ${check.stdout}${check.stderr}`);
  t.match(check.stdout, /^Node\.js v\d+\.\d+\.\d+ on linux-x64/m);
  for (const module of ['lmdb', 'msgpackr-extract', 'cbor-extract', 'serialport']) t.match(check.stdout, new RegExp(`^${module} +ok `, 'm'), `${module} ok`);
  t.match(check.stdout, /^cbor-extract +ok +in use by cbor-x$/m, 'cbor-x uses the native extension');
  t.match(check.stdout, /^lnmesh can run here$/m);
});

t.test('bin/lnmesh check fails, naming the module, when lmdb cannot load', { skip: notX64 }, async (t) => {
  const broken = join(dir, 'broken');
  const copy = spawnSync('cp', ['-R', topDir, broken]);
  t.equal(copy.status, 0);
  rmSync(join(broken, 'node_modules', '@lmdb'), { recursive: true });
  const check = run(join(broken, 'bin', 'lnmesh'), ['check']);
  t.equal(check.status, 1, 'exit status 1');
  t.match(check.stdout, /^lmdb +fail +\S/m);
  t.match(check.stdout, /^serialport +ok /m);
  t.match(check.stdout, /^lnmesh cannot run here: lmdb failed$/m);
});

t.test('the launcher says what is wrong with Node.js', { skip: notX64 }, async (t) => {
  const oldNode = join(dir, 'node18');
  writeFileSync(oldNode, '#!/bin/sh\necho v18.19.0\n');
  chmodSync(oldNode, 0o755);
  const old = run(join(topDir, 'bin', 'lnmesh'), ['--help'], { LNMESH_NODE: oldNode });
  t.equal(old.status, 1);
  t.match(old.stderr, /^lnmesh: Node\.js v18\.19\.0 is too old: lnmesh needs Node\.js 20 or later/);
  const missing = run(join(topDir, 'bin', 'lnmesh'), ['--help'], { LNMESH_NODE: join(dir, 'no-such-node') });
  t.equal(missing.status, 127);
  t.match(missing.stderr, /is not installed or not on the PATH: lnmesh needs Node\.js 20 or later/);
});

t.test('install.sh under DESTDIR: copies, links, creates the config once, installs the unit', { skip: notX64 }, async (t) => {
  const installer = join(topDir, 'install.sh');
  const help = run('sh', [installer, '--help']);
  t.equal(help.status, 0);
  t.match(help.stdout, /^Installs lnmesh .* for x64/);
  const bad = run('sh', [installer, '--force']);
  t.equal(bad.status, 1);
  t.match(bad.stderr, /unknown argument '--force'/);

  const initMissing = run(join(topDir, 'bin', 'lnmesh'), ['init', '--help']).status !== 0 ? 'this lnmesh has no init verb yet' : false;
  t.test('installed twice', { skip: initMissing }, async (t) => installTwice(t, installer));
});

const noSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).error ? 'no systemd-analyze here' : false;

async function installTwice(t: Test, installer: string): Promise<void> {
  const dest = join(dir, 'root');
  const first = run('sh', [installer], { DESTDIR: dest });
  t.equal(first.status, 0, `first run: ${first.stdout}${first.stderr}`);
  t.ok(existsSync(join(dest, 'opt/lnmesh/lnmesh.mjs')), 'copied to /opt/lnmesh');
  t.equal(readlinkSync(join(dest, 'usr/local/bin/lnmesh')), '/opt/lnmesh/bin/lnmesh', '/usr/local/bin/lnmesh links to it');
  const config = join(dest, 'etc/lnmesh/node.yaml');
  t.ok(existsSync(config), 'init wrote the config');
  t.ok(existsSync(join(dest, 'var/lib/lnmesh/node/seed')), 'and the seed, on the device');
  const unit = readFileSync(join(dest, 'etc/systemd/system/lnmesh-node.service'), 'utf8');
  t.match(unit, /^ExecStart=\/opt\/lnmesh\/bin\/lnmesh node --config \/etc\/lnmesh\/node\.yaml$/m);
  t.match(first.stdout, /sudo systemctl start lnmesh-node/, 'tells the operator to start it after editing the config');

  writeFileSync(config, `${readFileSync(config, 'utf8')}# edited by the operator\n`);
  const seed = readFileSync(join(dest, 'var/lib/lnmesh/node/seed'));
  const second = run('sh', [installer], { DESTDIR: dest });
  t.equal(second.status, 0, `second run: ${second.stdout}${second.stderr}`);
  t.match(second.stdout, /kept .*node\.yaml/);
  t.match(readFileSync(config, 'utf8'), /# edited by the operator\n$/, 'the edited config is kept');
  t.same(readFileSync(join(dest, 'var/lib/lnmesh/node/seed')), seed, 'the seed is kept');
  t.notOk(existsSync(join(dest, 'opt/lnmesh.old')) || existsSync(join(dest, 'opt/lnmesh.new')), 'no leftovers of the swap');

  // Through the symlink, as an operator types it (the launcher resolves its own folder).
  const installed = run(join(dest, 'opt/lnmesh/bin/lnmesh'), ['--version']);
  t.equal(installed.stdout.trim(), VERSION);
  t.ok(lstatSync(join(dest, 'usr/local/bin/lnmesh')).isSymbolicLink());

  t.test('systemd-analyze verify accepts the unit', { skip: noSystemdAnalyze }, async (t) => {
    const unitDir = join(dir, 'unit');
    mkdirSync(unitDir);
    writeFileSync(join(unitDir, 'lnmesh-node.service'), unit.replaceAll('/opt/lnmesh', join(dest, 'opt/lnmesh')));
    const verify = spawnSync('systemd-analyze', ['verify', join(unitDir, 'lnmesh-node.service')], { encoding: 'utf8', cwd: unitDir });
    t.equal(verify.status, 0, `systemd-analyze verify: ${verify.stderr}`);
  });
}
