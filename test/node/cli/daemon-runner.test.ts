/**
 * A daemon in the foreground stops on a signal, and its stop is bounded: a
 * stop that hangs, a second signal, and a stopped daemon that something
 * still holds open all end the process, each with a line saying why. The
 * signals are emitted in this process; `exit` is watched instead of taken.
 */
import { PassThrough } from 'node:stream';
import t from 'tap';
import { type RunningDaemon, runUntilSignalled } from '../../../node/cli/daemon-runner.js';
import { createLogger } from '../../../node/daemon/logger.js';

interface Watched {
  readonly lines: Record<string, unknown>[];
  readonly exits: number[];
  /** Resolves with the first exit code. */
  readonly exited: Promise<number>;
  readonly running: Promise<void>;
}

function run(stop: () => Promise<void>, init: { stopDeadlineMs?: number; exitGraceMs?: number } = {}): Watched {
  const out = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  out.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)));
  const logger = createLogger({ level: 'info', format: 'json' }, { destination: out });
  const exits: number[] = [];
  let onExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (onExit = resolve));
  const daemon: RunningDaemon = { stop };
  const running = runUntilSignalled(async () => daemon, logger, { ...init, exit: (code) => (exits.push(code), onExit(code)) });
  return { lines, exits, exited, running };
}

t.test('a clean stop: stopped once, nothing forced, the signal handlers handed back', async (t) => {
  let stopped = 0;
  const listeners = process.listenerCount('SIGTERM'); // tap's own
  // The grace timer does not hold the process (the daemons' tests see them exit by themselves); a minute here, never reached.
  const watched = run(async () => void stopped++, { exitGraceMs: 60_000 });
  await new Promise(setImmediate);
  process.emit('SIGTERM', 'SIGTERM');
  await watched.running;
  t.equal(stopped, 1, 'stopped once');
  t.match(watched.lines, [{ msg: 'stopping', signal: 'SIGTERM' }]);
  t.strictSame(watched.exits, [], 'no exit forced');
  t.equal(process.listenerCount('SIGTERM'), listeners, 'the signal handlers are gone after the stop');
});

t.test('a stopped daemon held open by a leftover handle exits after the grace, naming what held it', async (t) => {
  const leftover = setInterval(() => undefined, 1_000);
  t.teardown(() => clearInterval(leftover));
  const watched = run(async () => undefined, { exitGraceMs: 20 });
  await new Promise(setImmediate);
  process.emit('SIGINT', 'SIGINT');
  t.equal(await watched.exited, 0, 'exit 0: the stop itself was clean');
  t.match(watched.lines.at(-1), { msg: 'the stopped daemon left these open: exiting anyway', resources: Array }, 'the line names the open resources');
  t.ok((watched.lines.at(-1)!.resources as string[]).includes('Timeout'), 'among them the leftover timer');
});

t.test('a stop that never finishes exits 1 at the deadline', async (t) => {
  const before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  // The hung stop never hands its handlers back: the test takes them.
  t.teardown(() => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) for (const listener of process.listeners(signal)) if (!before[signal].includes(listener)) process.off(signal, listener);
  });
  const watched = run(() => new Promise<void>(() => undefined), { stopDeadlineMs: 30 });
  await new Promise(setImmediate);
  process.emit('SIGTERM', 'SIGTERM');
  t.equal(await watched.exited, 1, 'exit 1');
  t.match(watched.lines.at(-1), { msg: 'the stop did not finish in time: exiting without a clean stop', deadlineMs: 30, level: 50 });
});

t.test('a second signal while stopping exits 130 at once', async (t) => {
  let finish: () => void = () => undefined;
  const watched = run(() => new Promise<void>((resolve) => (finish = resolve)), { stopDeadlineMs: 60_000, exitGraceMs: 60_000 });
  await new Promise(setImmediate);
  process.emit('SIGTERM', 'SIGTERM');
  process.emit('SIGINT', 'SIGINT');
  t.equal(await watched.exited, 130);
  t.match(watched.lines.at(-1), { msg: 'second signal: exiting without a clean stop', signal: 'SIGINT' });
  finish();
  await watched.running;
  t.strictSame(watched.exits, [130], 'and nothing else: the stop finishing later clears the deadline');
});
