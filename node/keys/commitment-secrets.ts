/**
 * Our per-commitment secrets, one after another, from one seed.
 *
 * `generate_from_seed` costs one SHA256 per set bit of the index, and our
 * indexes (2^48-1 counting down) have nearly all 48 set: about 46 hashes a
 * commitment. Neighbouring indexes share their high bits, and the secret of
 * an index with its low bits cleared is where the derivation of every index
 * under it passes (see `deriveSecret`). Keeping that secret at a few levels
 * leaves at most 8 hashes for most new indexes. Each is a pure function of
 * the seed and the index.
 */
import { checkBytes, checkInteger } from '../core/input.js';
import { MAX_SHACHAIN_INDEX, deriveSecret } from '../bolt3/shachain.js';

/** How many low bits each kept ancestor has cleared, highest first. */
const LEVELS = [40, 32, 24, 16, 8] as const;

export class CommitmentSecrets {
  private readonly seed: Uint8Array;
  /** By level: the last ancestor used there (its index, low bits cleared) and its secret. */
  private readonly ancestors = new Map<number, { readonly index: number; readonly secret: Uint8Array }>();

  constructor(seed: Uint8Array) {
    this.seed = Uint8Array.from(checkBytes('seed', seed, 32));
  }

  /** generate_from_seed(seed, index); a new array each call. */
  secretAt(index: number): Uint8Array {
    checkInteger('index', index, 0, MAX_SHACHAIN_INDEX);
    let secret = this.seed;
    let bits = 48;
    for (const level of LEVELS) {
      const ancestorIndex = index - (index % 2 ** level);
      const known = this.ancestors.get(level);
      if (known?.index === ancestorIndex) secret = known.secret;
      else {
        secret = deriveSecret(secret, bits, ancestorIndex);
        this.ancestors.set(level, { index: ancestorIndex, secret });
      }
      bits = level;
    }
    return deriveSecret(secret, bits, index);
  }
}
