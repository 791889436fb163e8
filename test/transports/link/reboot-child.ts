/**
 * One end of a link that the reboot tests kill with SIGKILL and start again,
 * over a real MQTT broker, on a data directory that outlives each run.
 *
 *   reboot-child.ts sender DIRECTORY BROKER_URL TOPIC_PREFIX [--queue]
 *     Sends to the parent. With --queue (first run only) it queues the
 *     MESSAGE_COUNT messages; a restart only resumes what its outbox holds.
 *     Prints {"pending":n} whenever the count of unacknowledged messages changes.
 *
 *   reboot-child.ts receiver DIRECTORY BROKER_URL TOPIC_PREFIX [--die-after-recording SEQ]
 *     Receives from the parent and records each message durably with its
 *     sequence, ignoring a sequence it has recorded already (the link's crash
 *     window: see `link.ts`). Prints {"resuming":seq} (the last recorded) first, then {"recorded":seq} or {"ignored":seq}. With
 *     --die-after-recording it kills itself right after recording SEQ, before
 *     the link records the delivery: exactly inside that window.
 *
 * Both print {"warning":...} for each link warning, stop cleanly when stdin
 * closes, and then print their counters as the last line. Lines are written
 * synchronously, so that a line printed just before a SIGKILL is not lost.
 */
import { realpathSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bytesToHex } from '@noble/hashes/utils.js';
import { open } from 'lmdb';
import { systemClock } from '../../../node/core/clock.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import type { Logger } from '../../../node/core/logger.js';
import { nodeKeyFromSecret } from '../../../node/core/node-key.js';
import { Link, type LinkInit } from '../../../transports/link/link.js';
import { type LinkOutbox, LmdbLinkOutbox } from '../../../transports/link/outbox.js';
import { MqttTransport } from '../../../transports/mqtt.js';
import { randomBytes } from '../../../sim/kit/random.js';

/** Messages in one transfer. */
export const MESSAGE_COUNT = 30;
/** A LoRa-sized frame: the messages take 5 to 13 fragments (225 in all), every fifth one fragment. */
export const REBOOT_MTU = 254;
/** Short timings on real time: a dead neighbour is noticed within about a second. */
export const REBOOT_LINK_TIMING: Partial<LinkInit> = {
  retransmitBaseMs: 250,
  retransmitBackoff: 2,
  retransmitMaxMs: 1000,
  deadAfterSilentRounds: 2,
  ackDelayMs: 20,
  windowFragments: 8,
};

/** One end: its MQTT node name, its fixed secret (both processes know both ends), its node id. */
export interface RebootNode {
  readonly name: string;
  readonly secretKey: Uint8Array;
  readonly id: string;
}

function rebootNode(name: string, secretByte: number): RebootNode {
  const secretKey = new Uint8Array(32).fill(secretByte);
  return { name, secretKey, id: bytesToHex(publicKeyOf(secretKey)) };
}

/** The test process: it never crashes. */
export const PARENT = rebootNode('parent', 0x21);
/** The child process: killed and restarted. */
export const CHILD = rebootNode('child', 0x22);

/** Message `seq` of a transfer: its length and every byte follow from `seq`, so the receiver can check it. Every fifth fits one frame. */
export function rebootMessage(seq: number): Uint8Array {
  const length = seq % 5 === 0 ? 100 + seq : 1000 + ((seq * 733) % 2000);
  return Uint8Array.from({ length }, (_, i) => (seq * 37 + i * 11 + (i >>> 8)) & 0xff);
}

/** A link between this process's `self` and `other` over the broker, with `outbox`; it and its transport log to `logger`. */
export function rebootLink(self: RebootNode, other: RebootNode, outbox: LinkOutbox, brokerUrl: string, topicPrefix: string, logger?: Logger): Link {
  const transport = new MqttTransport({ url: brokerUrl, nodeName: self.name, topicPrefix, mtu: REBOOT_MTU, reconnectPeriodMs: 200, ...(logger && { logger }) });
  return new Link(
    { transport, clock: systemClock, outbox, nodeKey: nodeKeyFromSecret(self.secretKey), randomBytes, ...(logger && { logger }) },
    { knownPeers: [other.id], addresses: { [other.id]: other.name }, ...REBOOT_LINK_TIMING },
  );
}

/** The receiver's record of delivered messages, in the order it recorded them: one lmdb entry per message, keyed by position. */
function openRecord(directory: string) {
  return open<{ seq: number; message: Uint8Array }, number>({ path: join(directory, 'record') });
}

/** What the receiver recorded, in order; for the parent once the receiver has exited. */
export async function readRecord(directory: string): Promise<{ seq: number; message: Uint8Array }[]> {
  const record = openRecord(directory);
  const entries = [...record.getRange({})].map(({ value }) => ({ seq: value.seq, message: new Uint8Array(value.message) }));
  await record.close();
  return entries;
}

function print(line: object): void {
  writeSync(1, `${JSON.stringify(line)}\n`);
}

function internalErrors(link: Link): number {
  return link.counters.dropped['internal-error'];
}

/** Runs until stdin closes; then the link is stopped and `finish` gives the summary. */
type Finish = () => Promise<object>;

async function runSender(link: Link, queue: boolean): Promise<Finish> {
  await link.start();
  if (queue) {
    // All in one synchronous step: nothing leaves before the last is on disk, so a kill can only come after.
    for (let seq = 1; seq <= MESSAGE_COUNT; seq++) {
      const queued = link.send(PARENT.id, rebootMessage(seq));
      if (queued !== seq) throw new Error(`message ${seq} was queued as ${queued}: the outbox was not empty`);
    }
  }
  let pending = -1;
  const report = () => {
    const now = link.pendingCount(PARENT.id);
    if (now !== pending) print({ pending: (pending = now) });
  };
  report();
  const poll = setInterval(report, 10);
  return async () => {
    clearInterval(poll);
    return { pending: link.pendingCount(PARENT.id) };
  };
}

async function runReceiver(link: Link, directory: string, dieAfterRecording: number | undefined): Promise<Finish> {
  const record = openRecord(directory);
  let entries = record.getKeysCount();
  let lastRecorded = entries === 0 ? 0 : record.get(entries - 1)!.seq;
  link.on('message', (_peer, message, seq) => {
    if (seq <= lastRecorded) return print({ ignored: seq });
    record.putSync(entries++, { seq, message });
    lastRecorded = seq;
    print({ recorded: seq });
    if (seq === dieAfterRecording) process.kill(process.pid, 'SIGKILL');
  });
  print({ resuming: lastRecorded });
  await link.start();
  return async () => {
    await record.close();
    return { recorded: entries, lastRecorded };
  };
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { queue: { type: 'boolean' }, 'die-after-recording': { type: 'string' } },
  });
  const [role, directory, brokerUrl, topicPrefix] = positionals;
  if ((role !== 'sender' && role !== 'receiver') || !directory || !brokerUrl || !topicPrefix) {
    // Run by test/transports/link/reboot.test.ts with a scratch directory and a broker; not a test itself.
    console.error('usage: reboot-child.ts sender|receiver DIRECTORY BROKER_URL TOPIC_PREFIX [--queue | --die-after-recording SEQ]');
    process.exit(2);
  }
  const dieAfter = values['die-after-recording'] === undefined ? undefined : Number(values['die-after-recording']);
  if (dieAfter !== undefined && !(Number.isSafeInteger(dieAfter) && dieAfter > 0)) {
    console.error(`--die-after-recording expects a sequence number, got ${values['die-after-recording']}`);
    process.exit(2);
  }
  const outbox = new LmdbLinkOutbox(join(directory, 'outbox'));
  const link = rebootLink(CHILD, PARENT, outbox, brokerUrl, topicPrefix, { log: (level, warning) => level === 'warn' && print({ warning }) });
  const finish = role === 'sender' ? await runSender(link, values.queue ?? false) : await runReceiver(link, directory, dieAfter);

  // The parent closes stdin once it has seen what it waited for.
  process.stdin.resume();
  process.stdin.once('end', async () => {
    await link.stop();
    const summary = await finish();
    await outbox.close();
    print({ done: true, ...summary, internalErrors: internalErrors(link), counters: link.counters });
    process.exit(0);
  });
}

const entryScript = process.argv[1] === undefined ? undefined : realpathSync(process.argv[1]);
if (entryScript === realpathSync(fileURLToPath(import.meta.url))) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
