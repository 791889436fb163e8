// Unilateral closes on a real chain (bcoin regtest): Alice broadcasts her
// latest commitment with an HTLC she offered still pending. Each claim is
// refused by bcoin before its time and accepted once it comes: the
// HTLC-timeout after the HTLC's expiry (with anchors, a wallet coin pays its
// fee), to_local and the HTLC-timeout's output after the two-week delay. Bob
// takes his to_remote; his claim of the HTLC with its preimage comes too late.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { p2wpkh } from '../../../node/bolt3/scripts.js';
import { type Claim, claimsAfterOurClose, claimsAfterTheirClose } from '../../../node/monitor/claims.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { FUNDING_SATOSHIS, openPair, preimageOf, settle } from '../../../sim/kit/channel-pair.js';
import { Regtest } from '../channel/regtest.js';

t.setTimeout(180_000);

async function rejected(chain: Regtest, claim: Claim): Promise<string | undefined> {
  try {
    await chain.broadcast(claim.transaction);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

for (const variant of ['static_remotekey', 'anchors'] as const) {
  t.test(`${variant}: claims become valid when their time comes`, async (t) => {
    const chain = await Regtest.start();
    t.teardown(() => chain.close());
    let funding: ReturnType<Regtest['fund']> | undefined;
    const pair = openPair(variant, 300_000_000, (aliceKey, bobKey) => {
      funding = chain.fund({ localFundingPubkey: aliceKey, remoteFundingPubkey: bobKey, satoshis: FUNDING_SATOSHIS, feeratePerKw: 253 });
      return { txid: funding.tx.getId(), vout: funding.outputIndex };
    });
    await chain.broadcast(funding!.tx);
    await chain.mine(1);

    const expiry = chain.height + 30;
    const preimage = preimageOf(11);
    pair.alice.addHtlc(100_000_000, sha256(preimage), expiry);
    settle(pair); // committed on both sides; Bob never fulfills

    const aliceDestination = p2wpkh(publicKeyOf(sha256(Uint8Array.of(0xd1))));
    // With anchors the HTLC-timeout carries no fee: a coin of Alice's wallet pays it.
    const { commitment, claims } = claimsAfterOurClose(pair.alice.state, pair.alice.signer, aliceDestination, 2500, () => undefined, (tx, baseWeight) => chain.payFee(tx, baseWeight, 2500));
    await chain.broadcast(commitment);
    await chain.mine(1);
    t.equal(await chain.confirmations(commitment.getId()), 1, "Alice's commitment is mined");

    const toLocal = claims.find((claim) => claim.description === 'to_local')!;
    const timeout = claims.find((claim) => claim.description.startsWith('htlc-timeout'))!;
    t.ok(toLocal && timeout, 'a to_local claim and an HTLC-timeout');
    t.equal(toLocal.relativeDelay, 2016, 'to_local waits for the delay Bob imposed (two weeks)');
    t.equal(timeout.notBeforeHeight, expiry, 'the HTLC-timeout waits for the expiry');

    if (variant === 'anchors') t.equal(timeout.transaction.ins.length, 2, 'the anchors HTLC-timeout spends a wallet coin besides the HTLC');
    t.match(await rejected(chain, timeout), /non-final|locktime|final/i, 'the HTLC-timeout is refused before the expiry');
    await chain.mine(expiry - chain.height);
    t.equal(await rejected(chain, timeout), undefined, 'and accepted at the expiry');
    await chain.mine(1);

    t.match(await rejected(chain, toLocal), /non-BIP68-final|final|sequence/i, 'to_local is refused before the delay');
    await chain.mine(2016);
    t.equal(await rejected(chain, toLocal), undefined, 'and accepted after it');
    t.equal(await rejected(chain, timeout.then!), undefined, "the HTLC-timeout's own output too");
    await chain.mine(1);
    t.equal(await chain.confirmations(toLocal.transaction.getId()), 1, 'to_local swept into Alice\'s wallet');

    // Bob's side of Alice's commitment: his to_remote, and the HTLC with its preimage (had he had it in time).
    const bobClaims = claimsAfterTheirClose(pair.bob.state, pair.bob.signer, commitment, p2wpkh(publicKeyOf(sha256(Uint8Array.of(0xb2)))), { claim: 2500, sweep: 2500 }, (hash) =>
      Buffer.from(hash).equals(Buffer.from(sha256(preimage))) ? preimage : undefined,
    )!;
    const toRemote = bobClaims.find((claim) => claim.description === 'to_remote')!;
    t.equal(await rejected(chain, toRemote), undefined, "Bob takes his to_remote (Alice's commitment pays it)");
    const withPreimage = bobClaims.find((claim) => claim.description.includes('with its preimage'));
    t.ok(withPreimage, 'and could claim the HTLC with its preimage');
    t.ok((await chain.confirmations(timeout.transaction.getId())) > 0, 'the HTLC-timeout is in the chain');
    await rejected(chain, withPreimage!); // bcoin keeps a transaction whose input it cannot find as an orphan
    await chain.mine(1);
    t.equal(await chain.confirmations(withPreimage!.transaction.getId()), 0, 'too late: the HTLC-timeout took the output first');
  });
}
