/**
 * How the fuzz makes one input for a target: random bytes now and then, and
 * mostly a valid encoding with a few mutations stacked on it (bits flipped,
 * bytes set to boundary values, integers and length fields at their
 * extremes, truncation, extension, cut and spliced chunks, tokens of the
 * format). Mutated valid encodings get past a decoder's first checks, which
 * random bytes seldom do.
 */
import type { Random } from './random.js';
import type { AnyTarget } from './target.js';

/** Inputs are at most this long unless the target says otherwise. */
export const DEFAULT_MAX_INPUT_BYTES = 4096;

/** Bytes where off-by-one and sign mistakes live. */
const BOUNDARY_BYTES = [0x00, 0x01, 0x02, 0x0c, 0x10, 0x17, 0x18, 0x1f, 0x20, 0x3f, 0x40, 0x7e, 0x7f, 0x80, 0x81, 0xa0, 0xbf, 0xc0, 0xdb, 0xfe, 0xff];

/** Multi-byte integers at their extremes, either byte order; LEB128 varints at theirs. */
const EXTREME_INTEGERS: readonly Uint8Array[] = [
  [0xff, 0xff],
  [0x7f, 0xff],
  [0x80, 0x00],
  [0xff, 0xff, 0xff, 0xff],
  [0x7f, 0xff, 0xff, 0xff],
  [0x80, 0x00, 0x00, 0x00],
  [0x00, 0x00, 0x00, 0x80],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  [0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
  // LEB128: 2^53 - 1 (the largest safe), 2^56 - 1 (past it), a non-shortest zero, eight continuation bytes.
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
  [0x80, 0x00],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80],
  [0xfd, 0xff, 0xff],
  [0xfe, 0xff, 0xff, 0xff, 0xff],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
].map((bytes) => Uint8Array.from(bytes));

/** One input for `target`, made only from `random`. */
export function makeInput(target: AnyTarget, seeds: readonly Uint8Array[], random: Random): Uint8Array {
  const max = target.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (seeds.length === 0 || random.chance(0.1)) return random.bytes(random.length(max));
  let input = random.pick(seeds);
  const count = 1 + (random.chance(0.5) ? 0 : random.below(random.chance(0.8) ? 3 : 8));
  for (let i = 0; i < count; i++) {
    const structured = target.mutate && random.chance(0.3) ? target.mutate(input, random) : undefined;
    input = structured ?? mutateBytes(input, seeds, target.dictionary ?? [], random);
    if (input.length > max) input = input.subarray(0, max);
  }
  return input;
}

/** One byte-level mutation. */
export function mutateBytes(input: Uint8Array, seeds: readonly Uint8Array[], dictionary: readonly Uint8Array[], random: Random): Uint8Array {
  const out = Uint8Array.from(input);
  const at = () => random.below(out.length);
  switch (random.below(out.length === 0 ? 4 : 12)) {
    case 0:
      return join(input, random.bytes(random.between(1, 8)));
    case 1:
      return join(input, new Uint8Array(random.between(1, 64)).fill(random.pick([0x00, 0xff, random.next() & 0xff])));
    case 2:
      return join(input, dictionary.length > 0 && random.chance(0.5) ? random.pick(dictionary) : random.pick(EXTREME_INTEGERS));
    case 3:
      return join(input, random.pick(seeds));
    case 4: {
      const i = at();
      out[i]! ^= 1 << random.below(8);
      return out;
    }
    case 5:
      out[at()] = random.chance(0.7) ? random.pick(BOUNDARY_BYTES) : random.next() & 0xff;
      return out;
    case 6: {
      // An integer or a length field at an extreme, written over what is there.
      const value = dictionary.length > 0 && random.chance(0.4) ? random.pick(dictionary) : random.pick(EXTREME_INTEGERS);
      const i = at();
      return random.chance(0.5) ? overwrite(input, i, value) : insert(input, i, value);
    }
    case 7:
      return input.subarray(0, at());
    case 8: {
      const i = at();
      return join(input.subarray(0, i), input.subarray(Math.min(input.length, i + random.between(1, 16))));
    }
    case 9:
      return insert(input, at(), random.bytes(random.between(1, 8)));
    case 10: {
      // A chunk repeated where it was: a list item or a field twice.
      const start = at();
      const end = Math.min(input.length, start + random.between(1, 64));
      return insert(input, end, input.subarray(start, end));
    }
    default: {
      // The head of this input on the tail of another: two messages' fields joined.
      const other = random.pick(seeds);
      return join(input.subarray(0, at()), other.subarray(random.below(other.length + 1)));
    }
  }
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function insert(input: Uint8Array, at: number, bytes: Uint8Array): Uint8Array {
  return join(join(input.subarray(0, at), bytes), input.subarray(at));
}

function overwrite(input: Uint8Array, at: number, bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(input.length >= at + bytes.length ? input : join(input, new Uint8Array(at + bytes.length - input.length)));
  out.set(bytes, at);
  return out;
}
