// BOLT 3 key derivation: the private-key and public-key paths always agree.
import t from 'tap';
import fc from 'fast-check';
import { InvalidInputError } from '../../../node/core/input.js';
import { addPublicKeys, publicKeyOf } from '../../../node/core/curve.js';
import {
  derivePrivateKey,
  derivePublicKey,
  deriveRevocationPrivateKey,
  deriveRevocationPublicKey,
  perCommitmentPointOf,
} from '../../../node/bolt3/key-derivation.js';
import { throwsField } from '../input.js';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function toBytes(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));

const secretArb = fc.bigInt(1n, N - 1n).map(toBytes);

t.test('publicKeyOf(derivePrivateKey(secret, point)) = derivePublicKey(publicKeyOf(secret), point)', async (t) => {
  let checked = 0;
  fc.assert(
    fc.property(secretArb, secretArb, (basepointSecret, pcSecret) => {
      const point = publicKeyOf(pcSecret);
      const basepoint = publicKeyOf(basepointSecret);
      const derived = derivePrivateKey(basepointSecret, point);
      if (derived.length !== 32) return false;
      const expected = derivePublicKey(basepoint, point);
      if (hex(publicKeyOf(derived)) !== hex(expected)) return false;
      // The derived key is a fresh key, not the basepoint itself.
      if (hex(expected) === hex(basepoint)) return false;
      checked++;
      return true;
    }),
    { numRuns: 40 },
  );
  t.equal(checked, 40, 'private and public derivation agree for random keys');
});

t.test('publicKeyOf(deriveRevocationPrivateKey(rev, pc)) = deriveRevocationPublicKey(publicKeyOf(rev), publicKeyOf(pc))', async (t) => {
  let checked = 0;
  fc.assert(
    fc.property(secretArb, secretArb, (revSecret, pcSecret) => {
      const revBasepoint = publicKeyOf(revSecret);
      const pcPoint = publicKeyOf(pcSecret);
      // Skip P = ±Q, where the naive sum below would be doubling or the point at infinity.
      fc.pre(hex(revBasepoint).slice(2) !== hex(pcPoint).slice(2));
      const privateKey = deriveRevocationPrivateKey(revSecret, pcSecret);
      const expected = deriveRevocationPublicKey(revBasepoint, pcPoint);
      if (hex(publicKeyOf(privateKey)) !== hex(expected)) return false;
      // Not the naive (and insecure) sum of the two points.
      if (hex(expected) === hex(addPublicKeys(revBasepoint, pcPoint))) return false;
      checked++;
      return true;
    }),
    { numRuns: 40 },
  );
  t.equal(checked, 40, 'revocation private and public derivation agree for random keys');
});

t.test('perCommitmentPointOf is secret·G', async (t) => {
  t.doesNotThrow(
    () => fc.assert(fc.property(secretArb, (secret) => hex(perCommitmentPointOf(secret)) === hex(publicKeyOf(secret))), { numRuns: 20 }),
    'perCommitmentPointOf matches publicKeyOf for 20 random secrets',
  );
  t.equal(
    hex(perCommitmentPointOf(fromHex('1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100'))),
    '025f7117a78150fe2ef97db7cfc83bd57b2e2c0d0dd25eaf467a4a1c2a45ce1486',
    'BOLT 3 Appendix E per_commitment_point',
  );
});

t.test('BOLT 3 Appendix E values', async (t) => {
  const baseSecret = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
  const pcSecret = fromHex('1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100');
  const basePoint = fromHex('036d6caac248af96f6afa7f904f550253a0f3ef3f5aa2fe6838a95b216691468e2');
  const pcPoint = fromHex('025f7117a78150fe2ef97db7cfc83bd57b2e2c0d0dd25eaf467a4a1c2a45ce1486');
  t.equal(hex(derivePublicKey(basePoint, pcPoint)), '0235f2dbfaa89b57ec7b055afe29849ef7ddfeb1cefdb9ebdc43f5494984db29e5', 'localpubkey');
  t.equal(hex(derivePrivateKey(baseSecret, pcPoint)), 'cbced912d3b21bf196a766651e436aff192362621ce317704ea2f75d87e7be0f', 'localprivkey');
  t.equal(hex(deriveRevocationPublicKey(basePoint, pcPoint)), '02916e326636d19c33f13e8c0c3a03dd157f332f3e99c317c141dd865eb01f8ff0', 'revocationpubkey');
  t.equal(hex(deriveRevocationPrivateKey(baseSecret, pcSecret)), 'd09ffff62ddb2297ab000cc85bcb4283fdeb6aa052affbc9dddcf33b61078110', 'revocationprivkey');
});

t.test('bad inputs throw naming the field', async (t) => {
  const secret = toBytes(123456789n);
  const point = publicKeyOf(toBytes(987654321n));
  const notAPoint = new Uint8Array(33);
  notAPoint[0] = 0x02;
  const zero = new Uint8Array(32);
  const order = toBytes(N);

  throwsField(t, () => derivePublicKey(notAPoint, point), 'basepoint', 'derivePublicKey, basepoint not on the curve');
  throwsField(t, () => derivePublicKey(point.subarray(1), point), 'basepoint', 'derivePublicKey, 32-byte basepoint');
  throwsField(t, () => derivePublicKey(point, notAPoint), 'perCommitmentPoint', 'derivePublicKey, bad per-commitment point');
  throwsField(t, () => derivePublicKey(point, 'ab' as unknown as Uint8Array), 'perCommitmentPoint', 'derivePublicKey, a string');

  throwsField(t, () => derivePrivateKey(zero, point), 'basepointSecret', 'derivePrivateKey, zero secret');
  throwsField(t, () => derivePrivateKey(order, point), 'basepointSecret', 'derivePrivateKey, secret = n');
  throwsField(t, () => derivePrivateKey(secret.subarray(1), point), 'basepointSecret', 'derivePrivateKey, 31-byte secret');
  throwsField(t, () => derivePrivateKey(secret, notAPoint), 'perCommitmentPoint', 'derivePrivateKey, bad per-commitment point');

  throwsField(t, () => deriveRevocationPublicKey(notAPoint, point), 'revocationBasepoint', 'deriveRevocationPublicKey, bad basepoint');
  throwsField(t, () => deriveRevocationPublicKey(point, notAPoint), 'perCommitmentPoint', 'deriveRevocationPublicKey, bad point');
  throwsField(t, () => deriveRevocationPublicKey(point, new Uint8Array(65)), 'perCommitmentPoint', 'deriveRevocationPublicKey, 65 bytes');

  throwsField(t, () => deriveRevocationPrivateKey(zero, secret), 'revocationBasepointSecret', 'deriveRevocationPrivateKey, zero basepoint secret');
  throwsField(t, () => deriveRevocationPrivateKey(secret, zero), 'perCommitmentSecret', 'deriveRevocationPrivateKey, zero per-commitment secret');
  throwsField(t, () => deriveRevocationPrivateKey(secret, order), 'perCommitmentSecret', 'deriveRevocationPrivateKey, per-commitment secret = n');
  throwsField(t, () => deriveRevocationPrivateKey(secret, new Uint8Array(33).fill(1)), 'perCommitmentSecret', 'deriveRevocationPrivateKey, 33 bytes');

  throwsField(t, () => perCommitmentPointOf(zero), 'perCommitmentSecret', 'perCommitmentPointOf, zero');
  throwsField(t, () => perCommitmentPointOf(new Uint8Array(31).fill(1)), 'perCommitmentSecret', 'perCommitmentPointOf, 31 bytes');
});

t.test('perCommitmentPointOf: a repeated secret gets the same point, as a new array each time', async (t) => {
  const secret = toBytes(123456789n);
  const first = perCommitmentPointOf(secret);
  t.equal(hex(first), hex(publicKeyOf(secret)), 'secret·G');
  const second = perCommitmentPointOf(Uint8Array.from(secret));
  t.equal(hex(second), hex(first), 'the same point again');
  t.not(second, first, 'a different array');
  second.fill(0);
  t.equal(hex(perCommitmentPointOf(secret)), hex(first), 'changing a returned point does not change what the next caller gets');
  const other = Uint8Array.from(secret);
  other[31]! ^= 1;
  t.equal(hex(perCommitmentPointOf(other)), hex(publicKeyOf(other)), 'a changed secret gets its own point');
  t.not(hex(perCommitmentPointOf(other)), hex(first));
  // More secrets than the cache holds: every answer is still right.
  for (let i = 1n; i <= 20n; i++) t.equal(hex(perCommitmentPointOf(toBytes(i * 1000n))), hex(publicKeyOf(toBytes(i * 1000n))), `secret ${i * 1000n}`);
  t.equal(hex(perCommitmentPointOf(secret)), hex(first), 'an evicted secret is computed again, the same');
});

t.test('derivePrivateKey with the known basepoint agrees with the one that computes it', async (t) => {
  const basepointSecret = toBytes(987654321n);
  const point = publicKeyOf(toBytes(42n));
  t.equal(hex(derivePrivateKey(basepointSecret, point, publicKeyOf(basepointSecret))), hex(derivePrivateKey(basepointSecret, point)));
});
