// SeedSigner: every key from the node seed, deterministically, on the documented BIP 32 paths.
import t from 'tap';
import fc from 'fast-check';
import { HDKey } from '@scure/bip32';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { InvalidInputError } from '../../../node/core/input.js';
import { isPublicKey, publicKeyOf } from '../../../node/core/curve.js';
import { MAX_SHACHAIN_INDEX, RevocationStore, ShachainError, generateFromSeed } from '../../../node/bolt3/shachain.js';
import { KeysChannelSigner, MAX_CHANNEL_INDEX, SeedSigner, type ChannelSigner } from '../../../node/keys/signer.js';
import { caught, throwsField } from '../input.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

function channelKeys(channel: ChannelSigner): string[] {
  const keys = channel.publicKeys;
  return [keys.fundingPubkey, keys.revocationBasepoint, keys.paymentBasepoint, keys.delayedPaymentBasepoint, keys.htlcBasepoint, channel.perCommitmentPoint(0)].map(hex);
}

/** The private key at a documented path, straight from BIP 32. */
function privateKeyAt(seed: Uint8Array, path: string): Uint8Array {
  return HDKey.fromMasterSeed(seed).derive(path).privateKey!;
}

t.test('SeedSigner is deterministic for a seed', async (t) => {
  let runs = 0;
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 0, max: MAX_CHANNEL_INDEX }), (seed, index) => {
      const a = new SeedSigner(seed);
      const b = new SeedSigner(Uint8Array.from(seed));
      if (hex(a.nodeId) !== hex(b.nodeId)) return false;
      if (channelKeys(a.channelSigner(index)).join() !== channelKeys(b.channelSigner(index)).join()) return false;
      if (channelKeys(a.channelSigner(index)).join() !== channelKeys(a.channelSigner(index)).join()) return false;
      runs++;
      return true;
    }),
    { numRuns: 8 },
  );
  t.equal(runs, 8, 'same seed, same node id and channel keys, every time');

  const one = new SeedSigner(new Uint8Array(32).fill(1));
  const two = new SeedSigner(new Uint8Array(32).fill(2));
  t.not(hex(one.nodeId), hex(two.nodeId), 'different seeds give different node ids');
  t.not(channelKeys(one.channelSigner(0)).join(), channelKeys(two.channelSigner(0)).join(), 'and different channel keys');
});

t.test('nodeId is a 33-byte public key on the documented path', async (t) => {
  const seed = new Uint8Array(32).fill(0x5a);
  const signer = new SeedSigner(seed);
  t.equal(signer.nodeId.length, 33, 'nodeId is 33 bytes');
  t.ok(signer.nodeId[0] === 2 || signer.nodeId[0] === 3, 'compressed');
  t.ok(isPublicKey(signer.nodeId), 'a valid point');
  t.equal(hex(signer.nodeId), hex(publicKeyOf(privateKeyAt(seed, "m/1017'/0'/6'/0'/0'"))), "the key at m/1017'/0'/6'/0'/0'");

  const channel = signer.channelSigner(3);
  const paths: [keyof ChannelSigner['publicKeys'], number][] = [
    ['fundingPubkey', 0],
    ['revocationBasepoint', 1],
    ['htlcBasepoint', 2],
    ['paymentBasepoint', 3],
    ['delayedPaymentBasepoint', 4],
  ];
  for (const [name, family] of paths) {
    t.equal(hex(channel.publicKeys[name]), hex(publicKeyOf(privateKeyAt(seed, `m/1017'/0'/${family}'/0'/3'`))), `${name} is family ${family} of channel 3`);
  }
  const commitmentSeed = privateKeyAt(seed, "m/1017'/0'/5'/0'/3'");
  t.equal(hex(channel.perCommitmentSecret(7)), hex(generateFromSeed(commitmentSeed, MAX_SHACHAIN_INDEX - 7)), 'per-commitment secrets come from family 5');
});

t.test('different channel indexes give different keys', async (t) => {
  let runs = 0;
  fc.assert(
    fc.property(seedArb, fc.uniqueArray(fc.integer({ min: 0, max: MAX_CHANNEL_INDEX }), { minLength: 2, maxLength: 3 }), (seed, indexes) => {
      const signer = new SeedSigner(seed);
      const all = indexes.flatMap((index) => channelKeys(signer.channelSigner(index)));
      all.push(hex(signer.nodeId));
      if (new Set(all).size !== all.length) return false;
      runs++;
      return true;
    }),
    { numRuns: 6 },
  );
  t.equal(runs, 6, 'every basepoint, funding key and first per-commitment point is distinct across channels and from the node id');

  const signer = new SeedSigner(new Uint8Array(32).fill(0x33));
  const neighbours = [0, 1, MAX_CHANNEL_INDEX - 1, MAX_CHANNEL_INDEX].map((index) => channelKeys(signer.channelSigner(index)));
  t.equal(new Set(neighbours.flat()).size, neighbours.length * 6, 'channels 0, 1, 2^31-2 and 2^31-1 share no key');
});

t.test('perCommitmentPoint(n) = publicKeyOf(perCommitmentSecret(n))', async (t) => {
  const channel = new SeedSigner(new Uint8Array(32).fill(0x44)).channelSigner(0);
  let runs = 0;
  fc.assert(
    fc.property(fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: MAX_SHACHAIN_INDEX - 1 })), (n) => {
      const secret = channel.perCommitmentSecret(n);
      if (secret.length !== 32) return false;
      if (hex(channel.perCommitmentPoint(n)) !== hex(publicKeyOf(secret))) return false;
      if (hex(channel.perCommitmentSecret(n + 1)) === hex(secret)) return false;
      runs++;
      return true;
    }),
    { numRuns: 30 },
  );
  t.equal(runs, 30, 'points match secrets, and consecutive secrets differ');
});

t.test('per-commitment secrets n = 0, 1, 2, ... are accepted by a RevocationStore in order', async (t) => {
  const channel = new SeedSigner(new Uint8Array(32).fill(0x55)).channelSigner(1);
  const store = new RevocationStore();
  const count = 600;
  let accepted = 0;
  for (let n = 0; n < count; n++) {
    const error = caught(() => store.insert(MAX_SHACHAIN_INDEX - n, channel.perCommitmentSecret(n)));
    if (error) {
      t.fail(`commitment ${n} (index 2^48-1-${n}) rejected: ${String(error)}`);
      break;
    }
    accepted++;
  }
  t.equal(accepted, count, `${count} consecutive per-commitment secrets accepted`);
  t.equal(store.latestIndex, MAX_SHACHAIN_INDEX - (count - 1), 'the latest index is 2^48-1-599');
  let lookups = 0;
  for (let n = 0; n < count; n++) if (hex(store.secretFor(MAX_SHACHAIN_INDEX - n)!) === hex(channel.perCommitmentSecret(n))) lookups++;
  t.equal(lookups, count, 'each one can be looked up again');

  // Another channel's secret is not the next secret of this one. Index 2^48-1-601 has a trailing
  // zero bit, so it is checked at once against the stored secret for 2^48-1-600.
  const other = new SeedSigner(new Uint8Array(32).fill(0x55)).channelSigner(2);
  store.insert(MAX_SHACHAIN_INDEX - count, channel.perCommitmentSecret(count));
  t.equal((MAX_SHACHAIN_INDEX - (count + 1)) % 2, 0, '(index 2^48-1-601 is even)');
  const refused = caught(() => store.insert(MAX_SHACHAIN_INDEX - (count + 1), other.perCommitmentSecret(count + 1)));
  t.ok(refused instanceof ShachainError, "another channel's secret is refused", { caught: String(refused) });
  store.insert(MAX_SHACHAIN_INDEX - (count + 1), channel.perCommitmentSecret(count + 1));
  t.equal(store.latestIndex, MAX_SHACHAIN_INDEX - (count + 1), 'while the right one is still accepted');
});

t.test('ecdh is symmetric between two signers', async (t) => {
  let runs = 0;
  fc.assert(
    fc.property(seedArb, seedArb, (seedA, seedB) => {
      fc.pre(hex(seedA) !== hex(seedB));
      const a = new SeedSigner(seedA);
      const b = new SeedSigner(seedB);
      const ab = a.ecdh(b.nodeId);
      if (ab.length !== 32) return false;
      if (hex(ab) !== hex(b.ecdh(a.nodeId))) return false;
      // BOLT 8: SHA256 of the compressed shared point.
      const shared = secp256k1.getSharedSecret(privateKeyAt(seedA, "m/1017'/0'/6'/0'/0'"), b.nodeId, true);
      if (hex(ab) !== hex(sha256(shared))) return false;
      runs++;
      return true;
    }),
    { numRuns: 8 },
  );
  t.equal(runs, 8, 'a.ecdh(b.nodeId) = b.ecdh(a.nodeId) = SHA256(compressed shared point)');

  const a = new SeedSigner(new Uint8Array(32).fill(0x61));
  const b = new SeedSigner(new Uint8Array(32).fill(0x62));
  const c = new SeedSigner(new Uint8Array(32).fill(0x63));
  t.not(hex(a.ecdh(b.nodeId)), hex(a.ecdh(c.nodeId)), 'different peers give different shared secrets');
  t.not(hex(a.ecdh(b.nodeId)), hex(c.ecdh(b.nodeId)), 'a third party does not get the same secret');
  throwsField(t, () => a.ecdh(new Uint8Array(33)), 'publicKey', 'ecdh with an invalid point');
  throwsField(t, () => a.ecdh(b.nodeId.subarray(1)), 'publicKey', 'ecdh with 32 bytes');
});

t.test('out-of-range inputs are rejected naming the field', async (t) => {
  const signer = new SeedSigner(new Uint8Array(32).fill(0x77));
  for (const bad of [-1, MAX_CHANNEL_INDEX + 1, 2 ** 32, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    throwsField(t, () => signer.channelSigner(bad), 'channelIndex', `channel index ${bad}`);
  }
  throwsField(t, () => signer.channelSigner('0' as unknown as number), 'channelIndex', 'channel index "0"');
  t.equal(signer.channelSigner(MAX_CHANNEL_INDEX).publicKeys.fundingPubkey.length, 33, 'channel index 2^31-1 is the last valid one');

  const channel = signer.channelSigner(0);
  throwsField(t, () => channel.perCommitmentSecret(-1), 'commitmentNumber', 'commitment number -1');
  throwsField(t, () => channel.perCommitmentSecret(MAX_SHACHAIN_INDEX + 1), 'commitmentNumber', 'commitment number 2^48');
  throwsField(t, () => channel.perCommitmentPoint(0.5), 'commitmentNumber', 'commitment number 0.5');

  throwsField(t, () => new SeedSigner(new Uint8Array(31)), 'seed', '31-byte seed');
  throwsField(t, () => new SeedSigner(new Uint8Array(64)), 'seed', '64-byte seed');
});

t.test('KeysChannelSigner over known secrets', async (t) => {
  const secret = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);
  const secrets = {
    fundingKey: secret(1),
    revocationBasepointSecret: secret(2),
    paymentBasepointSecret: secret(3),
    delayedPaymentBasepointSecret: secret(4),
    htlcBasepointSecret: secret(5),
    commitmentSeed: secret(6),
  };
  const channel = new KeysChannelSigner(secrets);
  t.equal(hex(channel.publicKeys.fundingPubkey), hex(publicKeyOf(secret(1))), 'funding pubkey');
  t.equal(hex(channel.publicKeys.htlcBasepoint), hex(publicKeyOf(secret(5))), 'HTLC basepoint');
  for (const n of [0, 1, 2, 1000, MAX_SHACHAIN_INDEX]) {
    t.equal(hex(channel.perCommitmentSecret(n)), hex(generateFromSeed(secret(6), MAX_SHACHAIN_INDEX - n)), `commitment ${n} uses shachain index 2^48-1-${n}`);
  }
  throwsField(t, () => new KeysChannelSigner({ ...secrets, fundingKey: new Uint8Array(32) }), 'fundingKey', 'zero funding key');
  throwsField(t, () => new KeysChannelSigner({ ...secrets, htlcBasepointSecret: secret(0xff) }), 'htlcBasepointSecret', 'HTLC secret above the order');
  throwsField(t, () => new KeysChannelSigner({ ...secrets, commitmentSeed: new Uint8Array(31) }), 'commitmentSeed', '31-byte commitment seed');
});

t.test('per-commitment secrets and points are remembered for recent numbers, and handed out as copies', async (t) => {
  const seed = new Uint8Array(32).fill(0x33);
  const channel = new SeedSigner(seed).channelSigner(0);
  const commitmentSeed = privateKeyAt(seed, "m/1017'/0'/5'/0'/0'");
  const expectedSecret = (n: number) => generateFromSeed(commitmentSeed, MAX_SHACHAIN_INDEX - n);
  // Well past the cache's bound, in an order that revisits numbers (as a channel does).
  const order = [0, 1, 0, 2, 1, 3, ...Array.from({ length: KeysChannelSigner.RECENT_COMMITMENTS_MAX * 3 }, (_, i) => i), 0, 5];
  let ok = 0;
  for (const n of order) {
    const point = channel.perCommitmentPoint(n);
    const secret = channel.perCommitmentSecret(n);
    if (hex(secret) === hex(expectedSecret(n)) && hex(point) === hex(publicKeyOf(expectedSecret(n)))) ok++;
  }
  t.equal(ok, order.length, 'every secret is generate_from_seed and every point its public key, cached or not');
  const point = channel.perCommitmentPoint(7);
  const secret = channel.perCommitmentSecret(7);
  t.not(channel.perCommitmentPoint(7), point, 'a new array each time');
  point.fill(0);
  secret.fill(0);
  t.equal(hex(channel.perCommitmentPoint(7)), hex(publicKeyOf(expectedSecret(7))), 'changing a returned point does not change the next answer');
  t.equal(hex(channel.perCommitmentSecret(7)), hex(expectedSecret(7)), 'nor changing a returned secret');
  t.not(hex(channel.perCommitmentPoint(8)), hex(channel.perCommitmentPoint(7)), 'another number, another point');
});
