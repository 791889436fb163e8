// deriveCommitmentKeys remembers recent derivations: what it returns from memory must be what it would derive.
import t from 'tap';
import { deriveCommitmentKeys, type ChannelPublicKeys, type CommitmentKeys } from '../../../node/bolt3/commitment-keys.js';
import { derivePublicKey, deriveRevocationPublicKey } from '../../../node/bolt3/key-derivation.js';
import { SeedSigner } from '../../../node/keys/signer.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const local = new SeedSigner(new Uint8Array(32).fill(0x41)).channelSigner(0);
const remote = new SeedSigner(new Uint8Array(32).fill(0x42)).channelSigner(0);

/** BOLT 3's formulas, computed here without any cache. */
function expected(point: Uint8Array, owner: ChannelPublicKeys, counterparty: ChannelPublicKeys): Record<keyof CommitmentKeys, string> {
  return {
    perCommitmentPoint: hex(point),
    revocationPubkey: hex(deriveRevocationPublicKey(counterparty.revocationBasepoint, point)),
    localDelayedPubkey: hex(derivePublicKey(owner.delayedPaymentBasepoint, point)),
    localHtlcPubkey: hex(derivePublicKey(owner.htlcBasepoint, point)),
    remoteHtlcPubkey: hex(derivePublicKey(counterparty.htlcBasepoint, point)),
    remotePaymentPubkey: hex(counterparty.paymentBasepoint),
  };
}

function asHex(keys: CommitmentKeys): Record<keyof CommitmentKeys, string> {
  return {
    perCommitmentPoint: hex(keys.perCommitmentPoint),
    revocationPubkey: hex(keys.revocationPubkey),
    localDelayedPubkey: hex(keys.localDelayedPubkey),
    localHtlcPubkey: hex(keys.localHtlcPubkey),
    remoteHtlcPubkey: hex(keys.remoteHtlcPubkey),
    remotePaymentPubkey: hex(keys.remotePaymentPubkey),
  };
}

t.test('a repeated derivation equals a fresh one, and its arrays are new', async (t) => {
  const point = local.perCommitmentPoint(3);
  const first = deriveCommitmentKeys(point, local.publicKeys, remote.publicKeys);
  t.same(asHex(first), expected(point, local.publicKeys, remote.publicKeys), 'the first derivation follows BOLT 3');
  // Equal inputs in new arrays (as after the channel state is cloned) get the same keys.
  const copies = structuredClone({ point, owner: local.publicKeys, counterparty: remote.publicKeys });
  const second = deriveCommitmentKeys(copies.point, copies.owner, copies.counterparty);
  t.same(asHex(second), asHex(first), 'the remembered keys are the derived ones');
  for (const name of Object.keys(first) as (keyof CommitmentKeys)[]) t.not(second[name], first[name], `${name} is a new array`);

  // A caller that changes what it got does not change what the next caller gets.
  for (const name of Object.keys(second) as (keyof CommitmentKeys)[]) second[name].fill(0);
  first.revocationPubkey.fill(0);
  t.same(asHex(deriveCommitmentKeys(point, local.publicKeys, remote.publicKeys)), expected(point, local.publicKeys, remote.publicKeys), 'still the BOLT 3 keys');
});

t.test('a changed input is a different derivation', async (t) => {
  const point = local.perCommitmentPoint(4);
  const base = deriveCommitmentKeys(point, local.publicKeys, remote.publicKeys);
  const otherPoint = local.perCommitmentPoint(5);
  t.same(asHex(deriveCommitmentKeys(otherPoint, local.publicKeys, remote.publicKeys)), expected(otherPoint, local.publicKeys, remote.publicKeys), 'another per-commitment point');
  t.same(asHex(deriveCommitmentKeys(point, remote.publicKeys, local.publicKeys)), expected(point, remote.publicKeys, local.publicKeys), 'owner and counterparty swapped');
  const otherHtlc = { ...remote.publicKeys, htlcBasepoint: local.publicKeys.htlcBasepoint };
  const changed = deriveCommitmentKeys(point, local.publicKeys, otherHtlc);
  t.same(asHex(changed), expected(point, local.publicKeys, otherHtlc), 'one basepoint changed');
  t.not(hex(changed.remoteHtlcPubkey), hex(base.remoteHtlcPubkey), 'which changes the key derived from it');
  t.equal(hex(changed.revocationPubkey), hex(base.revocationPubkey), 'and not the others');
});

t.test('invalid inputs are refused, remembered derivations or not', async (t) => {
  const point = local.perCommitmentPoint(6);
  deriveCommitmentKeys(point, local.publicKeys, remote.publicKeys);
  const bad = Uint8Array.from(point);
  bad[0] = 0x05;
  t.throws(() => deriveCommitmentKeys(bad, local.publicKeys, remote.publicKeys), { name: 'InvalidKeyError', field: 'perCommitmentPoint' });
  t.throws(() => deriveCommitmentKeys(point, { ...local.publicKeys, htlcBasepoint: new Uint8Array(33) }, remote.publicKeys), { name: 'InvalidKeyError', field: 'owner.htlcBasepoint' });
});
