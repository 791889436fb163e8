// secp256k1 wrapper: ECDSA over digests, low-S, DER <-> compact, and input checks.
import t from 'tap';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { InvalidInputError } from '../../../node/core/input.js';
import {
  InvalidKeyError,
  VALID_POINT_CACHE_MAX,
  addPublicKeys,
  addSecretKeys,
  checkPublicKey,
  checkSecretKey,
  compactToDer,
  derToCompact,
  isPublicKey,
  multiplySecretKeys,
  publicKeyOf,
  recoverPublicKey,
  signDigest,
  tweakAddPublicKey,
  tweakMultiplyPublicKey,
  validPointCacheSize,
  verifyDigest,
} from '../../../node/core/curve.js';
import { throwsField } from '../input.js';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const HALF_N = N >> 1n;

function toBytes(value: bigint, length = 32): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

function toBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

const secretArb = fc.bigInt(1n, N - 1n).map((k) => toBytes(k));
const digestArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const RUNS = { numRuns: 60 };

t.test('sign/verify round trip over digests, always low-S', async (t) => {
  let checked = 0;
  fc.assert(
    fc.property(secretArb, digestArb, fc.nat(255), (secret, digest, bit) => {
      const pub = publicKeyOf(secret);
      const sig = signDigest(digest, secret);
      if (sig.length !== 64) return false;
      if (!verifyDigest(sig, digest, pub)) return false;
      // Deterministic (RFC 6979).
      if (hex(signDigest(digest, secret)) !== hex(sig)) return false;
      // Low-S.
      const s = toBigInt(sig.subarray(32));
      const r = toBigInt(sig.subarray(0, 32));
      if (s < 1n || s > HALF_N || r < 1n || r >= N) return false;
      // A different digest does not verify.
      const other = Uint8Array.from(digest);
      other[bit >> 3]! ^= 1 << (bit & 7);
      if (verifyDigest(sig, other, pub)) return false;
      // The high-S twin is rejected.
      const high = Uint8Array.from(sig);
      high.set(toBytes(N - s), 32);
      if (verifyDigest(high, digest, pub)) return false;
      checked++;
      return true;
    }),
    RUNS,
  );
  t.equal(checked, RUNS.numRuns, `${checked} random keys and digests sign, verify, are low-S and reject tampering`);
});

t.test('a signature does not verify under another key', async (t) => {
  const a = toBytes(11n);
  const b = toBytes(12n);
  const digest = new Uint8Array(32).fill(0x42);
  const sig = signDigest(digest, a);
  t.ok(verifyDigest(sig, digest, publicKeyOf(a)), 'verifies under its own key');
  t.notOk(verifyDigest(sig, digest, publicKeyOf(b)), 'does not verify under another key');
  t.notOk(verifyDigest(new Uint8Array(64), digest, publicKeyOf(a)), 'an all-zero signature is false, not a throw');
  t.notOk(verifyDigest(new Uint8Array(64).fill(0xff), digest, publicKeyOf(a)), 'an out-of-range signature is false, not a throw');
});

t.test('sign/verify input checks name the field', async (t) => {
  const secret = toBytes(5n);
  const digest = new Uint8Array(32);
  const sig = signDigest(digest, secret);
  const pub = publicKeyOf(secret);
  throwsField(t, () => signDigest(new Uint8Array(31), secret), 'digest', 'short digest');
  throwsField(t, () => signDigest(digest, new Uint8Array(32)), 'secretKey', 'zero secret key');
  throwsField(t, () => signDigest(digest, toBytes(N)), 'secretKey', 'secret key equal to the order');
  throwsField(t, () => verifyDigest(sig.subarray(1), digest, pub), 'signature', 'short signature');
  throwsField(t, () => verifyDigest(sig, new Uint8Array(33), pub), 'digest', 'long digest');
  throwsField(t, () => verifyDigest(sig, digest, pub.subarray(1)), 'publicKey', 'short public key');
});

t.test('DER <-> compact round trip', async (t) => {
  let checked = 0;
  fc.assert(
    fc.property(secretArb, digestArb, (secret, digest) => {
      const sig = signDigest(digest, secret);
      const der = compactToDer(sig);
      if (der[0] !== 0x30 || der.length > 72 || der.length < 8) return false;
      if (hex(derToCompact(der)) !== hex(sig)) return false;
      checked++;
      return true;
    }),
    RUNS,
  );
  t.equal(checked, RUNS.numRuns, 'signatures survive compact -> DER -> compact');

  // Any r, s in [1, n-1], including short ones and ones whose top bit is set (needing a 0x00 pad).
  const scalar = fc.oneof(fc.bigInt(1n, 0xffffn), fc.bigInt(1n, N - 1n), fc.bigInt(N - 0xffffn, N - 1n), fc.constant(0x80n));
  let scalars = 0;
  fc.assert(
    fc.property(scalar, scalar, (r, s) => {
      const compact = new Uint8Array(64);
      compact.set(toBytes(r), 0);
      compact.set(toBytes(s), 32);
      const der = compactToDer(compact);
      if (hex(derToCompact(der)) !== hex(compact)) return false;
      scalars++;
      return true;
    }),
    { numRuns: 100 },
  );
  t.equal(scalars, 100, 'arbitrary in-range (r, s) survive the round trip');

  // r = 1, s = 0x80 encodes minimally as 02 01 01 and 02 02 00 80.
  const compact = new Uint8Array(64);
  compact[31] = 1;
  compact[63] = 0x80;
  t.equal(hex(compactToDer(compact)), '3007020101020200' + '80', 'minimal DER for small r and high-bit s');
});

t.test('compactToDer rejects out-of-range scalars', async (t) => {
  throwsField(t, () => compactToDer(new Uint8Array(64)), 'signature', 'r = s = 0');
  const overOrder = new Uint8Array(64);
  overOrder.set(toBytes(N), 0);
  overOrder.set(toBytes(1n), 32);
  throwsField(t, () => compactToDer(overOrder), 'signature', 'r = n');
  throwsField(t, () => compactToDer(new Uint8Array(63)), 'signature', 'wrong length');
});

t.test('strict DER rejects malformed encodings', async (t) => {
  const secret = toBytes(0xdeadbeefn);
  const digest = new Uint8Array(32).fill(3);
  const der = compactToDer(signDigest(digest, secret));
  t.ok(derToCompact(der).length === 64, 'the unmodified encoding is accepted');

  // Encodings of r = n - 1 (top byte 0xff, so it needs a 0x00 pad) and s = 1.
  const rBytes = toBytes(N - 1n);
  const good = Uint8Array.from([0x30, 0x26, 0x02, 0x21, 0x00, ...rBytes, 0x02, 0x01, 0x01]);
  t.equal(hex(derToCompact(good)), hex(rBytes) + hex(toBytes(1n)), 'a correctly padded high r is accepted');

  const cases: [string, Uint8Array][] = [];
  const wrongLength = Uint8Array.from(der);
  wrongLength[1]! += 1;
  cases.push(['wrong total length byte', wrongLength]);
  const shortLength = Uint8Array.from(der);
  shortLength[1]! -= 1;
  cases.push(['total length byte too small', shortLength]);
  cases.push(['negative R (high bit set, no pad)', Uint8Array.from([0x30, 0x25, 0x02, 0x20, ...rBytes, 0x02, 0x01, 0x01])]);
  cases.push(['padded R (unnecessary 0x00)', Uint8Array.from([0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01])]);
  cases.push(['padded S (unnecessary 0x00)', Uint8Array.from([0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x01])]);
  cases.push(['negative S', Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x81])]);
  cases.push(['zero-length R', Uint8Array.from([0x30, 0x06, 0x02, 0x00, 0x02, 0x02, 0x01, 0x01])]);
  cases.push(['zero-length S', Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x00, 0x00])]);
  const wrongTag = Uint8Array.from(der);
  wrongTag[0] = 0x31;
  cases.push(['not a SEQUENCE', wrongTag]);
  const wrongRTag = Uint8Array.from(der);
  wrongRTag[2] = 0x03;
  cases.push(['R not an INTEGER', wrongRTag]);
  const lenR = der[3]!;
  const wrongSTag = Uint8Array.from(der);
  wrongSTag[4 + lenR] = 0x03;
  cases.push(['S not an INTEGER', wrongSTag]);
  const lenRTooLong = Uint8Array.from(der);
  lenRTooLong[3]! += 1;
  cases.push(['R length overruns', lenRTooLong]);
  cases.push(['trailing byte (e.g. a sighash flag)', Uint8Array.from([...der, 0x01])]);
  cases.push(['truncated', der.subarray(0, der.length - 1)]);
  cases.push(['empty', new Uint8Array(0)]);
  cases.push(['too long', Uint8Array.from([0x30, 71, 0x02, 0x21, 0x00, ...rBytes, 0x02, 0x22, 0x00, 0x00, ...toBytes(1n)])]);

  for (const [name, bytes] of cases) throwsField(t, () => derToCompact(bytes), 'signature', name);
  throwsField(t, () => derToCompact('3006' as unknown as Uint8Array), 'signature', 'not bytes');
});

t.test('checkPublicKey rejects bad input naming the argument', async (t) => {
  const pub = publicKeyOf(toBytes(7n));
  t.equal(checkPublicKey('peerKey', pub), pub, 'a valid compressed key is returned as is');
  t.ok(isPublicKey(pub), 'isPublicKey agrees');

  throwsField(t, () => checkPublicKey('peerKey', pub.subarray(0, 32)), 'peerKey', '32 bytes');
  throwsField(t, () => checkPublicKey('peerKey', Array.from(pub)), 'peerKey', 'an array, not bytes');
  throwsField(t, () => checkPublicKey('peerKey', hex(pub)), 'peerKey', 'a hex string');
  throwsField(t, () => checkPublicKey('peerKey', undefined), 'peerKey', 'undefined');

  const uncompressedPrefix = Uint8Array.from(pub);
  uncompressedPrefix[0] = 0x04;
  throwsField(t, () => checkPublicKey('remoteKey', uncompressedPrefix), 'remoteKey', 'prefix 0x04');
  t.notOk(isPublicKey(uncompressedPrefix), 'isPublicKey: prefix 0x04');

  // An x for which x^3 + 7 is not a square mod p: no point has it.
  let x = 1n;
  const pow = (base: bigint, exp: bigint): bigint => {
    let result = 1n;
    base %= P;
    while (exp > 0n) {
      if (exp & 1n) result = (result * base) % P;
      base = (base * base) % P;
      exp >>= 1n;
    }
    return result;
  };
  for (;;) {
    const rhs = (x ** 3n + 7n) % P;
    if (pow(rhs, (P - 1n) / 2n) !== 1n) break;
    x++;
  }
  const offCurve = Uint8Array.from([0x02, ...toBytes(x)]);
  throwsField(t, () => checkPublicKey('remoteKey', offCurve), 'remoteKey', `x = ${x}, not on the curve`);
  let caught: unknown;
  try {
    checkPublicKey('remoteKey', offCurve);
  } catch (error) {
    caught = error;
  }
  t.ok(caught instanceof InvalidKeyError, 'off-curve points throw InvalidKeyError');

  const xTooBig = Uint8Array.from([0x02, ...toBytes(P + 1n)]);
  throwsField(t, () => checkPublicKey('remoteKey', xTooBig), 'remoteKey', 'x >= p');
  throwsField(t, () => checkPublicKey('remoteKey', new Uint8Array(33)), 'remoteKey', 'all zeros');
});

t.test('checkSecretKey: [1, n-1] only, errors name the argument', async (t) => {
  t.equal(hex(checkSecretKey('k', toBytes(1n))), hex(toBytes(1n)), '1 is valid');
  t.equal(hex(checkSecretKey('k', toBytes(N - 1n))), hex(toBytes(N - 1n)), 'n - 1 is valid');
  throwsField(t, () => checkSecretKey('fundingKey', new Uint8Array(32)), 'fundingKey', 'zero');
  throwsField(t, () => checkSecretKey('fundingKey', toBytes(N)), 'fundingKey', 'n');
  throwsField(t, () => checkSecretKey('fundingKey', toBytes(N + 1n)), 'fundingKey', 'n + 1');
  throwsField(t, () => checkSecretKey('fundingKey', new Uint8Array(32).fill(0xff)), 'fundingKey', '2^256 - 1');
  throwsField(t, () => checkSecretKey('fundingKey', new Uint8Array(31).fill(1)), 'fundingKey', '31 bytes');
  throwsField(t, () => checkSecretKey('fundingKey', new Uint8Array(33).fill(1)), 'fundingKey', '33 bytes');
  throwsField(t, () => checkSecretKey('fundingKey', 'ab'), 'fundingKey', 'a string');
  throwsField(t, () => publicKeyOf(new Uint8Array(32)), 'secretKey', 'publicKeyOf(0)');
  throwsField(t, () => publicKeyOf(toBytes(N)), 'secretKey', 'publicKeyOf(n)');
  t.equal(hex(publicKeyOf(toBytes(1n))), '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798', 'publicKeyOf(1) is G');
});

t.test('scalar and point arithmetic agree', async (t) => {
  let checked = 0;
  fc.assert(
    fc.property(secretArb, secretArb, (a, b) => {
      const ka = toBigInt(a);
      const kb = toBigInt(b);
      fc.pre((ka + kb) % N !== 0n);
      const sum = addSecretKeys(a, b);
      if (toBigInt(sum) !== (ka + kb) % N) return false;
      if (hex(publicKeyOf(sum)) !== hex(addPublicKeys(publicKeyOf(a), publicKeyOf(b)))) return false;
      if (hex(publicKeyOf(sum)) !== hex(tweakAddPublicKey(publicKeyOf(a), b))) return false;
      const product = multiplySecretKeys(a, b);
      if (toBigInt(product) !== (ka * kb) % N) return false;
      if (hex(publicKeyOf(product)) !== hex(tweakMultiplyPublicKey(publicKeyOf(a), b))) return false;
      checked++;
      return true;
    }),
    { numRuns: 30 },
  );
  t.equal(checked, 30, 'a+b and a*b match on scalars and on points');

  throwsField(t, () => addSecretKeys(toBytes(5n), toBytes(N - 5n)), 'result', 'a + b = 0 mod n');
  throwsField(t, () => tweakMultiplyPublicKey(publicKeyOf(toBytes(5n)), toBytes(N)), 'tweak', 'multiply by n');
  throwsField(t, () => tweakAddPublicKey(publicKeyOf(toBytes(5n)), new Uint8Array(31)), 'tweak', 'short tweak');
  throwsField(t, () => addPublicKeys(publicKeyOf(toBytes(5n)), new Uint8Array(33)), 'b', 'invalid second point');
  t.equal(
    hex(tweakAddPublicKey(publicKeyOf(toBytes(5n)), toBytes(N))),
    hex(publicKeyOf(toBytes(5n))),
    'a tweak of n is reduced to zero and adds nothing',
  );
});

t.test('a key changed in place after passing a check is checked again', async (t) => {
  const key = publicKeyOf(new Uint8Array(32).fill(7));
  t.equal(checkPublicKey('peerKey', key), key, 'valid at first');
  key[0] = 0x04;
  t.throws(() => checkPublicKey('peerKey', key), { name: 'InvalidKeyError', field: 'peerKey' }, 'no longer a compressed point');
  key[0] = 0x02;
  key.fill(0, 1);
  t.throws(() => checkPublicKey('peerKey', key), { name: 'InvalidKeyError', field: 'peerKey' }, 'not on the curve');
});

t.test('valid points are remembered by content, bounded, and a changed copy is checked again', async (t) => {
  const key = publicKeyOf(new Uint8Array(32).fill(11));
  const copy = Uint8Array.from(key);
  t.ok(isPublicKey(copy), 'a copy (a new object) of a known point is valid');
  t.equal(checkPublicKey('copy', copy), copy, 'and passes the check');
  // The same x with the last byte changed until it is off the curve: same length and prefix, different content.
  const offCurve = Uint8Array.from(key);
  do offCurve[32] = (offCurve[32]! + 1) % 256;
  while (isPublicKey(Uint8Array.from(offCurve)) && offCurve[32] !== key[32]);
  t.not(hex(offCurve), hex(key), 'found an x off the curve next to a valid one');
  t.notOk(isPublicKey(offCurve), 'a changed copy of a known point misses the cache and is refused');
  t.throws(() => checkPublicKey('offCurve', offCurve), { name: 'InvalidKeyError', field: 'offCurve' });
  const wrongPrefix = Uint8Array.from(key);
  wrongPrefix[0] = 0x04;
  t.notOk(isPublicKey(wrongPrefix), 'an uncompressed prefix is refused whatever the cache holds');

  // Fill the cache past its bound: it stays bounded, and an evicted point is simply checked again.
  for (let i = 1; i <= VALID_POINT_CACHE_MAX + 16; i++) publicKeyOf(toBytes(BigInt(i) * 7919n));
  t.equal(validPointCacheSize(), VALID_POINT_CACHE_MAX, `holds at most ${VALID_POINT_CACHE_MAX} points`);
  t.ok(isPublicKey(Uint8Array.from(key)), 'an evicted point is still valid (checked again)');
  t.notOk(isPublicKey(offCurve), 'and an invalid one still refused');
});

t.test('recoverPublicKey: one recovery id gives back the signer, the others someone else or nothing', async (t) => {
  const secret = sha256(Uint8Array.of(7));
  const digest = sha256(Uint8Array.of(8));
  const signature = signDigest(digest, secret);
  const recovered = [0, 1, 2, 3].map((id) => recoverPublicKey(signature, id, digest));
  t.equal(recovered.filter((key) => key && Buffer.from(key).equals(Buffer.from(publicKeyOf(secret)))).length, 1, 'exactly one recovery id recovers the signer');
  t.throws(() => recoverPublicKey(signature.subarray(0, 63), 0, digest), /signature/, 'a signature of the wrong size is refused');
});
