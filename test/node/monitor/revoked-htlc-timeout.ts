/**
 * A breach with a second stage, for the justice tests: Bob offers Alice an
 * HTLC, keeps his commitment with it and the HTLC-timeout Alice signed for
 * it, then the HTLC fails and that commitment is revoked. Bob's old
 * commitment (`breach`) and its HTLC-timeout (`timeout`) are what a cheating
 * Bob would broadcast.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { p2wpkh } from '../../../node/bolt3/scripts.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { claimsAfterOurClose } from '../../../node/monitor/claims.js';
import { openPair, preimageOf, settle } from '../../../sim/kit/channel-pair.js';

export function revokedHtlcTimeout() {
  const pair = openPair('static_remotekey', 300_000_000);
  const id = pair.bob.addHtlc(80_000_000, sha256(preimageOf(5)), 800_000);
  settle(pair);
  const { commitment: breach, claims } = claimsAfterOurClose(pair.bob.state, pair.bob.signer, p2wpkh(publicKeyOf(sha256(Uint8Array.of(1)))), 2500, () => undefined);
  const timeout = claims.find((claim) => claim.description.startsWith('htlc-timeout'))!.transaction;
  pair.alice.failHtlc(id, new Uint8Array(0));
  settle(pair);
  return { pair, breach, timeout };
}
