// From a revocation to a tower's justice: Bob revokes a commitment during a
// payment; Alice turns it into appointments (whole transaction, the kit of
// before, and the compact kit with her channel's record); when Bob
// broadcasts that revoked commitment, a tower that knows only the
// appointment (and the record) finds it by locator, decrypts it with the
// breach's txid (the record with the funding script in the breach's
// witness), rebuilds the justice transaction, and bcoin's interpreter
// accepts it.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { p2wpkh, fundingScript, p2wsh } from '../../../node/bolt3/scripts.js';
import type { Transaction } from '../../../node/bolt3/transaction.js';
import {
  createAppointment,
  decodeJusticeData,
  encodeJusticeData,
  justiceFromKit,
  justiceFromTransaction,
  kitOfCompact,
  locatorOf,
  openAppointment,
} from '../../../node/gateway-protocol/appointment.js';
import { openChannelRecord, sealChannelRecord } from '../../../node/gateway-protocol/tower-channel.js';
import { justiceKit, revokedRemedy, signedJustice } from '../../../node/monitor/remedy.js';
import { DecodeError } from '../../../node/core/cbor.js';
import { scriptResult } from '../bolt3/interpreter.js';
import { FUNDING_SATOSHIS, deliver, openPair, preimageOf, revocationsSeenBy } from '../../../sim/kit/channel-pair.js';

const destination = p2wpkh(openPair().aliceSigner.publicKeys.paymentBasepoint);

t.test('appointments punish a revoked commitment, with a whole transaction or a kit', async (t) => {
  const pair = openPair('anchors', 300_000_000);
  // Bob's commitments as he could broadcast them, by number.
  const bobCommitments = new Map<number, Transaction>();
  const remember = () => bobCommitments.set(pair.bob.state.localCommit.number, pair.bob.signedLocalCommitment().tx);
  remember();
  const preimage = preimageOf(3);
  const id = pair.bob.addHtlc(40_000_000, sha256(preimage), 800_000); // Bob pays: his old commitments held more
  for (let i = 0; i < 10 && (deliver(pair, 'bob') || deliver(pair, 'alice')); i++) remember();
  pair.alice.fulfillHtlc(id, preimage);
  for (let i = 0; i < 10 && (deliver(pair, 'alice') || deliver(pair, 'bob')); i++) remember();

  const revocations = revocationsSeenBy(pair, 'alice');
  t.ok(revocations.length >= 2, `Bob revoked ${revocations.length} commitments`);
  // A revoked commitment with Bob's HTLC in flight: the richest breach.
  const first = revocations.find((event) => event.commitment.spec.htlcs.length > 0)!;
  t.ok(first, 'one of them had an HTLC in flight');
  const breach = bobCommitments.get(first.commitment.number)!;
  t.equal(breach.getId(), first.commitment.txid, 'the revoked commitment is the one Bob could broadcast');

  const remedy = revokedRemedy(pair.alice.state, first.commitment, first.perCommitmentSecret, destination, 2000);
  const justice = { breachTxHash: remedy.breachTxHash, transaction: signedJustice(pair.alice.signer, remedy.justice, remedy.justice.revokedOutputs), kit: justiceKit(pair.alice.signer, remedy) };
  t.ok(justice.transaction && justice.kit, 'both forms exist: Bob had a to_local output');
  const full = createAppointment(justice.breachTxHash, { kind: 'transaction', transaction: justice.transaction!.toBuffer() });
  const legacy = createAppointment(justice.breachTxHash, { kind: 'kit', ...justice.kit! });
  const { perCommitmentPoint } = first.commitment;
  const compact = createAppointment(justice.breachTxHash, { kind: 'compact', perCommitmentPoint, feeratePerKw: 2000, signature: justice.kit!.signature });
  const { local, remote } = pair.alice.state;
  const aliceFundingScript = fundingScript(local.publicKeys.fundingPubkey, remote.publicKeys.fundingPubkey);
  const record = sealChannelRecord(aliceFundingScript, {
    revocationBasepoint: local.publicKeys.revocationBasepoint,
    delayedPaymentBasepoint: remote.publicKeys.delayedPaymentBasepoint,
    toSelfDelay: local.toSelfDelay,
    destinationScript: destination,
  });
  t.equal(legacy.blob.length, 183, 'the kit of before is 183 bytes sealed');
  t.equal(compact.blob.length, 116, 'the compact kit is 116 bytes sealed (99 + the AEAD tag)');
  t.ok(record.length <= 130, `the channel's record is ${record.length} bytes, once per channel`);
  t.comment(`appointment blob: ${compact.blob.length} bytes (compact kit), ${legacy.blob.length} (kit of before), ${full.blob.length} bytes (whole transaction)`);

  // The tower sees the breach on chain: txid in internal byte order.
  const hash = breach.getHash();
  t.same(locatorOf(hash), full.locator, 'the locator is the first 16 bytes of the txid (internal order)');
  const funding = { scriptPubKey: p2wsh(fundingScript(pair.bob.state.local.publicKeys.fundingPubkey, pair.bob.state.remote.publicKeys.fundingPubkey)), satoshis: FUNDING_SATOSHIS };
  t.equal(scriptResult(breach, 0, funding), 'OK', "Bob's revoked commitment is still a valid transaction: the breach is possible");

  // The tower opens the record with the funding script the breach's witness shows: `0 <sig> <sig> <script>`.
  const witnessScript = breach.ins[0]!.witness[3]!;
  t.same(witnessScript, aliceFundingScript, "the breach's witness ends with the funding script");
  const channel = openChannelRecord(witnessScript, record);
  const derived = kitOfCompact({ perCommitmentPoint, feeratePerKw: 2000, signature: justice.kit!.signature }, channel);
  t.same(derived, justice.kit, 'the keys derived from the point and the record are the kit\'s');
  for (const [name, appointment] of [['whole transaction', full], ['kit of before', legacy], ['compact kit', compact]] as const) {
    const data = openAppointment(hash, appointment.blob);
    const tx = data.kind === 'transaction' ? justiceFromTransaction(breach, data.transaction) : justiceFromKit(breach, data.kind === 'kit' ? data : kitOfCompact(data, channel));
    t.ok(tx, `${name}: the tower has a justice transaction`);
    tx!.ins.forEach((input, i) => {
      const spent = breach.outs[input.index]!;
      t.equal(scriptResult(tx!, i, { scriptPubKey: spent.script, satoshis: Number(spent.value) }), 'OK', `${name}: input ${i} takes breach output ${input.index}`);
    });
    t.same(tx!.outs[0]!.script, destination, `${name}: to Alice's destination`);
  }
  t.ok(justice.transaction!.ins.length > 1, 'the whole transaction also takes the HTLC output');

  // Another transaction's txid opens nothing.
  const other = bobCommitments.get(pair.bob.state.localCommit.number)!;
  t.throws(() => openAppointment(other.getHash(), compact.blob), DecodeError, 'a different txid cannot decrypt it');
  const forgedKit = { ...justice.kit!, signature: new Uint8Array(64).fill(3) };
  t.equal(justiceFromKit(breach, forgedKit), undefined, 'a kit with a wrong signature is refused');
  t.equal(justiceFromKit(other, justice.kit!), undefined, 'a kit for another commitment finds no output');
  t.throws(() => openChannelRecord(p2wpkh(perCommitmentPoint), record), DecodeError, "another script cannot open the channel's record");
  const tampered = Uint8Array.from(record);
  tampered[20]! ^= 1;
  t.throws(() => openChannelRecord(witnessScript, tampered), DecodeError, 'nor a record changed on the way');
});

t.test('justice data decoding is strict', async (t) => {
  const pair = openPair();
  const kit = {
    kind: 'kit' as const,
    revocationPubkey: pair.aliceSigner.publicKeys.revocationBasepoint,
    localDelayedPubkey: pair.aliceSigner.publicKeys.delayedPaymentBasepoint,
    toSelfDelay: 2160,
    destinationScript: destination,
    feeratePerKw: 2000,
    signature: new Uint8Array(64).fill(1),
  };
  const real = kit;
  const hexed = (value: object) => Object.fromEntries(Object.entries(value).map(([key, item]) => [key, item instanceof Uint8Array ? Buffer.from(item).toString('hex') : item]));
  t.same(hexed(decodeJusticeData(encodeJusticeData(real))), hexed(real), 'a kit round-trips');
  t.same(hexed(decodeJusticeData(encodeJusticeData({ kind: 'transaction', transaction: Uint8Array.of(1, 2, 3) }))), { kind: 'transaction', transaction: '010203' }, 'a transaction round-trips');
  const bytes = encodeJusticeData(real);
  for (let i = 0; i < bytes.length; i++) {
    const mutated = Uint8Array.from(bytes);
    mutated[i]! ^= 0x40;
    try {
      decodeJusticeData(mutated);
    } catch (error) {
      if (!(error instanceof DecodeError)) t.fail(`byte ${i}: ${(error as Error).name}`);
    }
  }
  t.pass('every one-byte mutation either decodes or throws DecodeError');
  const compact = { kind: 'compact' as const, perCommitmentPoint: pair.aliceSigner.publicKeys.revocationBasepoint, feeratePerKw: 253, signature: new Uint8Array(64).fill(2) };
  const packed = encodeJusticeData(compact);
  t.equal(packed.length, 1 + 33 + 2 + 64, 'a compact kit: kind, point, feerate as a varint, signature');
  t.same(hexed(decodeJusticeData(packed)), hexed(compact), 'a compact kit round-trips');
  t.throws(() => decodeJusticeData(packed.subarray(0, 99)), DecodeError, 'a short one is refused');
  t.throws(() => decodeJusticeData(Uint8Array.from([...packed, 0])), DecodeError, 'so is a long one');
  const badPoint = Uint8Array.from(packed);
  badPoint[1] = 0x05;
  t.throws(() => decodeJusticeData(badPoint), DecodeError, 'and one whose point is no key');
  t.throws(() => decodeJusticeData(new Uint8Array(200).fill(1)), DecodeError, 'a compact kit has a size limit');
});
