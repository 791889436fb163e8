/**
 * A channel record cut into parts that change at different rates, so that a
 * save writes only the parts that changed (rust-lightning persists a
 * `ChannelMonitorUpdate`, not the whole monitor, for the same reason: small
 * devices write to SD cards).
 *
 * - `fixed`: what the opening settled (keys, funding, limits): written once.
 * - `state.<field>`: the commitments, the pending updates, the counters, one
 *   part each: a step writes the ones it changed.
 * - `meta`: the manager's record of the channel (readiness, forwards, the close).
 * - `secret.N`: the peer's revealed secrets, one part per shachain bucket; a
 *   revocation changes one of them, never the others.
 * - `out.N`: the messages kept to send again after a restart, one part each,
 *   numbered in the order they were sent; a step adds one and drops the oldest.
 */
import { equalBytes } from '@noble/curves/utils.js';
import type { ChannelState } from '../commitment/state.js';
import type { ChannelRecord } from './persister.js';

/** The fields of a channel's state that never change after the opening. */
const FIXED_FIELDS = ['variant', 'localIsFunder', 'fundingOutpoint', 'fundingSatoshis', 'obscuringFactor', 'local', 'remote'] as const;

const STATE = 'state.';
const SECRET = 'secret.';
const OUT = 'out.';

const FIXED = new Set<string>(FIXED_FIELDS);

/** A record cut into named parts; `outbox` stays whole: its parts are numbered by `numberOutbox`. */
export function partsOf(record: ChannelRecord): { parts: Map<string, unknown>; outbox: readonly unknown[] } {
  const { remoteSecrets, ...rest } = record.state;
  const fixed: Record<string, unknown> = {};
  for (const field of FIXED_FIELDS) fixed[field] = rest[field];
  const parts = new Map<string, unknown>([['fixed', fixed]]);
  // The other fields in the state's order, then the secrets' latest index (built so, not by deleting from a copy: a save runs at every step).
  for (const [field, value] of Object.entries(rest)) if (!FIXED.has(field) && value !== undefined) parts.set(STATE + field, value);
  if (remoteSecrets.latestIndex !== undefined) parts.set(STATE + 'secretsLatestIndex', remoteSecrets.latestIndex);
  if (record.meta) parts.set('meta', record.meta);
  if (record.remedies) parts.set('remedies', record.remedies);
  remoteSecrets.entries.forEach((entry, position) => parts.set(SECRET + position, entry));
  return { parts, outbox: record.outbox };
}

/** The record the parts were cut from; `outbox` in the order it was sent. */
export function recordOf(parts: ReadonlyMap<string, unknown>): ChannelRecord {
  const fixed = parts.get('fixed') as Record<string, unknown> | undefined;
  if (!fixed) throw new Error("the channel's fixed part is missing");
  const changing: Record<string, unknown> = {};
  for (const [name, value] of parts) if (name.startsWith(STATE)) changing[name.slice(STATE.length)] = value;
  if (!('localCommit' in changing)) throw new Error("the channel's state parts are missing");
  const { secretsLatestIndex, ...rest } = changing;
  const entries = numbered(parts, SECRET).map(([, entry]) => entry);
  const state = { ...fixed, ...rest, remoteSecrets: { latestIndex: secretsLatestIndex, entries } } as unknown as ChannelState;
  const meta = parts.get('meta') as ChannelRecord['meta'];
  const remedies = parts.get('remedies') as ChannelRecord['remedies'];
  const outbox = numbered(parts, OUT).map(([, message]) => message) as ChannelRecord['outbox'];
  return { ...(meta && { meta }), state, outbox, ...(remedies && { remedies }) };
}

/** The part names of a numbered list, in order, with their values. */
export function numbered(parts: ReadonlyMap<string, unknown>, prefix: string): [number, unknown][] {
  const found: [number, unknown][] = [];
  for (const [name, value] of parts) {
    if (name.startsWith(prefix)) found.push([Number(name.slice(prefix.length)), value]);
  }
  return found.sort((a, b) => a[0] - b[0]);
}

/**
 * Numbers the outbox's messages as parts, given the encodings written last
 * time (oldest first): messages already written keep their numbers (the
 * outbox grows at its end and drops from its start), new ones take the
 * next numbers. An outbox that is not a continuation of the last one is
 * numbered afresh after the last number used.
 */
export function numberOutbox(previous: readonly { readonly number: number; readonly bytes: Uint8Array }[], encoded: readonly Uint8Array[]): { number: number; bytes: Uint8Array }[] {
  const next = (previous.at(-1)?.number ?? -1) + 1;
  for (let dropped = 0; dropped < previous.length; dropped++) {
    const kept = previous.slice(dropped);
    if (kept.length > encoded.length || !kept.every((old, i) => equalBytes(old.bytes, encoded[i]!))) continue;
    return [...kept, ...encoded.slice(kept.length).map((bytes, i) => ({ number: next + i, bytes }))];
  }
  return encoded.map((bytes, i) => ({ number: next + i, bytes }));
}

export const outPart = (number: number): string => OUT + number;
