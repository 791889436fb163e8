// A cheater who broadcasts a revoked commitment can also push its HTLC
// outputs into their second-stage transactions (it holds our signatures for
// them). Their outputs carry that commitment's revocation key: the victim
// takes them at once, and bcoin's interpreter agrees.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { p2wpkh } from '../../../node/bolt3/scripts.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { scriptResult } from '../bolt3/interpreter.js';
import { claimsAfterOurClose, secondStageJustice } from '../../../node/monitor/claims.js';
import { revokedHtlcTimeout } from './revoked-htlc-timeout.js';

t.test('justice on the outputs of second-stage HTLC transactions', async (t) => {
  // Bob's commitment with an HTLC and its HTLC-timeout, revoked since.
  const { pair, breach, timeout } = revokedHtlcTimeout();

  const destination = p2wpkh(publicKeyOf(sha256(Uint8Array.of(2))));
  const justice = secondStageJustice(pair.alice.state, pair.alice.signer, breach, timeout, destination, 2500);
  t.ok(justice, 'Alice has a justice transaction for the HTLC-timeout output');
  const spent = { scriptPubKey: timeout.outs[0]!.script, satoshis: Number(timeout.outs[0]!.value) };
  t.equal(scriptResult(justice!, 0, spent), 'OK', 'valid at once: no delay for the revocation key');
  t.same(justice!.outs[0]!.script, destination);

  // Bob's current (not revoked) commitment gives nothing to punish.
  const { commitment: current } = claimsAfterOurClose(pair.bob.state, pair.bob.signer, destination, 2500, () => undefined);
  t.equal(secondStageJustice(pair.alice.state, pair.alice.signer, current, timeout, destination, 2500), undefined, 'nothing for a commitment that is not revoked');
  t.equal(secondStageJustice(pair.alice.state, pair.alice.signer, breach, current, destination, 2500), undefined, 'nothing for a transaction that does not spend the breach');
});
