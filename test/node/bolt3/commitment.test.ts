// Commitment construction for random channels and HTLC sets: outputs stay in
// BIP 69 + CLTV order, and every satoshi of the funding output is either in
// an output or in the fee, exactly as BOLT 3 distributes it.
import t from 'tap';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  type CommitmentParams,
  type Htlc,
  buildCommitment,
  commitmentLocktimeAndSequence,
  commitmentNumberOf,
} from '../../../node/bolt3/commitment.js';
import { MAX_ACCEPTED_HTLCS } from '../../../node/core/bolt-limits.js';
import { deriveCommitmentKeys } from '../../../node/bolt3/commitment-keys.js';
import { ANCHOR_OUTPUT_SATOSHIS, commitmentFee, isHtlcTrimmed } from '../../../node/bolt3/fees.js';
import { compareBytes } from '../../../node/bolt3/scripts.js';
import { InvalidInputError } from '../../../node/core/input.js';
import { SeedSigner } from '../../../node/keys/signer.js';
import { throwsField } from '../input.js';

const local = new SeedSigner(new Uint8Array(32).fill(1)).channelSigner(0);
const remote = new SeedSigner(new Uint8Array(32).fill(2)).channelSigner(0);
const keys = deriveCommitmentKeys(local.perCommitmentPoint(0), local.publicKeys, remote.publicKeys);
const paymentHashes = [0, 1, 2].map((i) => sha256(Uint8Array.of(i)));

/** A random channel state: HTLCs share a few payment hashes and expiries so that identical outputs occur. */
const channelState = fc
  .record({
    variant: fc.constantFrom('anchors' as const, 'static_remotekey' as const),
    fundingSatoshis: fc.integer({ min: 200_000, max: 16_777_215 }),
    localIsFunder: fc.boolean(),
    feeratePerKw: fc.oneof(fc.integer({ min: 253, max: 20_000 }), fc.integer({ min: 20_000, max: 2_000_000 })),
    dustLimitSatoshis: fc.integer({ min: 354, max: 2_000 }),
    localShare: fc.double({ min: 0, max: 1, noNaN: true }),
    htlcs: fc.array(
      fc.record({
        direction: fc.constantFrom('offered' as const, 'received' as const),
        amountMsat: fc.oneof(fc.integer({ min: 1, max: 5_000_000 }), fc.integer({ min: 5_000_000, max: 200_000_000 })),
        hash: fc.integer({ min: 0, max: 2 }),
        cltvExpiry: fc.integer({ min: 800_000, max: 800_003 }),
      }),
      { maxLength: 40 },
    ),
  })
  .map((state): CommitmentParams => {
    const htlcs: Htlc[] = state.htlcs.map((htlc, id) => ({ ...htlc, paymentHash: paymentHashes[htlc.hash]!, id }));
    const inFlight = htlcs.reduce((sum, htlc) => sum + htlc.amountMsat, 0);
    const available = Math.max(0, state.fundingSatoshis * 1000 - inFlight);
    const toLocalMsat = Math.floor(available * state.localShare);
    return {
      variant: state.variant,
      fundingOutpoint: { txid: 'ab'.repeat(32), vout: 0 },
      fundingSatoshis: state.fundingSatoshis,
      localFundingPubkey: local.publicKeys.fundingPubkey,
      remoteFundingPubkey: remote.publicKeys.fundingPubkey,
      obscuringFactor: 0x2bb038521914,
      commitmentNumber: 42,
      localIsFunder: state.localIsFunder,
      toLocalMsat,
      toRemoteMsat: available - toLocalMsat,
      feeratePerKw: state.feeratePerKw,
      dustLimitSatoshis: state.dustLimitSatoshis,
      toSelfDelay: 2016,
      keys,
      htlcs: inFlight <= state.fundingSatoshis * 1000 ? htlcs : [],
    };
  })
  .filter((params) => params.toLocalMsat + params.toRemoteMsat + params.htlcs.reduce((s, h) => s + h.amountMsat, 0) === params.fundingSatoshis * 1000);

t.test('outputs are in BIP 69 order, ties between identical HTLC outputs broken by cltv_expiry', async (t) => {
  fc.assert(
    fc.property(channelState, (params) => {
      let built;
      try {
        built = buildCommitment(params);
      } catch (error) {
        return error instanceof InvalidInputError; // the funder cannot pay the anchors: see the next test
      }
      const { tx, outputs } = built;
      for (let i = 1; i < outputs.length; i++) {
        const a = outputs[i - 1]!;
        const b = outputs[i]!;
        const order = a.satoshis - b.satoshis || compareBytes(a.scriptPubKey, b.scriptPubKey);
        if (order > 0) return false;
        if (order === 0 && (a.htlc?.cltvExpiry ?? 0) > (b.htlc?.cltvExpiry ?? 0)) return false;
      }
      // The descriptions match the transaction's outputs one for one.
      return (
        tx.outs.length === outputs.length &&
        outputs.every((output, i) => Number(tx.outs[i]!.value) === output.satoshis && compareBytes(tx.outs[i]!.script, output.scriptPubKey) === 0)
      );
    }),
    { numRuns: 300 },
  );
  t.pass('300 random commitments sorted');
});

t.test('amounts balance: funding = outputs + fee, distributed as BOLT 3 says', async (t) => {
  fc.assert(
    fc.property(channelState, (params) => {
      const anchors = params.variant === 'anchors';
      let built;
      try {
        built = buildCommitment(params);
      } catch (error) {
        // Refused only when a funder with nothing left would owe the anchors (the outputs would exceed the input).
        const funderMsat = params.localIsFunder ? params.toLocalMsat : params.toRemoteMsat;
        return error instanceof InvalidInputError && anchors && Math.floor(funderMsat / 1000) < 2 * ANCHOR_OUTPUT_SATOSHIS + commitmentFee(params.variant, params.feeratePerKw, 0);
      }
      const { tx, outputs, feeSatoshis, trimmedHtlcs } = built;
      const paid = tx.outs.reduce((sum, out) => sum + Number(out.value), 0);
      if (paid + feeSatoshis !== params.fundingSatoshis || feeSatoshis < 0) return false;

      // HTLCs: trimmed exactly when BOLT 3 says, untrimmed ones at their value in whole satoshis.
      const untrimmed = params.htlcs.filter(
        (htlc) => !isHtlcTrimmed(params.variant, htlc.direction, Math.floor(htlc.amountMsat / 1000), params.feeratePerKw, params.dustLimitSatoshis),
      );
      const htlcOutputs = outputs.filter((output) => output.htlc);
      if (htlcOutputs.length !== untrimmed.length || trimmedHtlcs.length !== params.htlcs.length - untrimmed.length) return false;
      if (!htlcOutputs.every((output) => output.satoshis === Math.floor(output.htlc!.amountMsat / 1000))) return false;

      // The funder pays the fee and the anchors; the other side's balance is untouched.
      const charge = commitmentFee(params.variant, params.feeratePerKw, untrimmed.length) + (anchors ? 2 * ANCHOR_OUTPUT_SATOSHIS : 0);
      const funderMsat = params.localIsFunder ? params.toLocalMsat : params.toRemoteMsat;
      const otherMsat = params.localIsFunder ? params.toRemoteMsat : params.toLocalMsat;
      const funderExpected = Math.max(0, Math.floor(funderMsat / 1000) - charge);
      const otherExpected = Math.floor(otherMsat / 1000);
      const amountOf = (kind: string) => outputs.find((output) => output.kind === kind)?.satoshis;
      const funderKind = params.localIsFunder ? 'to_local' : 'to_remote';
      const otherKind = params.localIsFunder ? 'to_remote' : 'to_local';
      if (amountOf(funderKind) !== (funderExpected >= params.dustLimitSatoshis ? funderExpected : undefined)) return false;
      if (amountOf(otherKind) !== (otherExpected >= params.dustLimitSatoshis ? otherExpected : undefined)) return false;

      // Anchors: one per side that has an output, both while any HTLC is pending.
      const hasLocalAnchor = outputs.some((output) => output.kind === 'local_anchor');
      const hasRemoteAnchor = outputs.some((output) => output.kind === 'remote_anchor');
      const wantLocalAnchor = anchors && (amountOf('to_local') !== undefined || untrimmed.length > 0);
      const wantRemoteAnchor = anchors && (amountOf('to_remote') !== undefined || untrimmed.length > 0);
      return hasLocalAnchor === wantLocalAnchor && hasRemoteAnchor === wantRemoteAnchor;
    }),
    { numRuns: 300 },
  );
  t.pass('300 random commitments balanced');
});

t.test('the obscured commitment number round-trips through locktime and sequence', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.integer({ min: 0, max: 2 ** 48 - 1 }), (number, factor) => {
      const { locktime, sequence } = commitmentLocktimeAndSequence(number, factor);
      return locktime >>> 24 === 0x20 && sequence >>> 24 === 0x80 && commitmentNumberOf(locktime, sequence, factor) === number;
    }),
  );
  t.equal(commitmentNumberOf(0, 0xffffffff, 5), undefined, 'an ordinary transaction is no commitment');
  t.equal(commitmentNumberOf(0x20000000, 0xfffffffd, 5), undefined, 'the sequence must carry the 0x80 marker too');
  t.throws(() => buildCommitment(undefined as never), { name: 'InvalidInputError', field: 'params' }, 'no parameters at all');
});

t.test('bad input is refused with the field named', async (t) => {
  const base = fc.sample(channelState, { numRuns: 1, seed: 7 })[0]!;
  const refuses = (change: Partial<CommitmentParams>, field: RegExp, what: string) => throwsField(t, () => buildCommitment({ ...base, ...change }), field, what);
  refuses({ toLocalMsat: base.toLocalMsat + 1 }, /^toLocalMsat$/, 'balances that do not add up to the funding amount');
  refuses({ toLocalMsat: -1 }, /^toLocalMsat$/, 'a negative balance');
  refuses({ toLocalMsat: 0.5 }, /^toLocalMsat$/, 'a fractional balance');
  refuses({ variant: 'legacy' as never }, /^variant$/, 'an unknown variant');
  refuses({ feeratePerKw: -1 }, /^feeratePerKw$/, 'a negative feerate');
  refuses({ dustLimitSatoshis: 353 }, /^dustLimitSatoshis$/, 'a dust limit below the 354 sat BOLT 2 requires');
  refuses({ htlcs: [null as never] }, /^htlcs\[0\]$/, 'a null HTLC');
  refuses({ keys: undefined as never }, /^keys$/, 'no keys');
  refuses({ toSelfDelay: 70_000 }, /^toSelfDelay$/, 'a CSV delay beyond 16 bits');
  refuses({ commitmentNumber: 2 ** 48 }, /^commitmentNumber$/, 'a commitment number beyond 48 bits');
  refuses({ fundingOutpoint: { txid: 'xyz', vout: 0 } }, /^fundingOutpoint\.txid$/, 'a malformed txid');
  refuses({ keys: { ...keys, revocationPubkey: new Uint8Array(33) } }, /^keys\.revocationPubkey$/, 'a point not on the curve');
  refuses({ localFundingPubkey: new Uint8Array(32) }, /^localFundingPubkey$/, 'a key of the wrong length');
  const htlc: Htlc = { direction: 'offered', amountMsat: 1000, paymentHash: paymentHashes[0]!, cltvExpiry: 800_000 };
  refuses({ htlcs: [{ ...htlc, paymentHash: new Uint8Array(31) }] }, /^htlcs\[0\]\.paymentHash$/, 'a short payment hash');
  refuses({ htlcs: [{ ...htlc, direction: 'sideways' as never }] }, /^htlcs\[0\]\.direction$/, 'an unknown direction');
  refuses(
    { htlcs: Array.from({ length: MAX_ACCEPTED_HTLCS + 1 }, () => htlc), toLocalMsat: base.fundingSatoshis * 1000 - (MAX_ACCEPTED_HTLCS + 1) * 1000, toRemoteMsat: 0 },
    /^htlcs$/,
    'more than 483 HTLCs one way',
  );
});
