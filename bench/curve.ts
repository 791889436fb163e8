/**
 * The two secp256k1 libraries side by side on the operations channels use
 * most, to back the choice `node/core/curve.ts` makes.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import * as libsecp256k1 from 'tiny-secp256k1';
import type { Figure } from './bolt3.js';
import { batchPerSecond } from './measure.js';

const COUNT = 200;
const secrets = Array.from({ length: COUNT }, (_, i) => sha256(Uint8Array.of(1, i)));
const digests = Array.from({ length: COUNT }, (_, i) => sha256(Uint8Array.of(2, i)));
const points = secrets.map((secret) => secp256k1.getPublicKey(secret, true));
const signatures = digests.map((digest, i) => secp256k1.sign(digest, secrets[i]!, { prehash: false }));

const each = (operation: (i: number) => unknown) => () => batchPerSecond(() => secrets.forEach((_, i) => operation(i)), COUNT);

export const curveFigures: Figure[] = [
  { key: 'curve.signPerSecond.libsecp256k1', unit: 'signatures/s', measure: each((i) => libsecp256k1.sign(digests[i]!, secrets[i]!)) },
  { key: 'curve.signPerSecond.noble', unit: 'signatures/s', measure: each((i) => secp256k1.sign(digests[i]!, secrets[i]!, { prehash: false })) },
  { key: 'curve.verifyPerSecond.libsecp256k1', unit: 'verifications/s', measure: each((i) => libsecp256k1.verify(digests[i]!, points[i]!, signatures[i]!)) },
  { key: 'curve.verifyPerSecond.noble', unit: 'verifications/s', measure: each((i) => secp256k1.verify(signatures[i]!, digests[i]!, points[i]!, { prehash: false })) },
  { key: 'curve.pointMultiplyPerSecond.libsecp256k1', unit: 'multiplications/s', measure: each((i) => libsecp256k1.pointMultiply(points[i]!, secrets[(i + 1) % COUNT]!, true)) },
  {
    key: 'curve.pointMultiplyPerSecond.noble',
    unit: 'multiplications/s',
    measure: each((i) => secp256k1.getSharedSecret(secrets[(i + 1) % COUNT]!, points[i]!, true)),
  },
];
