/**
 * The CBOR subset lnmesh puts on the air, and a strict decoder for it.
 *
 * Messages are encoded with cbor-x. They are decoded here instead, because
 * what a peer sends must be checked before anything is built from it: only
 * unsigned integers, byte strings, arrays and maps with unsigned integer keys
 * in ascending order; definite lengths in their shortest form; no tags,
 * floats, text or negative numbers; every length bounded by the bytes that
 * are actually there, so nothing is allocated for a length a peer merely claims.
 */
import { Encoder } from 'cbor-x';

/** What the subset can hold: maps decode to `Map`, never to plain objects (no prototype to pollute). */
export type CborValue = number | Uint8Array | CborValue[] | Map<number, CborValue>;

/** Thrown for any byte string that is not a well-formed message of the subset. Names where it went wrong. */
export class DecodeError extends Error {
  override name = 'DecodeError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export interface DecodeLimits {
  /** Bytes accepted at most, checked before anything else. */
  readonly maxBytes: number;
  /** Nesting of arrays and maps. */
  readonly maxDepth: number;
}

const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false, variableMapSize: true });

/** Encodes a value of the subset. Integers above 2^32 - 1 go as 64-bit integers, never as floats. */
export function encodeCbor(value: CborValue): Uint8Array {
  return encoder.encode(forEncoding(value));
}

function forEncoding(value: CborValue): unknown {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot encode ${value}: only unsigned safe integers`);
    return value > 0xffffffff ? BigInt(value) : value;
  }
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(forEncoding);
  const sorted = [...value.entries()].sort(([a], [b]) => a - b);
  return new Map(sorted.map(([key, item]) => [forEncoding(key), forEncoding(item)]));
}

/** Decodes exactly one value filling all of `bytes`. */
export function decodeCbor(bytes: Uint8Array, limits: DecodeLimits): CborValue {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('message', 'expected bytes');
  if (bytes.length > limits.maxBytes) throw new DecodeError('message', `${bytes.length} bytes, more than the ${limits.maxBytes} allowed`);
  const reader = { bytes, offset: 0 };
  const value = readValue(reader, limits.maxDepth, 'message');
  if (reader.offset !== bytes.length) throw new DecodeError('message', `${bytes.length - reader.offset} bytes left over after the message`);
  return value;
}

interface Reader {
  readonly bytes: Uint8Array;
  offset: number;
}

function readValue(reader: Reader, depth: number, path: string): CborValue {
  const initial = reader.bytes[reader.offset];
  if (initial === undefined) throw new DecodeError(path, 'message ends early');
  reader.offset++;
  const major = initial >> 5;
  const argument = readArgument(reader, initial & 0x1f, path);
  switch (major) {
    case 0:
      return argument;
    case 2: {
      if (argument > reader.bytes.length - reader.offset) throw new DecodeError(path, `byte string of ${argument} bytes runs past the end`);
      // A plain copy, even when the input is a Node Buffer (whose slice() shares memory with a frame that may be reused).
      const value = new Uint8Array(reader.bytes.subarray(reader.offset, reader.offset + argument));
      reader.offset += argument;
      return value;
    }
    case 4: {
      if (depth === 0) throw new DecodeError(path, 'nested too deeply');
      // Every element takes at least one byte: a longer claimed length cannot be honest.
      if (argument > reader.bytes.length - reader.offset) throw new DecodeError(path, `array of ${argument} elements runs past the end`);
      const items: CborValue[] = [];
      for (let i = 0; i < argument; i++) items.push(readValue(reader, depth - 1, `${path}[${i}]`));
      return items;
    }
    case 5: {
      if (depth === 0) throw new DecodeError(path, 'nested too deeply');
      if (argument * 2 > reader.bytes.length - reader.offset) throw new DecodeError(path, `map of ${argument} entries runs past the end`);
      const map = new Map<number, CborValue>();
      let previous = -1;
      for (let i = 0; i < argument; i++) {
        const keyInitial = reader.bytes[reader.offset];
        if (keyInitial === undefined || keyInitial >> 5 !== 0) throw new DecodeError(`${path}.key`, 'map keys must be unsigned integers');
        const key = readValue(reader, depth - 1, `${path}.key`) as number;
        if (key <= previous) throw new DecodeError(`${path}.${key}`, 'map keys must be in ascending order, each once');
        previous = key;
        map.set(key, readValue(reader, depth - 1, `${path}.${key}`));
      }
      return map;
    }
    default:
      throw new DecodeError(path, `CBOR major type ${major} is not allowed (only unsigned integers, byte strings, arrays and maps)`);
  }
}

/** The argument of an initial byte, in its shortest form only, at most 2^53 - 1. */
function readArgument(reader: Reader, info: number, path: string): number {
  if (info < 24) return info;
  const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
  if (size === 0) throw new DecodeError(path, info === 31 ? 'indefinite lengths are not allowed' : `reserved additional information ${info}`);
  if (reader.offset + size > reader.bytes.length) throw new DecodeError(path, 'message ends early');
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + reader.bytes[reader.offset + i]!;
  reader.offset += size;
  if (!Number.isSafeInteger(value)) throw new DecodeError(path, 'integer larger than 2^53 - 1');
  const shortest = value < 24 ? 0 : value <= 0xff ? 1 : value <= 0xffff ? 2 : value <= 0xffffffff ? 4 : 8;
  if (size !== shortest) throw new DecodeError(path, 'integer not in its shortest form');
  return value;
}
