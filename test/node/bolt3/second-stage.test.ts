// HTLC transactions, sweeps and justice transactions refuse what they cannot
// build, naming the field: a non-HTLC output, an HTLC worth less than its fee,
// an empty or uneconomic sweep.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { buildCommitment } from '../../../node/bolt3/commitment.js';
import { deriveCommitmentKeys } from '../../../node/bolt3/commitment-keys.js';
import { buildHtlcTransaction, htlcTransactionWitness } from '../../../node/bolt3/htlc-tx.js';
import { buildJusticeTransaction, justiceWitness } from '../../../node/bolt3/justice.js';
import { p2wpkh } from '../../../node/bolt3/scripts.js';
import { UneconomicSweepError, buildSweepTransaction } from '../../../node/bolt3/sweep.js';
import { SeedSigner } from '../../../node/keys/signer.js';
import { throwsField } from '../input.js';

const local = new SeedSigner(new Uint8Array(32).fill(1)).channelSigner(0);
const remote = new SeedSigner(new Uint8Array(32).fill(2)).channelSigner(0);
const keys = deriveCommitmentKeys(local.perCommitmentPoint(0), local.publicKeys, remote.publicKeys);
const destination = p2wpkh(local.publicKeys.paymentBasepoint);
const commitment = buildCommitment({
  variant: 'static_remotekey',
  fundingOutpoint: { txid: '11'.repeat(32), vout: 0 },
  fundingSatoshis: 100_000,
  localFundingPubkey: local.publicKeys.fundingPubkey,
  remoteFundingPubkey: remote.publicKeys.fundingPubkey,
  obscuringFactor: 1,
  commitmentNumber: 0,
  localIsFunder: true,
  toLocalMsat: 50_000_000,
  toRemoteMsat: 40_000_000,
  feeratePerKw: 253,
  dustLimitSatoshis: 354,
  toSelfDelay: 144,
  keys,
  htlcs: [{ direction: 'received', amountMsat: 10_000_000, paymentHash: sha256(new Uint8Array(32)), cltvExpiry: 1000 }],
});
const htlcIndex = commitment.outputs.findIndex((output) => output.htlc);
const toLocalIndex = commitment.outputs.findIndex((output) => output.kind === 'to_local');
const htlcParams = { variant: 'static_remotekey' as const, commitmentTxid: commitment.tx.getId(), output: commitment.outputs[htlcIndex]!, outputIndex: htlcIndex, feeratePerKw: 253, toSelfDelay: 144, keys };


t.test('HTLC transactions', async (t) => {
  t.equal(buildHtlcTransaction(htlcParams).type, 'htlc-success', 'a received HTLC gives an HTLC-success transaction');
  throwsField(t, () => buildHtlcTransaction({ ...htlcParams, output: commitment.outputs[toLocalIndex]! }), 'output', 'a to_local output is not an HTLC');
  throwsField(t, () => buildHtlcTransaction({ ...htlcParams, feeratePerKw: 100_000 }), 'output', 'an HTLC worth less than its second-stage fee');
  throwsField(t, () => buildHtlcTransaction({ ...htlcParams, commitmentTxid: 'zz' }), 'commitmentTxid', 'a malformed txid');
  throwsField(t, () => buildHtlcTransaction({ ...htlcParams, variant: 'anchors' }), 'variant', 'an anchors HTLC transaction for a static_remotekey output');
  throwsField(t, () => buildHtlcTransaction({ ...htlcParams, variant: 'bogus' as never }), 'variant', 'an unknown variant');
  throwsField(t, () => buildHtlcTransaction({ ...htlcParams, feeratePerKw: Number.NaN }), 'feeratePerKw', 'a feerate that is not a number');
  throwsField(t, () => buildHtlcTransaction({ ...htlcParams, keys: undefined as never }), 'keys', 'no keys');
  const success = buildHtlcTransaction(htlcParams);
  throwsField(t, () => htlcTransactionWitness(success, new Uint8Array(71), new Uint8Array(71)), 'paymentPreimage', 'HTLC-success without the preimage');
  throwsField(t, () => htlcTransactionWitness(success, new Uint8Array(71), new Uint8Array(71), new Uint8Array(31)), 'paymentPreimage', 'a short preimage');
  throwsField(t, () => htlcTransactionWitness(success, new Uint8Array(71), new Uint8Array(71), new Uint8Array(32).fill(1)), 'paymentPreimage', 'a preimage of another payment hash');
  t.equal(htlcTransactionWitness(success, new Uint8Array(71), new Uint8Array(71), new Uint8Array(32)).length, 5, 'the right preimage gives the five-item witness');
});

t.test('sweeps and justice', async (t) => {
  const toLocal = commitment.outputs[toLocalIndex]!;
  const revoked = { kind: 'to_local' as const, outpoint: { txid: commitment.tx.getId(), vout: toLocalIndex }, satoshis: toLocal.satoshis, witnessScript: toLocal.witnessScript! };
  const justice = buildJusticeTransaction({ revokedOutputs: [revoked], destinationScript: destination, feeratePerKw: 1000 });
  t.equal(justice.tx.ins[0]!.sequence, 0xfffffffd, 'justice transactions signal replace-by-fee');
  throwsField(t, () => buildJusticeTransaction({ revokedOutputs: [], destinationScript: destination, feeratePerKw: 1000 }), 'revokedOutputs', 'nothing to sweep');
  throwsField(t, () => buildJusticeTransaction({ revokedOutputs: [{ ...revoked, kind: 'anchor' as never }], destinationScript: destination, feeratePerKw: 1000 }), 'revokedOutputs[0].kind', 'an unknown output kind');
  throwsField(
    t,
    () => buildJusticeTransaction({ revokedOutputs: [{ ...revoked, satoshis: 400 }], destinationScript: destination, feeratePerKw: 1000 }),
    'revokedOutputs',
    'an output too small to pay for its own sweep',
    UneconomicSweepError,
  );
  throwsField(t, () => buildSweepTransaction({ inputs: [{ ...justice.inputs[0]!, sequence: -1 }], destinationScript: destination, feeratePerKw: 1000 }), 'inputs[0].sequence', 'a negative sequence');
  throwsField(t, () => justiceWitness('htlc', new Uint8Array(72), new Uint8Array(33), toLocal.witnessScript!), 'revocationPubkey', 'an HTLC justice witness needs a valid revocation key');
  const htlcScript = commitment.outputs[htlcIndex]!.witnessScript!;
  throwsField(t, () => justiceWitness('htlc', new Uint8Array(72), keys.localDelayedPubkey, htlcScript), 'revocationPubkey', "a key that is not the script's revocation key");
  t.equal(justiceWitness('htlc', new Uint8Array(72), keys.revocationPubkey, htlcScript)[1], keys.revocationPubkey, 'the revocation key goes in the witness');
  throwsField(t, () => buildJusticeTransaction({ revokedOutputs: [null as never], destinationScript: destination, feeratePerKw: 1000 }), 'revokedOutputs[0]', 'a null revoked output');
  throwsField(t, () => buildJusticeTransaction({ revokedOutputs: [{ ...revoked, outpoint: { txid: 'x', vout: 0 } }], destinationScript: destination, feeratePerKw: 1000 }), 'revokedOutputs[0].outpoint.txid', 'a malformed outpoint, named as the caller knows it');
  for (const [sizes, what] of [[undefined, 'missing'], [[-1], 'negative'], [[1e10], 'huge'], [['x'], 'not a number']] as const) {
    const field = sizes === undefined ? 'inputs[0].witnessItemSizes' : 'inputs[0].witnessItemSizes[0]';
    throwsField(t, () => buildSweepTransaction({ inputs: [{ ...justice.inputs[0]!, witnessItemSizes: sizes as never }], destinationScript: destination, feeratePerKw: 1000 }), field, `witness item sizes: ${what}`);
  }
});
