// Reboots of the link layer between real processes over a real MQTT broker
// (mosquitto when MQTT_URL names one, as in CI; an embedded aedes
// otherwise). One end is a child process on an lmdb outbox
// (reboot-child.ts), killed with SIGKILL in the middle of a transfer of 30
// messages (most of them several frames) and started again on the same
// directory, three times: every message arrives exactly once, in order,
// intact, and the restarted sender never queues anything again.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Link } from '../../../transports/link/link.js';
import { MemoryLinkOutbox } from '../../../transports/link/outbox.js';
import { type ChildResult, lastJsonLine } from '../../node/crash-runner.js';
import { mqttBrokerUrl } from '../broker.js';
import { CHILD, MESSAGE_COUNT, PARENT, readRecord, rebootLink, rebootMessage } from './reboot-child.js';
import { childEnv } from '../../child-env.js';

const childScript = fileURLToPath(new URL('./reboot-child.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** A child we can kill at a moment of our choosing, whose JSON lines we read as they come. */
interface RunningChild {
  readonly lines: Record<string, unknown>[];
  /** SIGKILL, then its end. */
  kill(): Promise<ChildResult>;
  /** Closes its stdin (it stops cleanly and prints a summary), then its end. */
  stop(): Promise<ChildResult>;
  /** Its end, however it comes. */
  readonly ended: Promise<ChildResult>;
  stderr(): string;
}

/** `runChild` in crash-runner.ts waits for the child's end; here the parent needs the process to kill it mid-transfer. */
function startChild(t: Test, args: string[]): RunningChild {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, ...args], { cwd: root, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const line of parts) if (line.trim()) lines.push(JSON.parse(line));
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const ended = new Promise<ChildResult>((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    lines,
    ended,
    kill: () => {
      child.kill('SIGKILL');
      return ended;
    },
    stop: () => {
      child.stdin.end();
      return ended;
    },
    stderr: () => stderr,
  };
}

/** Polls `condition` until it holds; fails with `what` (and `detail`, e.g. a child's stderr) after `timeoutMs`. */
async function waitFor(condition: () => boolean, what: string, detail: () => string = () => '', timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** "seq:digest" per message: a readable diff if one is missing, repeated, out of order or altered. */
const digest = (seq: number, message: Uint8Array) => `${seq}:${createHash('sha256').update(message).digest('hex').slice(0, 16)}`;
const expected = Array.from({ length: MESSAGE_COUNT }, (_, i) => digest(i + 1, rebootMessage(i + 1)));

/** The parent's end: it never crashes, so its outbox is in memory. */
async function startParent(t: Test, url: string, topicPrefix: string): Promise<Link> {
  const link = rebootLink(PARENT, CHILD, new MemoryLinkOutbox(), url, topicPrefix);
  await link.start();
  t.teardown(() => link.stop());
  return link;
}

/** Link warnings the children printed about an internal error (a bug of ours met by some input). */
function internalErrorWarnings(children: RunningChild[]): unknown[] {
  return children.flatMap((child) => child.lines.filter((line) => typeof line.warning === 'string' && line.warning.includes('internal error')));
}

function scratch(t: Test): string {
  const directory = mkdtempSync(join(tmpdir(), 'lnmesh-link-reboot-'));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

t.test('the sender is killed mid-transfer, three times, and each restart resumes its outbox without queueing again', async (t) => {
  const url = await mqttBrokerUrl(t);
  const topicPrefix = `lnmesh-reboot-${randomUUID()}`;
  const directory = scratch(t);
  const parent = await startParent(t, url, topicPrefix);
  const received: string[] = [];
  parent.on('message', (peer, message, seq) => received.push(peer === CHILD.id ? digest(seq, message) : `from ${peer}`));

  const children = [startChild(t, ['sender', directory, url, topicPrefix, '--queue'])];
  for (const killAfter of [3, 11, 20]) {
    const child = children.at(-1)!;
    await waitFor(() => received.length >= killAfter, `${killAfter} messages from the sender`, child.stderr);
    const killed = await child.kill();
    t.equal(killed.signal, 'SIGKILL', `the sender died by SIGKILL after ${received.length} messages arrived`);
    t.ok(received.length < MESSAGE_COUNT, 'before the transfer ended');

    const restarted = startChild(t, ['sender', directory, url, topicPrefix]);
    children.push(restarted);
    await waitFor(() => restarted.lines.some((line) => 'pending' in line), 'the restarted sender to report its outbox', restarted.stderr);
    const pending = restarted.lines.find((line) => 'pending' in line)!.pending as number;
    t.ok(pending > 0 && pending < MESSAGE_COUNT, `the restart resumes the ${pending} messages not acknowledged, and nothing new`);
  }

  const last = children.at(-1)!;
  await waitFor(() => received.length >= MESSAGE_COUNT, `all ${MESSAGE_COUNT} messages`, last.stderr);
  await waitFor(() => last.lines.some((line) => line.pending === 0), 'the sender to hear every message acknowledged', last.stderr);
  const stopped = await last.stop();
  t.equal(stopped.status, 0, 'the last sender stops cleanly', { stderr: stopped.stderr });
  t.match(lastJsonLine(stopped.stdout), { done: true, pending: 0, internalErrors: 0 }, 'its outbox is empty');

  t.same(received, expected, 'every message exactly once, in order, intact');
  t.equal(parent.counters.messagesDelivered, MESSAGE_COUNT, 'the parent link counted each delivery once');
  t.comment(`parent (receiver): ${JSON.stringify(parent.counters)}`);
  t.equal(parent.counters.dropped['internal-error'], 0, 'the parent met no internal error');
  t.same(internalErrorWarnings(children), [], 'nor did any sender');
});

t.test('the receiver is killed mid-transfer, once inside its crash window, and its record holds every message once', async (t) => {
  const url = await mqttBrokerUrl(t);
  const topicPrefix = `lnmesh-reboot-${randomUUID()}`;
  const directory = scratch(t);
  const parent = await startParent(t, url, topicPrefix);
  for (let seq = 1; seq <= MESSAGE_COUNT; seq++) parent.send(CHILD.id, rebootMessage(seq));

  const children: RunningChild[] = [];
  const lastRecorded = () => Math.max(0, ...children.flatMap((child) => child.lines.map((line) => (line.recorded as number | undefined) ?? 0)));
  const start = (...options: string[]) => {
    const child = startChild(t, ['receiver', directory, url, topicPrefix, ...options]);
    children.push(child);
    return child;
  };

  // Killed by the parent, wherever the child happens to be.
  let child = start();
  await waitFor(() => lastRecorded() >= 4, 'the receiver to record 4 messages', child.stderr);
  t.equal((await child.kill()).signal, 'SIGKILL', `the receiver died by SIGKILL after recording ${lastRecorded()}`);

  // Killed right after recording a message, before the link recorded its delivery.
  // From the record itself: the kill may have come between a record and its line.
  const dieAt = ((await readRecord(directory)).at(-1)?.seq ?? 0) + 5;
  child = start('--die-after-recording', String(dieAt));
  await waitFor(() => lastRecorded() >= dieAt, `the receiver to record message ${dieAt}`, child.stderr);
  const died = await child.ended;
  t.equal(died.signal, 'SIGKILL', `the receiver died inside its crash window, with ${dieAt} recorded`);
  t.equal(lastRecorded(), dieAt, 'and nothing after it');

  child = start();
  const aboutDieAt = (line: Record<string, unknown>) => line.ignored === dieAt || line.recorded === dieAt;
  await waitFor(() => child.lines.some(aboutDieAt), `message ${dieAt} delivered again`, child.stderr);
  t.same(child.lines.find(aboutDieAt), { ignored: dieAt }, `after the restart the link delivered message ${dieAt} again, with its sequence, and the receiver ignored it`);
  await waitFor(() => lastRecorded() >= 20, 'the receiver to record 20 messages', child.stderr);
  t.equal((await child.kill()).signal, 'SIGKILL', `the receiver died by SIGKILL after recording ${lastRecorded()}`);
  t.ok(lastRecorded() < MESSAGE_COUNT, 'before the transfer ended');

  child = start();
  await waitFor(() => parent.pendingCount(CHILD.id) === 0, 'the parent to hear every message acknowledged', child.stderr);
  const stopped = await child.stop();
  t.equal(stopped.status, 0, 'the last receiver stops cleanly', { stderr: stopped.stderr });
  t.match(lastJsonLine(stopped.stdout), { done: true, recorded: MESSAGE_COUNT, lastRecorded: MESSAGE_COUNT, internalErrors: 0 });

  // The link delivers a message again only after a crash inside the window: the one recorded last before the crash, once.
  const unexpectedRedeliveries = children.flatMap((child) => {
    const recordedBefore = child.lines.find((line) => 'resuming' in line)?.resuming;
    const ignored = child.lines.filter((line) => 'ignored' in line).map((line) => line.ignored);
    return ignored.filter((seq, index) => !(index === 0 && seq === recordedBefore));
  });
  t.same(unexpectedRedeliveries, [], 'no other message was delivered twice');
  t.comment(`parent (sender): ${JSON.stringify(parent.counters)}`);
  const record = await readRecord(directory);
  t.same(
    record.map(({ seq, message }) => digest(seq, message)),
    expected,
    'the receiver recorded every message exactly once, in order, intact',
  );
  t.equal(parent.counters.dropped['internal-error'], 0, 'the parent met no internal error');
  t.same(internalErrorWarnings(children), [], 'nor did any receiver');
});
