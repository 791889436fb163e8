// The kit justiceKit hands the tower is what the tower rebuilds: for every
// commitment revoked along a few payments (to_local alone, to_local with
// HTLCs, nothing worth taking at a high feerate), its signature is the one
// of kitTransaction's rebuild, and there is a kit exactly when that rebuild
// finds an output worth its fee.
import t from 'tap';
import { p2wpkh } from '../../../node/bolt3/scripts.js';
import { UneconomicSweepError } from '../../../node/bolt3/sweep.js';
import { justiceFromKit, kitTransaction } from '../../../node/gateway-protocol/appointment.js';
import { remoteCommitment } from '../../../node/commitment/commitments.js';
import { justiceKit, revokedRemedy } from '../../../node/monitor/remedy.js';
import { openPair, payAcross, revocationsSeenBy } from '../../../sim/kit/channel-pair.js';

const hex = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('hex') : undefined);

t.test("the kit's signature is the one of the tower's rebuild", async (t) => {
  // Bob starts with nothing (no to_local), is paid a little (worth a kit at a low feerate only), then more, then pays back.
  const pair = openPair('anchors');
  const destination = p2wpkh(pair.aliceSigner.publicKeys.paymentBasepoint);
  payAcross(pair, 'alice', 1_000_000, 1);
  payAcross(pair, 'alice', 40_000_000, 2);
  payAcross(pair, 'bob', 2_000_000, 3);
  const revocations = revocationsSeenBy(pair, 'alice');
  let kits = 0;
  let none = 0;
  for (const revoked of revocations) {
    for (const feerate of [253, 2_000, 500_000]) {
      const justice = { kit: justiceKit(pair.alice.signer, revokedRemedy(pair.alice.state, revoked.commitment, revoked.perCommitmentSecret, destination, feerate)) };
      const { commitment, keys } = remoteCommitment(pair.alice.state, revoked.commitment.spec, revoked.commitment.number, revoked.commitment.perCommitmentPoint);
      const fields = { revocationPubkey: keys.revocationPubkey, localDelayedPubkey: keys.localDelayedPubkey, toSelfDelay: pair.alice.state.local.toSelfDelay, destinationScript: destination, feeratePerKw: feerate };
      let expected: Uint8Array | undefined;
      try {
        const built = kitTransaction(commitment.tx, fields);
        if (built) expected = pair.alice.signer.signJustice(built.sweep.tx, 0, built.witnessScript, built.satoshis, revoked.perCommitmentSecret);
      } catch (error) {
        if (!(error instanceof UneconomicSweepError)) throw error;
      }
      t.equal(hex(justice.kit?.signature), hex(expected), `commitment ${revoked.commitment.number} at ${feerate} sat/kw`);
      if (justice.kit) {
        t.ok(justiceFromKit(commitment.tx, justice.kit), 'the tower accepts it');
        kits++;
      } else none++;
    }
  }
  t.ok(kits > 0 && none > 0, `${kits} kits, ${none} commitments with nothing worth a kit`);
});
