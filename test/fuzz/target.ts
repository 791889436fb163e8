/**
 * What the fuzz asks of every decoder, and how one input is judged.
 *
 * A decoder given anything must either return a value or throw its own
 * typed error (a refusal). Anything else it throws (a TypeError, a
 * RangeError, an error of another layer) is a crash. Where the decoder has
 * an encoder, what it returned must encode again and come back the same
 * (a round trip); where the format promises one encoding per value, the
 * very same bytes.
 */
import type { Random } from './random.js';

export interface FuzzTarget<Value = unknown> {
  /** `layer/decoder`, e.g. `wire/update-codec`: names the corpus file and the failures. */
  readonly name: string;
  /** The decoders it exercises, for the report. */
  readonly exercises: string;
  /** This target's share of a run's inputs, relative to the others (about its cost per input). */
  readonly weight: number;
  /** Valid encodings to mutate, made once, the same every run. */
  readonly seeds: () => readonly Uint8Array[];
  /** Byte strings worth splicing in: length fields and integers at their extremes, the syntax of the format. */
  readonly dictionary?: readonly Uint8Array[];
  /** A mutation that knows the format (a JSON field replaced, a YAML line moved); undefined when it does not apply. */
  readonly mutate?: (input: Uint8Array, random: Random) => Uint8Array | undefined;
  /** Longest input made for this target. */
  readonly maxInputBytes?: number;
  /** Runs the decoder (and whatever a receiver runs right after it) on one input. */
  readonly decode: (input: Uint8Array) => Value;
  /** The decoder's own errors: a refusal, not a crash. */
  readonly refuses: (error: unknown) => boolean;
  /** Encodes the value again; returns what differs, or undefined. A throw is a failed round trip too. */
  readonly roundTrip?: (value: Value, input: Uint8Array) => string | undefined;
}

export type FailureKind = 'crash' | 'round-trip';

export interface Failure {
  readonly kind: FailureKind;
  /** `TypeError: ...` for a crash, what differed for a round trip. */
  readonly detail: string;
  readonly stack?: string;
}

export type Outcome =
  | { readonly result: 'accepted'; readonly ms: number }
  | { readonly result: 'refused'; readonly ms: number; readonly error: unknown }
  | { readonly result: 'failed'; readonly failure: Failure; readonly ms: number };

/** A target with its value type forgotten, as lists of targets hold them. */
// `any`: each target has its own value type, and a list of targets holds them all.
export type AnyTarget = FuzzTarget<any>;

/** Runs one input through a target and judges it. Never throws. */
export function judge(target: AnyTarget, input: Uint8Array): Outcome {
  const start = performance.now();
  let value: unknown;
  try {
    value = target.decode(input);
  } catch (error) {
    const ms = performance.now() - start;
    if (target.refuses(error)) return { result: 'refused', ms, error };
    return { result: 'failed', failure: { kind: 'crash', detail: describeError(error), stack: stackOf(error) }, ms };
  }
  if (target.roundTrip) {
    let problem: string | undefined;
    let stack: string | undefined;
    try {
      problem = target.roundTrip(value, input);
    } catch (error) {
      problem = `re-encoding threw ${describeError(error)}`;
      stack = stackOf(error);
    }
    if (problem !== undefined) return { result: 'failed', failure: { kind: 'round-trip', detail: problem, ...(stack && { stack }) }, ms: performance.now() - start };
  }
  return { result: 'accepted', ms: performance.now() - start };
}

/** `Name: message`, short. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.slice(0, 300)}`;
  return `a thrown ${typeof error}: ${String(error).slice(0, 100)}`;
}

function stackOf(error: unknown): string | undefined {
  return error instanceof Error ? error.stack?.split('\n').slice(0, 8).join('\n') : undefined;
}

/** A `refuses` for decoders whose refusals are instances of these classes. */
export function refusedWith(...classes: (abstract new (...args: never[]) => Error)[]): (error: unknown) => boolean {
  return (error) => classes.some((kind) => error instanceof kind);
}

/** A stable text for a decoded value: byte arrays by content, keys sorted. For comparing round trips. */
export function canon(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value instanceof Uint8Array) return `h'${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}'`;
  if (value instanceof Map) return `map{${[...value.entries()].map(([key, item]) => `${canon(key)}:${canon(item)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(canon).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canon((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  if (typeof value === 'bigint') return `${value}n`;
  return typeof value === 'number' && Object.is(value, -0) ? '-0' : JSON.stringify(value) ?? String(value);
}

/** Undefined when equal, else a short account of the difference. */
export function sameValue(what: string, before: unknown, after: unknown): string | undefined {
  const a = canon(before);
  const b = canon(after);
  return a === b ? undefined : `${what}: ${clip(a)} came back as ${clip(b)}`;
}

/** Undefined when equal, else where the bytes first differ. */
export function sameBytes(what: string, before: Uint8Array, after: Uint8Array): string | undefined {
  const length = Math.min(before.length, after.length);
  let at = 0;
  while (at < length && before[at] === after[at]) at++;
  if (at === length && before.length === after.length) return undefined;
  if (at === after.length) return `${what}: ${before.length - after.length} byte${before.length - after.length === 1 ? '' : 's'} after the end accepted (the value re-encodes as the first ${after.length} of ${before.length})`;
  return `${what}: ${before.length} bytes re-encode as ${after.length} bytes, first difference at byte ${at}`;
}

function clip(text: string): string {
  return text.length > 160 ? `${text.slice(0, 160)}...` : text;
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
export const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
/** Text as a receiver reads it off the wire: invalid UTF-8 becomes U+FFFD. */
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Thrown by a target when a decoder broke a promise other than its error type (a bound, an order): counted as a crash. */
export class BrokenPromiseError extends Error {
  override name = 'BrokenPromiseError';
}
