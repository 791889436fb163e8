/**
 * The `Transport` contract (transports/transport.ts) as a compliance suite,
 * as the outboxes share `behavesAsAnOutbox`: every implementation, real or
 * simulated, runs it from a test file with a pair of its own making. Each
 * clause gets a fresh pair, so one clause's leftovers cannot pass another.
 * What only one medium does (MQTT's reconnects, LoRa's duty cycle, serial
 * corruption) stays in that medium's own test.
 */
import type { Test } from 'tap';
import { TransportError, type Transport } from '../../transports/transport.js';

/** Two transports that can reach each other, not yet opened. */
export interface TransportPair {
  readonly a: Transport;
  readonly b: Transport;
  /** Where `a` sends to reach `b`, and back: an address, or undefined on a medium with one listener. */
  readonly toB: string | undefined;
  readonly toA: string | undefined;
  /** The `from` that `b` sees on `a`'s frames, and back: undefined where the medium does not tell. */
  readonly fromA: string | undefined;
  readonly fromB: string | undefined;
  /** Lets the medium's time pass until `done()` or its patience ends; returns `done()`. Default: real time, up to 10 s. */
  waitUntil?(done: () => boolean): Promise<boolean>;
  /** Releases what the pair holds besides the transports (the suite closes those). */
  dispose?(): Promise<void>;
}

export interface TransportContractOptions {
  /** Whether frames from one sender arrive in the order sent (loss aside). Default true. */
  readonly ordered?: boolean;
}

export type MakeTransportPair = (t: Test) => Promise<TransportPair>;

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Runs every clause of the contract as a subtest of `t`, each on a pair from `makePair`. */
export async function behavesAsATransport(t: Test, name: string, makePair: MakeTransportPair, options: TransportContractOptions = {}): Promise<void> {
  await t.test(`${name}: opening brings the link up; a send before it is refused`, (t) => withPair(t, makePair, opening));
  await t.test(`${name}: frames of 1 byte up to the mtu cross unchanged, both ways`, (t) => withPair(t, makePair, crossing));
  if (options.ordered ?? true) await t.test(`${name}: frames sent back to back arrive in order`, (t) => withPair(t, makePair, ordering));
  await t.test(`${name}: a frame over the mtu is refused with TransportError, and nothing of it arrives`, (t) => withPair(t, makePair, oversized));
  await t.test(`${name}: closing takes the link down and refuses sends; closing twice is harmless`, (t) => withPair(t, makePair, closing));
  await t.test(`${name}: sends still queued at close settle, sent or refused with TransportError`, (t) => withPair(t, makePair, queuedAtClose));
}

type Clause = (t: Test, pair: TransportPair, wait: (done: () => boolean) => Promise<boolean>) => Promise<void>;

async function withPair(t: Test, makePair: MakeTransportPair, clause: Clause): Promise<void> {
  const pair = await makePair(t);
  t.teardown(async () => {
    await Promise.all([pair.a.close(), pair.b.close()]);
    await pair.dispose?.();
  });
  await clause(t, pair, pair.waitUntil?.bind(pair) ?? realTime);
}

async function realTime(done: () => boolean): Promise<boolean> {
  for (let waited = 0; !done() && waited < 10_000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
  return done();
}

/** What `transport` receives, as [hex, from], in order. */
function received(transport: Transport): [string, string | undefined][] {
  const frames: [string, string | undefined][] = [];
  transport.on('frame', (frame, from) => frames.push([hex(frame), from]));
  return frames;
}

function linkEvents(transport: Transport): boolean[] {
  const events: boolean[] = [];
  transport.on('link', (up) => events.push(up));
  return events;
}

async function refusal(t: Test, sending: Promise<void>, why: string): Promise<void> {
  const error = await sending.then(() => undefined, (error: unknown) => error);
  t.ok(error instanceof TransportError, `${why}: refused with TransportError (${error instanceof Error ? error.message : 'not refused'})`);
}

/** A frame of `length` bytes with the bytes framings escape (0x00, KISS's FEND and FESC) in it. */
function frameOf(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => [0x00, 0xc0, 0xdb, seed, i][i % 5]! & 0xff);
}

/** Sends through `wait`: a virtual medium's send may resolve only once its time passes. */
async function sendAll(wait: (done: () => boolean) => Promise<boolean>, sends: Promise<void>[]): Promise<void> {
  let settled = 0;
  const all = Promise.all(sends.map((send) => send.finally(() => settled++)));
  await wait(() => settled === sends.length);
  await all;
}

const opening: Clause = async (t, { a, b, toB }) => {
  await refusal(t, a.send(Uint8Array.of(1), toB), 'a send before open');
  const links = linkEvents(a);
  await Promise.all([a.open(), b.open()]);
  t.same(links, [true], "open says the link is up, once");
};

const crossing: Clause = async (t, { a, b, toA, toB, fromA, fromB }, wait) => {
  const atA = received(a);
  const atB = received(b);
  await Promise.all([a.open(), b.open()]);
  const small = Uint8Array.of(0xc0);
  const full = frameOf(a.mtu, 1);
  const back = frameOf(Math.min(b.mtu, 40), 2);
  await sendAll(wait, [a.send(small, toB), a.send(full, toB), b.send(back, toA)]);
  t.ok(await wait(() => atB.length >= 2 && atA.length >= 1), 'all three arrive');
  t.same(new Set(atB.map(([frame]) => frame)), new Set([hex(small), hex(full)]), `a's 1-byte frame and its ${a.mtu}-byte frame (the mtu), unchanged`);
  t.same(atB.map(([, from]) => from), [fromA, fromA], `from ${fromA ?? 'undefined'}`);
  t.same(atA, [[hex(back), fromB]], "b's frame reaches a");
};

const ordering: Clause = async (t, { a, b, toB }, wait) => {
  const atB = received(b);
  await Promise.all([a.open(), b.open()]);
  const frames = [1, 2, 3, 4, 5].map((seed) => frameOf(Math.min(a.mtu, 30 + seed), seed));
  await sendAll(wait, frames.map((frame) => a.send(frame, toB)));
  t.ok(await wait(() => atB.length >= frames.length), 'all five arrive');
  t.same(atB.map(([frame]) => frame), frames.map(hex), 'in the order sent');
};

const oversized: Clause = async (t, { a, b, toB }, wait) => {
  const atB = received(b);
  await Promise.all([a.open(), b.open()]);
  await refusal(t, a.send(new Uint8Array(a.mtu + 1), toB), `a frame of mtu + 1 (${a.mtu + 1}) bytes`);
  const after = Uint8Array.of(7, 7);
  await sendAll(wait, [a.send(after, toB)]);
  t.ok(await wait(() => atB.length >= 1), 'the next frame arrives');
  t.same(atB.map(([frame]) => frame), [hex(after)], 'and only it');
};

const closing: Clause = async (t, { a, b, toB }) => {
  await Promise.all([a.open(), b.open()]);
  const links = linkEvents(a);
  await a.close();
  t.same(links, [false], 'close says the link is down, once');
  await refusal(t, a.send(Uint8Array.of(1), toB), 'a send after close');
  await a.close();
  t.same(links, [false], 'a second close resolves and says nothing');
};

const queuedAtClose: Clause = async (t, { a, b, toB }, wait) => {
  await Promise.all([a.open(), b.open()]);
  const outcomes: unknown[] = [];
  for (const seed of [1, 2, 3]) {
    a.send(frameOf(a.mtu, seed), toB).then(
      () => outcomes.push('sent'),
      (error: unknown) => outcomes.push(error),
    );
  }
  await a.close();
  t.ok(await wait(() => outcomes.length === 3), 'all three sends settle');
  t.ok(outcomes.every((outcome) => outcome === 'sent' || outcome instanceof TransportError), `each sent or refused with TransportError: ${outcomes.map((o) => (o === 'sent' ? o : (o as Error).name)).join(', ')}`);
};
