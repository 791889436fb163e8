/**
 * Equality and copies of plain data (objects of Object's prototype, arrays,
 * byte arrays, primitives), strict enough that two equal values have the same
 * CBOR encoding: same keys in the same order, the same kind of byte array
 * (Buffer or Uint8Array), numbers equal as Object.is has them (0 is not -0).
 * Comparing a channel's part to a copy of what was written last costs a
 * fraction of encoding it again, and most parts do not change at a step.
 */

/** What `copyOfPlainData` answers for a value that is not plain data (it is then never equal to anything). */
export const NOT_PLAIN = Symbol('not plain data');

export function samePlainData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return typeof a !== 'object' || a === null; // the same object may have changed since it was copied: only copies are compared
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const prototype = Object.getPrototypeOf(a);
  if (prototype !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Uint8Array) return isByteArray(a) && sameBytes(a, b as Uint8Array);
  if (Array.isArray(a)) {
    const other = b as unknown[];
    if (a.length !== other.length) return false;
    for (let i = 0; i < a.length; i++) if (!samePlainData(a[i], other[i])) return false;
    return true;
  }
  if (prototype !== Object.prototype) return false;
  const keys = Object.keys(a);
  const otherKeys = Object.keys(b);
  if (keys.length !== otherKeys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key !== otherKeys[i] || !samePlainData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** A copy sharing nothing with `value` (Buffers stay Buffers), or NOT_PLAIN. */
export function copyOfPlainData(value: unknown): unknown {
  if (typeof value === 'function' || typeof value === 'symbol') return NOT_PLAIN;
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Uint8Array) {
    if (!isByteArray(value)) return NOT_PLAIN;
    return Buffer.isBuffer(value) ? Buffer.from(value) : new Uint8Array(value);
  }
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_PLAIN;
    const copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = copyOfPlainData(value[i]);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      copy[i] = item;
    }
    return copy;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return NOT_PLAIN;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copyOfPlainData((value as Record<string, unknown>)[key]);
    if (item === NOT_PLAIN) return NOT_PLAIN;
    copy[key] = item;
  }
  return copy;
}

/**
 * A copy of `value` that shares with `previous` (an earlier result of this
 * function, never a live object) every part that is still equal: a channel
 * saved at every step changes a few of its fields, so a save copies those
 * and keeps the rest. Values that are not plain data (a Map, a class) are
 * copied whole by `structuredClone`. One walk over `value`; nothing is
 * allocated along an unchanged path.
 *
 * `source`: the live value `previous` was copied from, when `value` is known
 * to be made from it by replacing parts, never by altering one in place (a
 * channel's states, node/channel/channel.ts's `copyOfState`). A part of
 * `value` that is `source`'s very object then has `previous`'s copy at
 * once, without a walk.
 */
export function copySharing(value: unknown, previous: unknown, source?: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value === source && previous !== undefined) return previous;
  if (value instanceof Uint8Array) {
    if (!isByteArray(value)) return structuredClone(value);
    if (previous instanceof Uint8Array && Object.getPrototypeOf(previous) === Object.getPrototypeOf(value) && sameBytes(previous, value)) return previous;
    return Buffer.isBuffer(value) ? Buffer.from(value) : new Uint8Array(value);
  }
  if (Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype) return copySharingList(value, previous, source);
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const keys = Object.keys(value);
  const before = isPlainObject(previous) && sameKeys(previous, keys) ? previous : undefined;
  const from = before && isPlainObject(source) ? source : undefined;
  let copy: Record<string, unknown> | undefined = before ? undefined : {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = copySharing((value as Record<string, unknown>)[key], before?.[key], from?.[key]);
    if (!copy && !Object.is(item, before![key])) copy = Object.fromEntries(keys.slice(0, i).map((earlier) => [earlier, before![earlier]]));
    if (copy) copy[key] = item;
  }
  return copy ?? before;
}

/**
 * `copySharing` for a list. Its items are shared with `previous`'s item
 * by item; a list that dropped its first item since (a channel's outbox:
 * its last few messages) is matched with `previous` shifted by one, and
 * one that only grew at its end keeps `previous`'s items too.
 */
function copySharingList(value: readonly unknown[], previous: unknown, source: unknown): unknown {
  const earlier = Array.isArray(previous) ? (previous as unknown[]) : undefined;
  const from = earlier && Array.isArray(source) && source.length === earlier.length ? (source as unknown[]) : undefined;
  let shift = 0;
  let first = value.length > 0 ? copySharing(value[0], earlier?.[0], from?.[0]) : undefined;
  if (earlier && earlier.length > 1 && value.length > 0 && !Object.is(first, earlier[0]) && samePlainData(value[0], earlier[1])) {
    shift = 1;
    first = earlier[1];
  }
  const sameShape = earlier !== undefined && shift === 0 && earlier.length === value.length;
  let copy: unknown[] | undefined = sameShape ? undefined : new Array<unknown>(value.length);
  for (let i = 0; i < value.length; i++) {
    const item = i === 0 ? first : copySharing(value[i], earlier?.[i + shift], from?.[i + shift]);
    if (!copy && !Object.is(item, earlier![i])) copy = earlier!.slice(0, i);
    if (copy) copy[i] = item;
  }
  return copy ?? earlier;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** The same own keys in the same order: a copy must keep the order (CBOR encodings follow it). */
function sameKeys(object: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.keys(object);
  if (own.length !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) if (own[i] !== keys[i]) return false;
  return true;
}

/** A Uint8Array or a Buffer, nothing derived further. */
function isByteArray(bytes: Uint8Array): boolean {
  const prototype = Object.getPrototypeOf(bytes);
  return prototype === Uint8Array.prototype || prototype === Buffer.prototype;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
