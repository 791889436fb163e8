// A commitment built again with the same parameters comes from the recent
// ones: the same transaction and outputs as a fresh build, in a copy the
// caller may change, with the caller's own HTLC objects; parameters a build
// refuses are refused every time.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { type CommitmentParams, buildCommitment } from '../../../node/bolt3/commitment.js';
import { deriveCommitmentKeys } from '../../../node/bolt3/commitment-keys.js';
import { InvalidInputError } from '../../../node/core/input.js';
import { SeedSigner } from '../../../node/keys/signer.js';
import { commitmentFor } from '../../../node/commitment/recent-commitments.js';

const local = new SeedSigner(new Uint8Array(32).fill(1)).channelSigner(0);
const remote = new SeedSigner(new Uint8Array(32).fill(2)).channelSigner(0);
const keys = deriveCommitmentKeys(local.perCommitmentPoint(0), local.publicKeys, remote.publicKeys);

const params = (extra: Partial<CommitmentParams> = {}): CommitmentParams => ({
  variant: 'anchors',
  fundingOutpoint: { txid: 'ab'.repeat(32), vout: 0 },
  fundingSatoshis: 1_000_000,
  localFundingPubkey: local.publicKeys.fundingPubkey,
  remoteFundingPubkey: remote.publicKeys.fundingPubkey,
  obscuringFactor: 0x2bb038521914,
  commitmentNumber: 7,
  localIsFunder: true,
  toLocalMsat: 600_000_000,
  toRemoteMsat: 300_000_000,
  feeratePerKw: 2_500,
  dustLimitSatoshis: 354,
  toSelfDelay: 144,
  keys,
  htlcs: [
    { direction: 'offered', amountMsat: 60_000_000, paymentHash: sha256(Uint8Array.of(1)), cltvExpiry: 800_000, id: 3 },
    { direction: 'received', amountMsat: 40_000_000, paymentHash: sha256(Uint8Array.of(2)), cltvExpiry: 800_010, id: 4 },
  ],
  ...extra,
});

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

t.test('built again: the same commitment as a fresh build', async (t) => {
  const first = commitmentFor(params());
  const again = commitmentFor(params());
  const fresh = buildCommitment(params());
  for (const commitment of [first, again]) {
    t.equal(commitment.tx.toHex(), fresh.tx.toHex(), 'same transaction');
    t.same(commitment.outputs.map((o) => [o.kind, o.satoshis, hex(o.scriptPubKey)]), fresh.outputs.map((o) => [o.kind, o.satoshis, hex(o.scriptPubKey)]));
    t.equal(commitment.feeSatoshis, fresh.feeSatoshis);
  }
});

t.test('each caller gets its own copy, with its own HTLC objects', async (t) => {
  const mine = params();
  const built = commitmentFor(mine);
  built.tx.setWitness(0, [Uint8Array.of(1)]);
  built.tx.ins[0]!.hash.fill(0);
  built.outputs[0]!.scriptPubKey.fill(0);
  const theirs = params();
  const again = commitmentFor(theirs);
  t.equal(again.tx.toHex(), buildCommitment(params()).tx.toHex(), 'what the first caller changed is not in the next copy');
  t.equal(again.tx.ins[0]!.witness.length, 0);
  for (const output of again.outputs) {
    if (output.htlc) t.ok(theirs.htlcs.includes(output.htlc), 'an HTLC output carries the HTLC the caller passed');
  }
  t.equal(again.tx.outs[0]!.script, again.outputs[0]!.scriptPubKey, 'the transaction and the outputs share their scripts, as built');
});

t.test('what a build refuses is refused again, and a changed parameter builds anew', async (t) => {
  t.throws(() => commitmentFor(params({ toLocalMsat: 1 })), InvalidInputError);
  t.throws(() => commitmentFor(params({ toLocalMsat: 1 })), InvalidInputError);
  t.throws(() => commitmentFor(params({ commitmentNumber: '7' as unknown as number })), InvalidInputError, 'not looked up under the number it spells');
  const other = commitmentFor(params({ feeratePerKw: 5_000 }));
  t.equal(other.tx.toHex(), buildCommitment(params({ feeratePerKw: 5_000 })).tx.toHex());
  t.not(other.tx.toHex(), commitmentFor(params()).tx.toHex());
});
