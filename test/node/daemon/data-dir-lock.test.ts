// One daemon per data directory: the lock file, a live lnmesh holder
// refused, stale locks (a dead pid, a pid reused by another program, our own
// pid) taken over, and release.
import t, { type Test } from 'tap';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirLockedError, lockDataDir } from '../../../node/daemon/data-dir-lock.js';
import { ROOT } from '../cli/run-cli.js';
import { childEnv } from '../../child-env.js';

/** A script whose command line says "lnmesh" (its file name), taking the lock with the real function, as a daemon does. */
const HOLDER = `import { lockDataDir } from ${JSON.stringify(join(ROOT, 'node/daemon/data-dir-lock.ts'))};
const lock = lockDataDir(process.argv[2]);
process.on('SIGTERM', () => { lock.release(); process.exit(0); });
process.stdout.write('locked\\n');
setInterval(() => {}, 60_000);
`;

/** Starts the holder on `dataDir` and waits until it holds the lock. */
async function startHolder(t: Test, scriptDir: string, dataDir: string): Promise<ChildProcess> {
  const script = join(scriptDir, 'lnmesh-holder.mjs');
  writeFileSync(script, HOLDER);
  const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the holder exited (${code}) before locking: ${output}`)));
  });
  return child;
}

function lockFileOf(dir: string): string {
  return join(dir, 'lock');
}

t.test('locking creates the folder (owner only) and a lock file with the pid', async (t) => {
  const dir = join(t.testdir(), 'deep', 'node-data');
  const lock = lockDataDir(dir);
  t.equal(lock.path, lockFileOf(dir));
  t.equal(statSync(dir).mode & 0o777, 0o700, 'the folder is 0700');
  t.equal(readFileSync(lock.path, 'utf8'), `${process.pid}\n`, 'the lock holds our pid');
  t.equal(statSync(lock.path).mode & 0o777, 0o600, 'the lock file is 0600');
  lock.release();
  t.notOk(existsSync(lock.path), 'release removes the lock file');
  t.doesNotThrow(() => lock.release(), 'releasing twice is harmless');
  t.ok(existsSync(dir), 'the folder stays');
  const again = lockDataDir(dir);
  t.ok(existsSync(again.path), 'and can be locked again');
  t.throws(() => lockDataDir(dir), { name: 'DataDirLockedError', message: /already in use by this process/ }, 'but not twice by one process');
  again.release();
});

t.test('of many processes racing for one directory, exactly one gets the lock', async (t) => {
  const base = t.testdir();
  const dir = join(base, 'raced');
  const racer = join(base, 'lnmesh-racer.mjs');
  writeFileSync(racer, `import { lockDataDir } from ${JSON.stringify(join(ROOT, 'node/daemon/data-dir-lock.ts'))};
try { lockDataDir(process.argv[2]); console.log('locked'); setTimeout(() => {}, 3000); } catch (error) { console.log(error.name); }`);
  // A stale lock of a dead process to take over makes the race harder.
  writeFileSync(join(base, 'x'), '');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  writeFileSync(lockFileOf(dir), '999999999\n');
  const racers = Array.from({ length: 6 }, () => spawn(process.execPath, ['--import', 'tsx', racer, dir], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'inherit'] }));
  const outcomes = await Promise.all(
    racers.map(
      (child) =>
        new Promise<string>((resolve) => {
          let output = '';
          child.stdout!.on('data', (chunk: Buffer) => {
            output += chunk.toString();
            if (output.includes('\n')) resolve(output.trim());
          });
        }),
    ),
  );
  for (const child of racers) child.kill('SIGKILL');
  t.equal(outcomes.filter((outcome) => outcome === 'locked').length, 1, `one winner: ${outcomes.join(', ')}`);
  t.equal(outcomes.filter((outcome) => outcome === 'DataDirLockedError').length, 5, 'the others are refused');
});

t.test('a live lnmesh process holding the lock is refused, naming its pid', async (t) => {
  const base = t.testdir();
  const dir = join(base, 'data');
  const holder = await startHolder(t, base, dir);
  t.equal(readFileSync(lockFileOf(dir), 'utf8'), `${holder.pid}\n`, 'the holder wrote its pid');
  t.throws(() => lockDataDir(dir), DataDirLockedError);
  t.throws(() => lockDataDir(dir), { name: 'DataDirLockedError', message: `${dir} is in use by another lnmesh daemon (pid ${holder.pid}); stop it first, or give this one another dataDir` });
  t.equal(readFileSync(lockFileOf(dir), 'utf8'), `${holder.pid}\n`, 'the refusal leaves its lock alone');

  holder.kill('SIGTERM');
  await once(holder, 'exit');
  t.notOk(existsSync(lockFileOf(dir)), 'the holder released it on stopping');
  const lock = lockDataDir(dir);
  t.equal(readFileSync(lock.path, 'utf8'), `${process.pid}\n`, 'then it is ours');
  lock.release();
});

t.test('a lock left by a process that died is taken over', async (t) => {
  const base = t.testdir();
  const dir = join(base, 'data');
  const holder = await startHolder(t, base, dir);
  holder.kill('SIGKILL'); // no release: the lock file stays behind
  await once(holder, 'exit');
  t.equal(readFileSync(lockFileOf(dir), 'utf8'), `${holder.pid}\n`, 'the dead holder\'s lock is still there');
  const lock = lockDataDir(dir);
  t.equal(readFileSync(lock.path, 'utf8'), `${process.pid}\n`, 'taken over');
  lock.release();
});

t.test('a pid alive but not an lnmesh process (reused after a reboot) is stale', async (t) => {
  const dir = t.testdir();
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.teardown(() => void sleeper.kill('SIGKILL'));
  await once(sleeper, 'spawn');
  t.doesNotThrow(() => process.kill(sleeper.pid!, 0), 'the process is alive');
  writeFileSync(lockFileOf(dir), `${sleeper.pid}\n`);
  const lock = lockDataDir(dir);
  t.equal(readFileSync(lock.path, 'utf8'), `${process.pid}\n`, 'taken over from a sleep that happens to have the pid');
  t.equal(sleeper.exitCode, null, 'and the sleep is left running');
  lock.release();
});

t.test('a lock file without a pid in it is stale', async (t) => {
  for (const content of ['', 'not a pid\n', '-5\n', '0\n']) {
    const dir = t.testdir();
    writeFileSync(lockFileOf(dir), content);
    const lock = lockDataDir(dir);
    t.equal(readFileSync(lock.path, 'utf8'), `${process.pid}\n`, `taken over from ${JSON.stringify(content)}`);
    lock.release();
  }
});

t.test('our own pid in a lock this process does not hold is stale', async (t) => {
  // A daemon restarted in a container often gets the pid its previous run had (1, say): its own pid
  // in the lock file means the previous run died, not that another daemon runs.
  const dir = t.testdir();
  writeFileSync(join(dir, 'lock'), `${process.pid}\n`);
  const lock = lockDataDir(dir);
  t.equal(readFileSync(lock.path, 'utf8'), `${process.pid}\n`, 'taken over');
  lock.release();
  t.notOk(existsSync(lock.path));
});

t.test('release leaves a lock that another process has taken since', async (t) => {
  const dir = t.testdir();
  const lock = lockDataDir(dir);
  writeFileSync(lock.path, '4194000\n');
  lock.release();
  t.equal(readFileSync(lock.path, 'utf8'), '4194000\n', 'not ours: not removed');
});

t.test('a data directory that cannot be created is refused with its path', async (t) => {
  const base = t.testdir({ file: 'not a folder' });
  t.throws(() => lockDataDir(join(base, 'file', 'data')), { message: new RegExp(`ENOTDIR.*${join(base, 'file')}`) });
});
