/**
 * Checks for values that cross a public function's boundary.
 *
 * Every public function of `node/` checks its inputs with these and throws an
 * `InvalidInputError` that names the offending field, so a caller (a peer, a
 * file, a command line) learns exactly what to fix and nothing half-done is left behind.
 */

/** Thrown when a public function is given a value it cannot use. `field` names the argument. */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** A byte array, optionally of an exact length. */
export function checkBytes(field: string, value: unknown, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidInputError(field, 'expected a byte array');
  if (length !== undefined && value.length !== length) {
    throw new InvalidInputError(field, `expected ${length} bytes, got ${value.length}`);
  }
  return value;
}

/** A safe integer in [min, max]. */
export function checkInteger(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidInputError(field, `expected an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) {
    throw new InvalidInputError(field, `${value} is outside [${min}, ${max}]`);
  }
  return value;
}

/** Hex without a prefix (either case), decoded; optionally of an exact byte length. */
export function checkHex(field: string, value: unknown, length?: number): Uint8Array {
  if (typeof value !== 'string') throw new InvalidInputError(field, `expected a hex string, got ${describe(value)}`);
  if (value.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(value)) {
    throw new InvalidInputError(field, 'not valid hex');
  }
  const bytes = new Uint8Array(value.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(value.slice(i * 2, i * 2 + 2), 16);
  return checkBytes(field, bytes, length);
}

/** A plain object (not null, not an array): a record of named parameters. */
export function checkObject<T extends object>(field: string, value: T): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError(field, `expected an object, got ${describe(value)}`);
  }
  return value;
}

/** A short description of a value for error messages, never the whole value. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === 'string') return value.length > 20 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** An array with between `min` and `max` elements. */
export function checkArray<T>(field: string, value: readonly T[], min = 0, max = Number.MAX_SAFE_INTEGER): readonly T[] {
  if (!Array.isArray(value)) throw new InvalidInputError(field, `expected an array, got ${describe(value)}`);
  if (value.length < min) throw new InvalidInputError(field, `expected at least ${min} element${min === 1 ? '' : 's'}`);
  if (value.length > max) throw new InvalidInputError(field, `expected at most ${max} elements, got ${value.length}`);
  return value;
}
