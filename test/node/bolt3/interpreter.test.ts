// Every transaction lnmesh builds and signs, run through bcoin's script
// interpreter: a commitment, its HTLC-success and HTLC-timeout transactions,
// the counterparty's HTLC claims, delayed sweeps and justice transactions,
// for both channel formats; and the timelocks (CSV, CLTV) really bind.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { type Commitment, type CommitmentOutput, type Htlc, buildCommitment, fundingWitness } from '../../../node/bolt3/commitment.js';
import { type CommitmentKeys, deriveCommitmentKeys } from '../../../node/bolt3/commitment-keys.js';
import type { CommitmentVariant } from '../../../node/bolt3/fees.js';
import { buildHtlcTransaction, htlcTransactionWitness, remoteHtlcSighashType } from '../../../node/bolt3/htlc-tx.js';
import { buildJusticeTransaction, justiceWitness } from '../../../node/bolt3/justice.js';
import { fundingScript, p2pkh, p2wpkh, p2wsh } from '../../../node/bolt3/scripts.js';
import { encodeBitcoinSignature } from '../../../node/bolt3/signatures.js';
import { buildSweepTransaction, delayedSweepInput, delayedSweepWitness } from '../../../node/bolt3/sweep.js';
import { SIGHASH_ALL, type Transaction } from '../../../node/bolt3/transaction.js';
import { type ChannelSigner, SeedSigner } from '../../../node/keys/signer.js';
import { scriptResult } from './interpreter.js';

const FUNDING_SATOSHIS = 1_000_000;
const TO_SELF_DELAY = 2016; // two weeks: the long CSV delay of mesh channels
const FEERATE = 2500;
const COMMITMENT_NUMBER = 7;
const DESTINATION = p2wpkh(new SeedSigner(new Uint8Array(32).fill(9)).nodeId);

const alice = new SeedSigner(new Uint8Array(32).fill(1)).channelSigner(0);
const bob = new SeedSigner(new Uint8Array(32).fill(2)).channelSigner(0);
const fundingWitnessScript = fundingScript(alice.publicKeys.fundingPubkey, bob.publicKeys.fundingPubkey);
const fundingOutput = { scriptPubKey: p2wsh(fundingWitnessScript), satoshis: FUNDING_SATOSHIS };
const fundingOutpoint = { txid: bytesToHex(sha256(Uint8Array.of(1))), vout: 1 };

const preimageOffered = new Uint8Array(32).fill(0xaa);
const preimageReceived = new Uint8Array(32).fill(0xbb);
const OFFERED_EXPIRY = 800_100;
const RECEIVED_EXPIRY = 800_200;
const htlcs: Htlc[] = [
  { direction: 'offered', amountMsat: 25_000_000, paymentHash: sha256(preimageOffered), cltvExpiry: OFFERED_EXPIRY, id: 0 },
  { direction: 'received', amountMsat: 40_000_000, paymentHash: sha256(preimageReceived), cltvExpiry: RECEIVED_EXPIRY, id: 1 },
];

interface Scenario {
  variant: CommitmentVariant;
  keys: CommitmentKeys;
  commitment: Commitment;
  txid: string;
}

/** Alice's commitment, signed by both (Bob's signature is what Alice holds), as Alice would broadcast it. */
function aliceCommitment(variant: CommitmentVariant): Scenario {
  const perCommitmentPoint = alice.perCommitmentPoint(COMMITMENT_NUMBER);
  const keys = deriveCommitmentKeys(perCommitmentPoint, alice.publicKeys, bob.publicKeys);
  const commitment = buildCommitment({
    variant,
    fundingOutpoint,
    fundingSatoshis: FUNDING_SATOSHIS,
    localFundingPubkey: alice.publicKeys.fundingPubkey,
    remoteFundingPubkey: bob.publicKeys.fundingPubkey,
    obscuringFactor: 0x123456789abc,
    commitmentNumber: COMMITMENT_NUMBER,
    localIsFunder: true,
    toLocalMsat: 600_000_000,
    toRemoteMsat: 335_000_000,
    feeratePerKw: FEERATE,
    dustLimitSatoshis: 354,
    toSelfDelay: TO_SELF_DELAY,
    keys,
    htlcs,
  });
  const aliceSignature = encodeBitcoinSignature(alice.signCommitment(commitment.tx, fundingWitnessScript, FUNDING_SATOSHIS), SIGHASH_ALL);
  const bobSignature = encodeBitcoinSignature(bob.signCommitment(commitment.tx, fundingWitnessScript, FUNDING_SATOSHIS), SIGHASH_ALL);
  commitment.tx.setWitness(0, fundingWitness(alice.publicKeys.fundingPubkey, bob.publicKeys.fundingPubkey, aliceSignature, bobSignature));
  return { variant, keys, commitment, txid: commitment.tx.getId() };
}

function outputOf(scenario: Scenario, kind: CommitmentOutput['kind']) {
  const index = scenario.commitment.outputs.findIndex((output) => output.kind === kind);
  const output = scenario.commitment.outputs[index];
  if (!output) throw new Error(`no ${kind} output`);
  return { index, output, spent: { scriptPubKey: output.scriptPubKey, satoshis: output.satoshis } };
}

/** Alice's HTLC transaction for one HTLC output, signed by Bob (remote) and Alice (local). */
function signedHtlcTransaction(scenario: Scenario, kind: 'offered_htlc' | 'received_htlc'): Transaction {
  const { index, output } = outputOf(scenario, kind);
  const htlcTx = buildHtlcTransaction({
    variant: scenario.variant,
    commitmentTxid: scenario.txid,
    output,
    outputIndex: index,
    feeratePerKw: FEERATE,
    toSelfDelay: TO_SELF_DELAY,
    keys: scenario.keys,
  });
  const point = scenario.keys.perCommitmentPoint;
  const remoteType = remoteHtlcSighashType(scenario.variant);
  const remote = bob.signHtlc(htlcTx.tx, 0, htlcTx.witnessScript, htlcTx.inputSatoshis, point, remoteType);
  const local = alice.signHtlc(htlcTx.tx, 0, htlcTx.witnessScript, htlcTx.inputSatoshis, point);
  htlcTx.tx.setWitness(
    0,
    htlcTransactionWitness(htlcTx, encodeBitcoinSignature(remote, remoteType), encodeBitcoinSignature(local, SIGHASH_ALL), kind === 'received_htlc' ? preimageReceived : undefined),
  );
  return htlcTx.tx;
}

for (const variant of ['anchors', 'static_remotekey'] as const) {
  t.test(`${variant}: commitment and second-stage transactions`, async (t) => {
    const scenario = aliceCommitment(variant);
    t.equal(scriptResult(scenario.commitment.tx, 0, fundingOutput), 'OK', 'the commitment spends the funding output');
    t.equal(scenario.commitment.outputs.length, variant === 'anchors' ? 6 : 4, 'to_local, to_remote, two HTLCs (and two anchors)');

    const success = signedHtlcTransaction(scenario, 'received_htlc');
    t.equal(scriptResult(success, 0, outputOf(scenario, 'received_htlc').spent), 'OK', 'HTLC-success with the preimage');
    const timeout = signedHtlcTransaction(scenario, 'offered_htlc');
    t.equal(timeout.locktime, OFFERED_EXPIRY, 'HTLC-timeout is locked until the HTLC expires');
    t.equal(scriptResult(timeout, 0, outputOf(scenario, 'offered_htlc').spent), 'OK', 'HTLC-timeout after expiry');
    // The offered HTLC's script has no CLTV: the expiry is the HTLC-timeout's locktime, which Bob's signature commits to.
    const early = timeout.clone();
    early.locktime = OFFERED_EXPIRY - 1;
    t.not(scriptResult(early, 0, outputOf(scenario, 'offered_htlc').spent), 'OK', "an earlier locktime breaks Bob's signature");

    const wrongPreimage = signedHtlcTransaction(scenario, 'received_htlc');
    const witness = wrongPreimage.ins[0]!.witness;
    witness[3] = new Uint8Array(32).fill(0xcc);
    wrongPreimage.setWitness(0, witness);
    t.not(scriptResult(wrongPreimage, 0, outputOf(scenario, 'received_htlc').spent), 'OK', 'HTLC-success with a wrong preimage fails');
  });

  t.test(`${variant}: Alice sweeps her delayed outputs only after to_self_delay`, async (t) => {
    const scenario = aliceCommitment(variant);
    const toLocal = outputOf(scenario, 'to_local');
    const sweep = (sequence: number) => {
      const input = { ...delayedSweepInput({ txid: scenario.txid, vout: toLocal.index }, toLocal.output.satoshis, toLocal.output.witnessScript!, TO_SELF_DELAY), sequence };
      const built = buildSweepTransaction({ inputs: [input], destinationScript: DESTINATION, feeratePerKw: FEERATE });
      const signature = alice.signDelayed(built.tx, 0, input.witnessScript, input.satoshis, scenario.keys.perCommitmentPoint);
      built.tx.setWitness(0, delayedSweepWitness(encodeBitcoinSignature(signature, SIGHASH_ALL), input.witnessScript));
      return built;
    };
    const onTime = sweep(TO_SELF_DELAY);
    t.equal(scriptResult(onTime.tx, 0, toLocal.spent), 'OK', `valid with sequence ${TO_SELF_DELAY}`);
    t.ok(onTime.tx.weight() <= onTime.weight, 'the signed sweep weighs no more than the weight its fee was computed from');
    t.equal(scriptResult(sweep(TO_SELF_DELAY - 1).tx, 0, toLocal.spent), 'UNSATISFIED_LOCKTIME', 'CSV: not one block earlier');

    // The HTLC-success output is delayed the same way.
    const success = signedHtlcTransaction(scenario, 'received_htlc');
    const successOutput = { scriptPubKey: success.outs[0]!.script, satoshis: Number(success.outs[0]!.value) };
    const htlcTxOutputScript = outputOf(scenario, 'to_local').output.witnessScript!; // same script: revocation, delay, delayed key
    const input = delayedSweepInput({ txid: success.getId(), vout: 0 }, successOutput.satoshis, htlcTxOutputScript, TO_SELF_DELAY);
    const built = buildSweepTransaction({ inputs: [input], destinationScript: DESTINATION, feeratePerKw: FEERATE });
    const signature = alice.signDelayed(built.tx, 0, input.witnessScript, input.satoshis, scenario.keys.perCommitmentPoint);
    built.tx.setWitness(0, delayedSweepWitness(encodeBitcoinSignature(signature, SIGHASH_ALL), input.witnessScript));
    t.equal(scriptResult(built.tx, 0, successOutput), 'OK', 'HTLC-success output swept after the delay');
  });

  t.test(`${variant}: Bob takes his own outputs from Alice's commitment`, async (t) => {
    const scenario = aliceCommitment(variant);
    const anchors = variant === 'anchors';
    const toRemote = outputOf(scenario, 'to_remote');
    const claimToRemote = (sequence: number) => {
      const scriptCode = anchors ? toRemote.output.witnessScript! : p2pkh(bob.publicKeys.paymentBasepoint);
      const built = buildSweepTransaction({
        inputs: [{ outpoint: { txid: scenario.txid, vout: toRemote.index }, satoshis: toRemote.output.satoshis, witnessScript: scriptCode, sequence, witnessItemSizes: [72] }],
        destinationScript: DESTINATION,
        feeratePerKw: FEERATE,
      });
      const signature = encodeBitcoinSignature(bob.signPayment(built.tx, 0, scriptCode, toRemote.output.satoshis), SIGHASH_ALL);
      built.tx.setWitness(0, anchors ? [signature, scriptCode] : [signature, bob.publicKeys.paymentBasepoint]);
      return built.tx;
    };
    t.equal(scriptResult(claimToRemote(1), 0, toRemote.spent), 'OK', 'to_remote spendable by Bob');
    if (anchors) t.equal(scriptResult(claimToRemote(0), 0, toRemote.spent), 'UNSATISFIED_LOCKTIME', 'anchors: to_remote waits one block');

    // Bob claims the HTLC Alice offered with its preimage, and the one he offered after it expires.
    const claim = (kind: 'offered_htlc' | 'received_htlc', locktime: number, secondItem: Uint8Array) => {
      const { index, output } = outputOf(scenario, kind);
      const built = buildSweepTransaction({
        inputs: [{ outpoint: { txid: scenario.txid, vout: index }, satoshis: output.satoshis, witnessScript: output.witnessScript!, sequence: anchors ? 1 : 0, witnessItemSizes: [72, 32] }],
        destinationScript: DESTINATION,
        feeratePerKw: FEERATE,
        locktime,
      });
      const signature = bob.signHtlc(built.tx, 0, output.witnessScript!, output.satoshis, scenario.keys.perCommitmentPoint);
      built.tx.setWitness(0, [encodeBitcoinSignature(signature, SIGHASH_ALL), secondItem, output.witnessScript!]);
      return built.tx;
    };
    t.equal(scriptResult(claim('offered_htlc', 0, preimageOffered), 0, outputOf(scenario, 'offered_htlc').spent), 'OK', 'offered HTLC claimed with the preimage');
    t.equal(scriptResult(claim('received_htlc', RECEIVED_EXPIRY, new Uint8Array(0)), 0, outputOf(scenario, 'received_htlc').spent), 'OK', 'received HTLC reclaimed after expiry');
    t.equal(
      scriptResult(claim('received_htlc', RECEIVED_EXPIRY - 1, new Uint8Array(0)), 0, outputOf(scenario, 'received_htlc').spent),
      'UNSATISFIED_LOCKTIME',
      'CLTV: not before expiry',
    );
  });

  t.test(`${variant}: justice when Alice broadcasts a revoked commitment`, async (t) => {
    const scenario = aliceCommitment(variant);
    // Alice revoked this commitment: Bob holds her per-commitment secret.
    const revealedSecret = alice.perCommitmentSecret(COMMITMENT_NUMBER);
    const kinds = [
      { kind: 'to_local' as const, output: outputOf(scenario, 'to_local') },
      { kind: 'htlc' as const, output: outputOf(scenario, 'offered_htlc') },
      { kind: 'htlc' as const, output: outputOf(scenario, 'received_htlc') },
    ];
    const justice = buildJusticeTransaction({
      revokedOutputs: kinds.map(({ kind, output }) => ({
        kind,
        outpoint: { txid: scenario.txid, vout: output.index },
        satoshis: output.output.satoshis,
        witnessScript: output.output.witnessScript!,
      })),
      destinationScript: DESTINATION,
      feeratePerKw: FEERATE,
    });
    kinds.forEach(({ kind, output }, i) => {
      const signature = bob.signJustice(justice.tx, i, output.output.witnessScript!, output.output.satoshis, revealedSecret);
      justice.tx.setWitness(i, justiceWitness(kind, encodeBitcoinSignature(signature, SIGHASH_ALL), scenario.keys.revocationPubkey, output.output.witnessScript!));
    });
    kinds.forEach(({ output }, i) => t.equal(scriptResult(justice.tx, i, output.spent), 'OK', `justice input ${i} (${output.output.kind})`));
    const collected = kinds.reduce((sum, { output }) => sum + output.output.satoshis, 0);
    t.equal(Number(justice.tx.outs[0]!.value), collected - justice.feeSatoshis, 'everything collected but the fee goes to Bob');
    t.equal(justice.feeSatoshis, Math.floor((FEERATE * justice.weight) / 1000), 'fee = feerate x weight');
    t.ok(justice.tx.weight() <= justice.weight, 'signed weight within the estimate');

    // Without the revealed secret Bob has only his own basepoint secret: a signature from a wrong key fails.
    const forged = justice.tx.clone();
    const wrongSecret = alice.perCommitmentSecret(COMMITMENT_NUMBER + 1);
    const forgedSignature = bob.signJustice(forged, 0, kinds[0]!.output.output.witnessScript!, kinds[0]!.output.output.satoshis, wrongSecret);
    forged.setWitness(0, justiceWitness('to_local', encodeBitcoinSignature(forgedSignature, SIGHASH_ALL), scenario.keys.revocationPubkey, kinds[0]!.output.output.witnessScript!));
    t.not(scriptResult(forged, 0, kinds[0]!.output.spent), 'OK', 'a revocation signature for another commitment is rejected');

    // If Alice already moved an HTLC into its second-stage transaction, Bob takes that output too, at once.
    const timeout = signedHtlcTransaction(scenario, 'offered_htlc');
    const stageOutput = { scriptPubKey: timeout.outs[0]!.script, satoshis: Number(timeout.outs[0]!.value) };
    const stageScript = outputOf(scenario, 'to_local').output.witnessScript!;
    const second = buildJusticeTransaction({
      revokedOutputs: [{ kind: 'to_local', outpoint: { txid: timeout.getId(), vout: 0 }, satoshis: stageOutput.satoshis, witnessScript: stageScript }],
      destinationScript: DESTINATION,
      feeratePerKw: FEERATE,
    });
    const signature = bob.signJustice(second.tx, 0, stageScript, stageOutput.satoshis, revealedSecret);
    second.tx.setWitness(0, justiceWitness('to_local', encodeBitcoinSignature(signature, SIGHASH_ALL), scenario.keys.revocationPubkey, stageScript));
    t.equal(scriptResult(second.tx, 0, stageOutput), 'OK', 'justice on the HTLC-timeout output, without waiting for the delay');
  });
}

t.test('signatures from the wrong party fail', async (t) => {
  const scenario = aliceCommitment('anchors');
  const tx = scenario.commitment.tx.clone();
  const aliceSignature = encodeBitcoinSignature(alice.signCommitment(tx, fundingWitnessScript, FUNDING_SATOSHIS), SIGHASH_ALL);
  tx.setWitness(0, fundingWitness(alice.publicKeys.fundingPubkey, bob.publicKeys.fundingPubkey, aliceSignature, aliceSignature));
  t.not(scriptResult(tx, 0, fundingOutput), 'OK', 'two signatures from Alice do not spend the 2-of-2');
  const other: ChannelSigner = new SeedSigner(new Uint8Array(32).fill(3)).channelSigner(0);
  const strangerSignature = encodeBitcoinSignature(other.signCommitment(tx, fundingWitnessScript, FUNDING_SATOSHIS), SIGHASH_ALL);
  tx.setWitness(0, fundingWitness(alice.publicKeys.fundingPubkey, bob.publicKeys.fundingPubkey, aliceSignature, strangerSignature));
  t.not(scriptResult(tx, 0, fundingOutput), 'OK', "a stranger's signature does not replace Bob's");
});
