// The channel state machine under random schedules: payments and
// settlements from both sides, messages delivered in any interleaving of the
// two directions (each direction in order, as BOLT 2 requires), delivered
// twice, and either side crashing at any point and restarting from what it
// had persisted. Each side persists its state together with its outbox and
// acknowledges a message only once it has persisted what the message did,
// as the node will. After every run both sides agree, nothing is lost or
// created, no revoked commitment is current, and both commitments are valid
// for bcoin's script interpreter.
import t from 'tap';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { Channel, type ChannelState } from '../../../node/channel/channel.js';
import { ChannelUnavailableError } from '../../../node/commitment/errors.js';
import { fundingScript, p2wsh } from '../../../node/bolt3/scripts.js';
import { MAX_SHACHAIN_INDEX, RevocationStore } from '../../../node/bolt3/shachain.js';
import type { ChannelSigner } from '../../../node/keys/signer.js';
import type { ChannelUpdate } from '../../../node/wire/messages.js';
import { scriptResult } from '../bolt3/interpreter.js';
import { FUNDING_SATOSHIS, openPair, preimageOf } from '../../../sim/kit/channel-pair.js';

/** One side as the node runs it: a channel, and what is on disk. */
class Side {
  channel: Channel;
  outbox: ChannelUpdate[] = [];
  private disk: { state: ChannelState; outbox: ChannelUpdate[] };
  /** HTLCs the other side offered that are committed and await our fulfill or fail. */
  toSettle: { id: number; paymentHash: Uint8Array }[] = [];
  private diskToSettle: { id: number; paymentHash: Uint8Array }[] = [];

  constructor(
    channel: Channel,
    private readonly signer: ChannelSigner,
  ) {
    this.channel = channel;
    this.disk = { state: structuredClone(channel.state), outbox: [] };
  }

  persist(): void {
    this.disk = { state: structuredClone(this.channel.state), outbox: structuredClone(this.outbox) };
    this.diskToSettle = structuredClone(this.toSettle);
  }

  crash(): void {
    this.channel = new Channel(structuredClone(this.disk.state), this.signer);
    this.outbox = structuredClone(this.disk.outbox);
    this.toSettle = structuredClone(this.diskToSettle);
  }

  flush(): void {
    const message = this.channel.flush();
    if (!message) return;
    this.outbox.push(message);
    this.persist();
  }
}

type Step =
  | { op: 'pay'; from: 'alice' | 'bob'; amountMsat: number }
  | { op: 'settle'; who: 'alice' | 'bob'; fulfill: boolean }
  | { op: 'flush'; who: 'alice' | 'bob' }
  | { op: 'deliver'; from: 'alice' | 'bob'; crash: 'none' | 'before-persist' | 'before-ack'; twice: boolean }
  | { op: 'crash'; who: 'alice' | 'bob' }
  /** Alice, the funder, changes the commitment feerate. */
  | { op: 'fee'; feeratePerKw: number }
  /** A burst of traffic both ways, so that HTLCs get far enough to be settled mid-run. */
  | { op: 'exchange'; rounds: number; crashes: ('none' | 'before-persist' | 'before-ack')[] };

const who = fc.constantFrom('alice' as const, 'bob' as const);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('pay' as const), from: who, amountMsat: fc.integer({ min: 1000, max: 60_000_000 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('settle' as const), who, fulfill: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('flush' as const), who }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('deliver' as const),
      from: who,
      crash: fc.constantFrom('none' as const, 'none' as const, 'none' as const, 'before-persist' as const, 'before-ack' as const),
      twice: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('crash' as const), who }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('fee' as const), feeratePerKw: fc.oneof(fc.integer({ min: 253, max: 5000 }), fc.integer({ min: 5000, max: 200_000 })) }) },
  { weight: 3, arbitrary: fc.record({
      op: fc.constant('exchange' as const),
      rounds: fc.integer({ min: 1, max: 4 }),
      crashes: fc.array(fc.constantFrom('none' as const, 'none' as const, 'before-persist' as const, 'before-ack' as const), { minLength: 8, maxLength: 8 }),
    }) },
);

let paymentCounter = 0;
/** What the runs exercised, so a run that quietly does nothing is noticed. */
const seen = { fulfilled: 0, failed: 0, crashes: 0, duplicates: 0, feeUpdates: 0 };

function run(steps: Step[], variant: 'anchors' | 'static_remotekey'): string | undefined {
  const pair = openPair(variant, 400_000_000);
  const sides = { alice: new Side(pair.alice, pair.aliceSigner), bob: new Side(pair.bob, pair.bobSigner) };
  const other = (name: 'alice' | 'bob') => sides[name === 'alice' ? 'bob' : 'alice'];
  const preimages = new Map<string, Uint8Array>();

  const deliver = (from: 'alice' | 'bob', crash: 'none' | 'before-persist' | 'before-ack', twice: boolean) => {
    const sender = sides[from];
    const receiver = other(from);
    const message = sender.outbox[0];
    if (!message) return;
    const events = receiver.channel.receive(structuredClone(message));
    if (crash !== 'none') seen.crashes++;
    if (crash === 'before-ack' || twice) seen.duplicates++;
    if (crash === 'before-persist') return receiver.crash(); // not acknowledged: it will come again
    for (const event of events) {
      if (event.type === 'htlc_received') receiver.toSettle.push({ id: event.id, paymentHash: event.paymentHash });
      if (event.type === 'htlc_fulfilled') seen.fulfilled++;
      if (event.type === 'htlc_failed') seen.failed++;
    }
    receiver.persist();
    if (crash === 'before-ack') return receiver.crash(); // persisted but not acknowledged: a duplicate will come
    sender.outbox.shift();
    sender.persist();
    if (twice) receiver.channel.receive(structuredClone(message)); // a stray duplicate is ignored
  };

  for (const s of steps) {
    switch (s.op) {
      case 'pay': {
        const preimage = preimageOf(paymentCounter++);
        const hash = sha256(preimage);
        try {
          sides[s.from].channel.addHtlc(s.amountMsat, hash, 800_000);
          preimages.set(Buffer.from(hash).toString('hex'), preimage);
          sides[s.from].persist();
        } catch (error) {
          if (!(error as Error).name.endsWith('StateError')) throw error;
        }
        break;
      }
      case 'settle': {
        const side = sides[s.who];
        const htlc = side.toSettle.shift();
        if (!htlc) break;
        const preimage = preimages.get(Buffer.from(htlc.paymentHash).toString('hex'))!;
        if (s.fulfill) side.channel.fulfillHtlc(htlc.id, preimage);
        else side.channel.failHtlc(htlc.id, new Uint8Array(0));
        side.persist();
        break;
      }
      case 'flush':
        sides[s.who].flush();
        break;
      case 'deliver':
        deliver(s.from, s.crash, s.twice);
        break;
      case 'crash':
        sides[s.who].crash();
        break;
      case 'fee':
        try {
          sides.alice.channel.updateFee(s.feeratePerKw);
          sides.alice.persist();
          seen.feeUpdates++;
        } catch (error) {
          if (!(error as Error).name.endsWith('StateError')) throw error;
        }
        break;
      case 'exchange':
        for (let round = 0; round < s.rounds; round++) {
          for (const [k, name] of (['alice', 'bob'] as const).entries()) {
            sides[name].flush();
            deliver(name, s.crashes[round * 2 + k] ?? 'none', false);
          }
        }
        break;
    }
    const error = conserved(sides.alice.channel, sides.bob.channel);
    if (error) return error;
  }

  // Settle everything, then let the channels go quiet.
  for (let round = 0; round < 200; round++) {
    for (const name of ['alice', 'bob'] as const) {
      const side = sides[name];
      for (const htlc of side.toSettle.splice(0)) side.channel.fulfillHtlc(htlc.id, preimages.get(Buffer.from(htlc.paymentHash).toString('hex'))!);
      side.persist();
      side.flush();
    }
    if (sides.alice.outbox.length === 0 && sides.bob.outbox.length === 0) {
      const pending = sides.alice.channel.balances().pendingHtlcs + sides.bob.channel.balances().pendingHtlcs;
      if (pending === 0 && !sides.alice.channel.flush() && !sides.bob.channel.flush()) break;
    }
    deliver('alice', 'none', false);
    deliver('bob', 'none', false);
  }
  return finalChecks(sides.alice.channel, sides.bob.channel);
}

function conserved(alice: Channel, bob: Channel): string | undefined {
  for (const [name, channel] of [['alice', alice], ['bob', bob]] as const) {
    const spec = channel.state.localCommit.spec;
    const inFlight = spec.htlcs.reduce((sum, htlc) => sum + htlc.amountMsat, 0);
    if (spec.toLocalMsat + spec.toRemoteMsat + inFlight !== FUNDING_SATOSHIS * 1000) return `${name}: the commitment does not add up to the funding amount`;
  }
  return undefined;
}

function finalChecks(alice: Channel, bob: Channel): string | undefined {
  const a = alice.balances();
  const b = bob.balances();
  if (a.pendingHtlcs !== 0 || b.pendingHtlcs !== 0) return `HTLCs left pending: ${a.pendingHtlcs}, ${b.pendingHtlcs}`;
  if (a.localMsat !== b.remoteMsat || a.remoteMsat !== b.localMsat) return `the sides disagree: ${JSON.stringify([a, b])}`;
  if (a.localMsat + a.remoteMsat !== FUNDING_SATOSHIS * 1000) return 'money was created or lost';
  for (const [owner, counterparty] of [
    [alice, bob],
    [bob, alice],
  ] as const) {
    const number = owner.state.localCommit.number;
    if (counterparty.state.remoteCommit.number !== number) return 'the sides disagree on the current commitment';
    // Every earlier commitment is revoked (its secret is with the counterparty), the current one is not.
    const store = RevocationStore.fromEntries(counterparty.state.remoteSecrets.entries, counterparty.state.remoteSecrets.latestIndex);
    if (number > 0 && store.latestIndex !== MAX_SHACHAIN_INDEX - (number - 1)) return 'an earlier commitment is not revoked';
    if (store.secretFor(MAX_SHACHAIN_INDEX - number) !== undefined) return 'the current commitment is revoked';
    const commitment = owner.signedLocalCommitment();
    const funding = { scriptPubKey: p2wsh(fundingScript(owner.state.local.publicKeys.fundingPubkey, owner.state.remote.publicKeys.fundingPubkey)), satoshis: FUNDING_SATOSHIS };
    const verdict = scriptResult(commitment.tx, 0, funding);
    if (verdict !== 'OK') return `a commitment fails the interpreter: ${verdict}`;
  }
  return undefined;
}

for (const variant of ['anchors', 'static_remotekey'] as const) {
  t.test(`${variant}: random schedules with duplicates and crashes`, async (t) => {
    let runs = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 80 }), (steps) => {
        runs++;
        const error = run(steps, variant);
        if (error) throw new Error(error);
      }),
      { numRuns: Number(process.env.CHANNEL_PROPERTY_RUNS ?? 40) },
    );
    t.ok(runs >= 40, `${runs} random schedules`);
  });
}

t.test('the schedules exercised what they claim', async (t) => {
  t.ok(seen.fulfilled > 20, `${seen.fulfilled} HTLCs fulfilled`);
  t.ok(seen.failed > 0, `${seen.failed} HTLCs failed`);
  t.ok(seen.crashes > 20, `${seen.crashes} crashes while receiving`);
  t.ok(seen.duplicates > 20, `${seen.duplicates} messages delivered twice`);
  t.ok(seen.feeUpdates > 5, `${seen.feeUpdates} fee updates`);
});

t.test('ChannelUnavailableError is what a refused payment throws', async (t) => {
  const pair = openPair();
  t.throws(() => pair.bob.addHtlc(1000, new Uint8Array(32), 800_000), ChannelUnavailableError);
});
