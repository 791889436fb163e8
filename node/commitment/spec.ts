/**
 * What a commitment says, before it becomes a transaction: both balances,
 * the feerate and the pending HTLCs, always from our own point of view
 * (`outgoing` HTLCs are the ones we offered).
 *
 * A new commitment is the previous one with a batch of updates applied
 * (`applyUpdates`): adds first, then settlements, then the latest fee update.
 */
import { bytesToHex } from '../core/hex.js';
import type { Htlc } from '../bolt3/commitment.js';
import type { Update } from '../wire/messages.js';
import { PeerProtocolError } from './errors.js';

export interface SpecHtlc {
  readonly direction: 'outgoing' | 'incoming';
  readonly id: number;
  readonly amountMsat: number;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  /** Where the payer wants it forwarded, if beyond the peer. */
  readonly destination?: Uint8Array;
  /** With a destination: what the payee is to get (the rest pays the forwarders). */
  readonly payeeAmountMsat?: number;
}

export interface CommitmentSpec {
  readonly toLocalMsat: number;
  readonly toRemoteMsat: number;
  readonly feeratePerKw: number;
  readonly htlcs: readonly SpecHtlc[];
}

/** An update as a side of the channel made it, with the HTLC id its position implies. */
export type NumberedUpdate = Update & { readonly htlcId?: number };

/**
 * Applies our updates and theirs to a spec. Adds use the id in `htlcId`;
 * fulfills and fails name an HTLC of the other side. Throws `PeerProtocolError`
 * for an update that does not fit the spec (an unknown id, an overdraft).
 */
export function applyUpdates(spec: CommitmentSpec, ours: readonly NumberedUpdate[], theirs: readonly NumberedUpdate[]): CommitmentSpec {
  let { toLocalMsat, toRemoteMsat, feeratePerKw } = spec;
  const htlcs = new Map(spec.htlcs.map((htlc) => [keyOf(htlc.direction, htlc.id), htlc]));

  const add = (direction: SpecHtlc['direction'], update: NumberedUpdate) => {
    if (update.kind !== 'add') return;
    if (update.htlcId === undefined) throw new PeerProtocolError('an add without its id');
    const key = keyOf(direction, update.htlcId);
    if (htlcs.has(key)) throw new PeerProtocolError(`HTLC ${update.htlcId} added twice`);
    htlcs.set(key, {
      direction,
      id: update.htlcId,
      amountMsat: update.amountMsat,
      paymentHash: update.paymentHash,
      cltvExpiry: update.cltvExpiry,
      ...(update.destination && { destination: update.destination, payeeAmountMsat: update.payeeAmountMsat ?? update.amountMsat }),
    });
    if (direction === 'outgoing') toLocalMsat -= update.amountMsat;
    else toRemoteMsat -= update.amountMsat;
  };
  // A fulfill pays the HTLC to whoever settles it; a fail returns it to whoever offered it.
  const settle = (settler: 'us' | 'them', update: NumberedUpdate) => {
    if (update.kind !== 'fulfill' && update.kind !== 'fail') return;
    const direction = settler === 'us' ? 'incoming' : 'outgoing';
    const key = keyOf(direction, update.id);
    const htlc = htlcs.get(key);
    if (!htlc) throw new PeerProtocolError(`${update.kind} of unknown ${direction} HTLC ${update.id}`);
    htlcs.delete(key);
    const toUs = (update.kind === 'fulfill') === (settler === 'us');
    if (toUs) toLocalMsat += htlc.amountMsat;
    else toRemoteMsat += htlc.amountMsat;
  };

  for (const update of ours) add('outgoing', update);
  for (const update of theirs) add('incoming', update);
  for (const update of ours) settle('us', update);
  for (const update of theirs) settle('them', update);
  for (const update of [...ours, ...theirs]) if (update.kind === 'fee') feeratePerKw = update.feeratePerKw;

  if (toLocalMsat < 0 || toRemoteMsat < 0) throw new PeerProtocolError('the updates spend more than a side has');
  return { toLocalMsat, toRemoteMsat, feeratePerKw, htlcs: [...htlcs.values()].sort((a, b) => (a.direction === b.direction ? a.id - b.id : a.direction === 'outgoing' ? -1 : 1)) };
}

/** The HTLCs of a spec as the owner of a commitment sees them: ours when `owner` is us, flipped for theirs. */
export function htlcsFor(spec: CommitmentSpec, owner: 'us' | 'them'): Htlc[] {
  return spec.htlcs.map((htlc) => ({
    direction: (htlc.direction === 'outgoing') === (owner === 'us') ? 'offered' : 'received',
    amountMsat: htlc.amountMsat,
    paymentHash: htlc.paymentHash,
    cltvExpiry: htlc.cltvExpiry,
    id: htlc.id,
  }));
}

/** Two specs say the same thing (used to check a peer agrees with us). */
export function sameSpec(a: CommitmentSpec, b: CommitmentSpec): boolean {
  const describe = (spec: CommitmentSpec) =>
    JSON.stringify([spec.toLocalMsat, spec.toRemoteMsat, spec.feeratePerKw, spec.htlcs.map((h) => [h.direction, h.id, h.amountMsat, bytesToHex(h.paymentHash), h.cltvExpiry])]);
  return describe(a) === describe(b);
}

function keyOf(direction: SpecHtlc['direction'], id: number): string {
  return `${direction}:${id}`;
}
