// A data directory is its owner's alone: made 0700, refused when others can
// write it (naming the path, the mode and the chmod that fixes it), tightened
// when they can only read it; files made afterwards are owner-only.
import t from 'tap';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirPermissionError, createOwnerOnly, preparePrivateDir } from '../../../node/daemon/data-dir-permissions.js';
import { lockDataDir } from '../../../node/daemon/data-dir-lock.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

t.test('a missing directory is made 0700, parents included', async (t) => {
  const dir = join(t.testdir(), 'deep', 'data');
  t.same(preparePrivateDir(dir), { created: true });
  t.equal(modeOf(dir), 0o700);
  t.equal(modeOf(join(dir, '..')), 0o700, 'the parent it made too');
  t.same(preparePrivateDir(dir), { created: false }, 'a second look finds it as it should be');
});

t.test('a directory that group or others can write is refused, naming path, mode and fix, and left as it was', async (t) => {
  for (const mode of [0o777, 0o770, 0o702, 0o720, 0o1777]) {
    const dir = join(t.testdir(), 'data');
    mkdirSync(dir);
    chmodSync(dir, mode);
    const error = t.throws(() => preparePrivateDir(dir)) as DataDirPermissionError;
    t.type(error, DataDirPermissionError);
    t.equal(error.path, dir);
    t.equal(error.message, `${dir}: mode 0${mode.toString(8)}: group or others can write it, so they could replace the stores, the lock or the control socket in it. Check that nothing in it is someone else's, then run chmod 700 ${dir}`);
    t.equal(statSync(dir).mode & 0o7777, mode, `0${mode.toString(8)} is not changed behind the user's back`);
  }
});

t.test('a directory that others can only read or enter is tightened to 0700, and says from what', async (t) => {
  for (const mode of [0o755, 0o750, 0o711, 0o744]) {
    const dir = join(t.testdir(), 'data');
    mkdirSync(dir);
    chmodSync(dir, mode);
    t.same(preparePrivateDir(dir), { created: false, tightenedFrom: mode });
    t.equal(modeOf(dir), 0o700);
  }
});

t.test('a path that is a file is refused', async (t) => {
  const base = t.testdir({ file: 'not a folder' });
  t.throws(() => preparePrivateDir(join(base, 'file')), { name: 'DataDirPermissionError', message: `${join(base, 'file')}: is not a directory` });
});

t.test('lockDataDir refuses a world-writable directory before writing anything in it', async (t) => {
  const dir = join(t.testdir(), 'data');
  mkdirSync(dir);
  chmodSync(dir, 0o777);
  t.throws(() => lockDataDir(dir), { name: 'DataDirPermissionError', message: new RegExp(`mode 0777.*chmod 700 ${dir}$`) });
  t.same(readdirSync(dir), [], 'no lock file');
  chmodSync(dir, 0o700);
  const lock = lockDataDir(dir);
  t.equal(lock.tightenedFrom, undefined);
  lock.release();
});

t.test('lockDataDir tightens a readable directory and tells the daemon so', async (t) => {
  const dir = join(t.testdir(), 'data');
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  const lock = lockDataDir(dir);
  t.equal(lock.tightenedFrom, 0o755);
  t.equal(modeOf(dir), 0o700);
  t.equal(modeOf(lock.path), 0o600, 'the lock file is owner-only');
  lock.release();
});

t.test('after createOwnerOnly, files and directories are made without bits for group or others', async (t) => {
  const previous = process.umask(0o002);
  t.teardown(() => process.umask(previous));
  createOwnerOnly();
  const dir = t.testdir();
  writeFileSync(join(dir, 'store'), 'x', { mode: 0o666 });
  mkdirSync(join(dir, 'sub'), { mode: 0o777 });
  t.equal(modeOf(join(dir, 'store')), 0o600);
  t.equal(modeOf(join(dir, 'sub')), 0o700);
  t.equal(process.umask(0o022), 0o077, 'bits already masked stay masked, 077 added');
  t.ok(existsSync(dir));
});
