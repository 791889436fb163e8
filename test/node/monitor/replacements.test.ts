// Justice signed again at a higher feerate (node/monitor/replacements.ts):
// here the justice on the output of a second-stage HTLC transaction the
// cheater pushed from a revoked commitment. The victim holds the revocation
// secret: the replacement spends the same output, pays more, and bcoin's
// interpreter accepts it. The feerate of each next version: a quarter more,
// the estimator's if higher, never above the cap.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { p2wpkh } from '../../../node/bolt3/scripts.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { scriptResult } from '../bolt3/interpreter.js';
import { claimsAfterOurClose, secondStageJustice } from '../../../node/monitor/claims.js';
import { revokedHtlcTimeout } from './revoked-htlc-timeout.js';
import { MAX_CLAIM_FEERATE_PER_KW, feePaid, feerateOf, justiceAgain, nextFeerate } from '../../../node/monitor/replacements.js';

t.test('the next feerate: a quarter more, or the estimate, up to the cap', async (t) => {
  t.equal(nextFeerate(2500, 253), 3125, 'a quarter more than paid');
  t.equal(nextFeerate(2500, 20_000), 20_000, "the estimator's, when higher");
  t.equal(nextFeerate(120_000, 253), MAX_CLAIM_FEERATE_PER_KW, 'never above the cap');
  t.equal(nextFeerate(MAX_CLAIM_FEERATE_PER_KW, 253), undefined, 'at the cap: no further version');
});

t.test('second-stage justice signed again at a higher feerate', async (t) => {
  // Bob's commitment with an HTLC and its HTLC-timeout, revoked since.
  const { pair, breach, timeout } = revokedHtlcTimeout();

  const destination = p2wpkh(publicKeyOf(sha256(Uint8Array.of(2))));
  const first = secondStageJustice(pair.alice.state, pair.alice.signer, breach, timeout, destination, 2500)!;
  const spent = { scriptPubKey: timeout.outs[0]!.script, satoshis: Number(timeout.outs[0]!.value) };
  const second = justiceAgain(pair.alice.state, pair.alice.signer, breach, first, [spent.satoshis], nextFeerate(feerateOf(first, spent.satoshis), 2500)!);
  t.ok(second, 'a replacement');
  t.same([second!.ins[0]!.hash, second!.ins[0]!.index], [first.ins[0]!.hash, first.ins[0]!.index], 'of the same output');
  t.equal(scriptResult(second!, 0, spent), 'OK', "signed again with the revocation key: bcoin's interpreter accepts it");
  t.same(second!.outs[0]!.script, destination, 'paying where the first did');
  t.ok(feePaid(second!, spent.satoshis) >= feePaid(first, spent.satoshis) * 1.25 - 1, `a quarter more fee (${feePaid(first, spent.satoshis)} -> ${feePaid(second!, spent.satoshis)} sat)`);
  t.ok(feerateOf(second!, spent.satoshis) > feerateOf(first, spent.satoshis), 'and more per weight');

  // A commitment they did not revoke gives no secret: nothing is signed.
  const { commitment: current } = claimsAfterOurClose(pair.bob.state, pair.bob.signer, destination, 2500, () => undefined);
  t.equal(justiceAgain(pair.alice.state, pair.alice.signer, current, first, [spent.satoshis], 5000), undefined, 'nothing without the revocation secret');
  t.equal(justiceAgain(pair.alice.state, pair.alice.signer, breach, first, [spent.satoshis], 20_000_000), undefined, 'nothing when the output cannot pay that fee');
});
