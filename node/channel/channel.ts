/**
 * One LN-penalty channel: BOLT 2's commitment protocol over BOLT 3 transactions.
 *
 * Each side holds its own commitment, signed by the other. Updates (add,
 * fulfill, fail, fee) are proposed, then signed into the other side's next
 * commitment, then acknowledged by a revocation of its previous one. The
 * bookkeeping follows eclair's model: our changes and theirs each move from
 * `proposed` to `signed` (in their commitment) to `acked` (ready for ours),
 * and theirs from `proposed` to `acked` (in our commitment) to `signed`.
 *
 * The class does no I/O. Every method works on a copy of the state and keeps
 * it only if nothing threw, so a bad message from a peer changes nothing
 * (`copyOfState`: a state is never altered once made, new ones share its
 * unchanged parts).
 * The caller persists `state` after each call and only then sends what
 * `flush` returns: a revocation secret leaves the node only once the
 * commitment that replaces the revoked one is on disk.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '@noble/curves/utils.js';
import { type Commitment, fundingWitness } from '../bolt3/commitment.js';
import type { ChannelPublicKeys, CommitmentKeys } from '../bolt3/commitment-keys.js';
import { ANCHOR_OUTPUT_SATOSHIS, type CommitmentVariant, commitmentFee, isHtlcTrimmed } from '../bolt3/fees.js';
import { remoteHtlcSighashType } from '../bolt3/htlc-tx.js';
import { buildClosingTransaction, closingWeight } from '../bolt3/closing.js';
import { encodeBitcoinSignature, verifySegwitInput } from '../bolt3/signatures.js';
import { type Outpoint, SIGHASH_ALL, type Transaction } from '../bolt3/transaction.js';
import { checkPublicKey, isPublicKey } from '../core/curve.js';
import { perCommitmentPointOf } from '../bolt3/key-derivation.js';
import { MAX_SHACHAIN_INDEX, RevocationStore, type ShachainEntry } from '../bolt3/shachain.js';
import type { ChannelSigner } from '../keys/signer.js';
import type { ChannelLimits, ChannelUpdate, CommitmentSignatures, Update } from '../wire/messages.js';
import { fundingWitnessScript, htlcTransactionsOf, localCommitment, remoteCommitment, signedLocalCommitment } from '../commitment/commitments.js';
import { PeerProtocolError, ChannelUnavailableError } from '../commitment/errors.js';
import { type CommitmentSpec, type NumberedUpdate, type SpecHtlc, applyUpdates, htlcsFor } from '../commitment/spec.js';
import type { ChannelSide, ChannelState, RemoteCommit } from '../commitment/state.js';
import { MIN_FEERATE_PER_KW } from '../core/bolt-limits.js';

export type { ChannelSide, ChannelState, LocalCommit, RemoteCommit } from '../commitment/state.js';

/** What a call on the channel tells the node about payments. */
export type ChannelEvent =
  /** An HTLC they offered is irrevocably committed: fulfill, fail or forward it. */
  | {
      readonly type: 'htlc_received';
      readonly id: number;
      readonly amountMsat: number;
      readonly paymentHash: Uint8Array;
      readonly cltvExpiry: number;
      readonly destination?: Uint8Array;
      /** With a destination: what the payee is to get; the rest pays the forwarders' fees. */
      readonly payeeAmountMsat?: number;
    }
  /** They fulfilled an HTLC we offered: the payment succeeded, and the preimage proves it (emitted as the fulfill arrives). */
  | { readonly type: 'htlc_fulfilled'; readonly id: number; readonly paymentHash: Uint8Array; readonly paymentPreimage: Uint8Array }
  /** They failed an HTLC we offered, and its removal is irrevocable: the amount is ours again. */
  | { readonly type: 'htlc_failed'; readonly id: number; readonly paymentHash: Uint8Array; readonly reason: Uint8Array }
  /**
   * They revoked a commitment: hand it to the watchtower. `built`: that
   * commitment as built when we signed it, when this channel still has it
   * in memory (the justice is built from it rather than again).
   */
  | { readonly type: 'commitment_revoked'; readonly commitment: RemoteCommit; readonly perCommitmentSecret: Uint8Array; readonly built?: BuiltCommitment };

/** A commitment transaction as built, with the keys it was built with. */
export interface BuiltCommitment {
  readonly commitment: Commitment;
  readonly keys: CommitmentKeys;
}

/** Their commitments signed lately that a channel keeps as built, until they revoke them: the one signed last and the one before it. */
const SIGNED_REMOTE_KEPT = 2;

export interface Balances {
  /** Our balance in that commitment (our reserve included; HTLCs in flight not). */
  readonly localMsat: number;
  readonly remoteMsat: number;
  readonly pendingHtlcs: number;
}

export class Channel {
  /**
   * Their commitments we signed lately, as built, by txid (in memory only):
   * when they revoke one its justice is built from it (`commitment_revoked`'s
   * `built`), not built again.
   */
  private readonly signedRemote = new Map<string, BuiltCommitment>();

  constructor(
    private current: ChannelState,
    /** The channel's keys; the claims after a close are signed with them too. */
    readonly signer: ChannelSigner,
  ) {}

  /** A channel at commitment 0 (see `openChannel`): completes their commitment's txid, checking both commitments can be built. */
  static fromNewState(state: ChannelState, signer: ChannelSigner): Channel {
    const channel = new Channel(state, signer);
    channel.changeState((draft) => {
      localCommitment(draft, signer, draft.localCommit.spec, 0);
      const { commitment } = remoteCommitment(draft, draft.remoteCommit.spec, 0, draft.remoteCommit.perCommitmentPoint);
      draft.remoteCommit = { ...draft.remoteCommit, txid: commitment.tx.getId() };
    });
    return channel;
  }

  get state(): ChannelState {
    return this.current;
  }

  /**
   * Goes back to a state this channel had (taken from `state`: every change
   * makes a new state object, so an old one is never altered). For a batch of
   * our own changes, nothing sent yet, that cannot go through whole.
   */
  restoreState(earlier: ChannelState): void {
    this.current = earlier;
  }

  // ---- opening ----------------------------------------------------------------

  /** Our signature on their first commitment (`funding_created` from the funder, `funding_signed` from the other side). */
  signFirstRemoteCommitment(): Uint8Array {
    const state = this.current;
    if (state.remoteCommit.number !== 0 || state.nextRemoteCommit) throw new ChannelUnavailableError('the first commitments are already signed');
    const { commitment } = remoteCommitment(state, state.remoteCommit.spec, 0, state.remoteCommit.perCommitmentPoint);
    return this.signer.signCommitment(commitment.tx, fundingWitnessScript(state), state.fundingSatoshis);
  }

  /** Their signature on our first commitment: from then on we can close the channel alone. */
  receiveFirstSignature(signature: Uint8Array): void {
    this.changeState((state) => {
      if (state.localCommit.number !== 0 || state.localCommit.signatures) throw new PeerProtocolError('a first signature we already have');
      const signatures = { signature, htlcSignatures: [] };
      this.checkLocalCommitmentSignatures(state, state.localCommit.spec, 0, signatures);
      state.localCommit = { ...state.localCommit, signatures };
    });
  }

  /** Our point for commitment 1, which `channel_ready` carries. */
  channelReadyPoint(): Uint8Array {
    return this.signer.perCommitmentPoint(1);
  }

  /** Their `channel_ready`: their point for commitment 1 lets us sign updates. */
  receiveChannelReady(secondPerCommitmentPoint: Uint8Array): void {
    this.changeState((state) => {
      if (state.remoteCommit.number !== 0 || state.nextRemoteCommit || state.remoteNextPerCommitmentPoint) {
        if (state.remoteNextPerCommitmentPoint && equalBytes(state.remoteNextPerCommitmentPoint, secondPerCommitmentPoint)) return; // a repeat
        throw new PeerProtocolError('channel_ready after the channel was in use');
      }
      if (!state.localCommit.signatures) throw new PeerProtocolError('channel_ready before the first signatures');
      state.remoteNextPerCommitmentPoint = checkPublicKey('secondPerCommitmentPoint', secondPerCommitmentPoint);
    });
  }

  /** The balances of the latest commitment we hold (signed by both), reserves included; HTLCs in flight counted apart. */
  balances(): Balances {
    const spec = this.current.localCommit.spec;
    return { localMsat: spec.toLocalMsat, remoteMsat: spec.toRemoteMsat, pendingHtlcs: spec.htlcs.length };
  }

  /**
   * HTLCs they offered that are committed on both sides and that we have not
   * settled yet: what a node must still fulfill or fail, also after a restart.
   */
  htlcsToSettle(): { id: number; amountMsat: number; paymentHash: Uint8Array; cltvExpiry: number; destination?: Uint8Array; payeeAmountMsat?: number }[] {
    const state = this.current;
    const settled = settledIds(this.ourPendingChanges(state));
    return state.localCommit.spec.htlcs
      .filter((htlc) => htlc.direction === 'incoming' && !settled.has(htlc.id))
      .filter((htlc) => state.remoteCommit.spec.htlcs.some((other) => other.direction === 'incoming' && other.id === htlc.id))
      .map(({ id, amountMsat, paymentHash, cltvExpiry, destination, payeeAmountMsat }) => ({ id, amountMsat, paymentHash, cltvExpiry, ...(destination && { destination, payeeAmountMsat: payeeAmountMsat ?? amountMsat }) }));
  }

  /**
   * Settlements they sent for HTLCs we offered that are still in our change
   * lists (a fulfill carries its preimage): after a restart, what a forwarding
   * node must still pass upstream.
   */
  settlementsReceived(): { id: number; paymentHash: Uint8Array; paymentPreimage?: Uint8Array; reason?: Uint8Array }[] {
    const state = this.current;
    const settlements: { id: number; paymentHash: Uint8Array; paymentPreimage?: Uint8Array; reason?: Uint8Array }[] = [];
    for (const update of this.theirPendingChanges(state)) {
      if (update.kind === 'fulfill') settlements.push({ id: update.id, paymentHash: sha256(update.paymentPreimage), paymentPreimage: update.paymentPreimage });
      // Their commitment (`remoteCommit`) keeps the HTLC until they revoke it, which is when the fail leaves these lists.
      else if (update.kind === 'fail') settlements.push({ id: update.id, paymentHash: outgoingHtlc(state.remoteCommit.spec, update.id)?.paymentHash ?? new Uint8Array(32), reason: update.reason });
    }
    return settlements;
  }

  /**
   * The ids of the HTLCs we offered with `paymentHash` that are still in the
   * channel: queued, proposed, in either commitment, or settled by them and
   * not yet removed from both.
   */
  offeredHtlcIds(paymentHash: Uint8Array): number[] {
    const state = this.current;
    const ids = new Set<number>();
    for (const spec of [state.localCommit.spec, state.remoteCommit.spec, state.nextRemoteCommit?.spec]) {
      for (const htlc of spec?.htlcs ?? []) if (htlc.direction === 'outgoing' && equalBytes(htlc.paymentHash, paymentHash)) ids.add(htlc.id);
    }
    for (const update of this.ourPendingChanges(state)) {
      if (update.kind === 'add' && update.htlcId !== undefined && equalBytes(update.paymentHash, paymentHash)) ids.add(update.htlcId);
    }
    return [...ids];
  }

  /**
   * The preimage of an HTLC they offered that we fulfilled and whose
   * removal is not yet signed by both: what a claim on chain needs if the
   * channel closes now.
   */
  fulfilledPreimage(paymentHash: Uint8Array): Uint8Array | undefined {
    for (const update of this.ourPendingChanges(this.current)) {
      if (update.kind === 'fulfill' && equalBytes(sha256(update.paymentPreimage), paymentHash)) return update.paymentPreimage;
    }
    return undefined;
  }

  // ---- our updates ----------------------------------------------------------

  /**
   * Offers an HTLC; it goes out with the next `flush`. Returns its id.
   * `destination`: the payee, when beyond the peer, and what it is to get
   * (`payeeAmountMsat`, by default all of `amountMsat`: no fees).
   */
  addHtlc(amountMsat: number, paymentHash: Uint8Array, cltvExpiry: number, destination?: Uint8Array, payeeAmountMsat = amountMsat): number {
    return this.changeState((state) => {
      const id = state.localNextHtlcId;
      const add: NumberedUpdate = { kind: 'add', amountMsat, paymentHash, cltvExpiry, htlcId: id, ...(destination && { destination, payeeAmountMsat }) };
      if (amountMsat < state.remote.htlcMinimumMsat) throw new ChannelUnavailableError(`${amountMsat} msat is below their minimum HTLC of ${state.remote.htlcMinimumMsat} msat`);
      // Their next commitment with every update we know of must still leave us our reserve.
      const spec = asUnavailable(() => applyUpdates(this.latestRemoteSpec(state), [...state.localChanges.proposed, ...state.localChanges.queued, add], this.theirUnsignedChanges(state)));
      const outgoing = spec.htlcs.filter((htlc) => htlc.direction === 'outgoing');
      if (outgoing.length > state.remote.maxAcceptedHtlcs) throw new ChannelUnavailableError(`they accept at most ${state.remote.maxAcceptedHtlcs} HTLCs`);
      const inFlight = outgoing.reduce((sum, htlc) => sum + htlc.amountMsat, 0);
      if (inFlight > state.remote.maxHtlcValueInFlightMsat) throw new ChannelUnavailableError(`they accept at most ${state.remote.maxHtlcValueInFlightMsat} msat in flight`);
      if (spec.toLocalMsat < state.remote.channelReserveSatoshis * 1000) {
        throw new ChannelUnavailableError(`not enough to pay ${amountMsat} msat and keep the ${state.remote.channelReserveSatoshis} sat reserve`);
      }
      // The funder must still be able to pay the commitment fee and anchors.
      if (this.funderShortfallMsat(state, spec, 'them') > 0) throw new ChannelUnavailableError('the funder could not pay the commitment fee with this HTLC');
      asUnavailable(() => remoteCommitment(state, spec, state.remoteCommit.number + 1, state.remoteCommit.perCommitmentPoint));
      state.localChanges.queued.push(add);
      state.localNextHtlcId++;
      return id;
    });
  }

  /** The funder changes the commitment feerate (BOLT 2 `update_fee`); it must still afford it. */
  updateFee(feeratePerKw: number): void {
    this.changeState((state) => {
      if (!state.localIsFunder) throw new ChannelUnavailableError('only the funder updates the fee');
      if (!Number.isSafeInteger(feeratePerKw) || feeratePerKw < MIN_FEERATE_PER_KW || feeratePerKw > 0xffffffff) throw new ChannelUnavailableError(`a feerate of ${feeratePerKw} sat/kw is out of range`);
      const fee: NumberedUpdate = { kind: 'fee', feeratePerKw };
      const spec = asUnavailable(() => applyUpdates(this.latestRemoteSpec(state), [...state.localChanges.proposed, ...state.localChanges.queued, fee], this.theirUnsignedChanges(state)));
      const shortfall = Math.max(this.funderShortfallMsat(state, spec, 'them'), this.funderShortfallMsat(state, applyUpdates(state.localCommit.spec, [fee], []), 'us'));
      if (shortfall > 0) throw new ChannelUnavailableError(`a feerate of ${feeratePerKw} sat/kw would cost ${Math.ceil(shortfall / 1000)} sat more than we can pay`);
      state.localChanges.queued.push(fee);
    });
  }

  /** Claims an HTLC they offered, with its preimage. */
  fulfillHtlc(id: number, paymentPreimage: Uint8Array): void {
    this.changeState((state) => {
      const htlc = this.committedHtlc(state, 'incoming', id);
      if (!equalBytes(sha256(paymentPreimage), htlc.paymentHash)) throw new ChannelUnavailableError(`the preimage does not match HTLC ${id}`);
      this.checkNotSettled(state, id);
      state.localChanges.queued.push({ kind: 'fulfill', id, paymentPreimage });
    });
  }

  /** Refuses an HTLC they offered. */
  failHtlc(id: number, reason: Uint8Array): void {
    this.changeState((state) => {
      this.committedHtlc(state, 'incoming', id);
      this.checkNotSettled(state, id);
      state.localChanges.queued.push({ kind: 'fail', id, reason });
    });
  }

  /**
   * The message to send now, if any: our owed revocation, then our queued
   * updates, then a signature on their next commitment when there is
   * something to sign and we are not waiting for their revocation.
   */
  flush(): ChannelUpdate | undefined {
    return this.changeState((state) => {
      let revocation: ChannelUpdate['revocation'];
      if (state.owesRevocation) {
        const revoked = state.localCommit.number - 1;
        revocation = {
          perCommitmentSecret: this.signer.perCommitmentSecret(revoked),
          nextPerCommitmentPoint: this.signer.perCommitmentPoint(state.localCommit.number + 1),
        };
        state.owesRevocation = false;
      }
      // While our last commitment awaits their revocation we cannot sign another: updates then wait
      // to ride with the next message we send anyway (one frame on the air instead of several).
      const canSign = state.nextRemoteCommit === undefined;
      const sendUpdates = canSign || revocation !== undefined;
      const updates = sendUpdates ? state.localChanges.queued.map(stripId) : [];
      if (sendUpdates) {
        state.localChanges.proposed.push(...state.localChanges.queued);
        state.localChanges.queued = [];
      }

      let commitment: CommitmentSignatures | undefined;
      const somethingToSign = state.localChanges.proposed.length > 0 || state.remoteChanges.acked.length > 0;
      if (somethingToSign && canSign) commitment = this.signNextRemoteCommitment(state);
      if (!revocation && updates.length === 0 && !commitment) return undefined;
      const sequence = state.sentMessages % 256;
      state.sentMessages++;
      return { type: 'update', handle: 0, sequence, updates, ...(revocation && { revocation }), ...(commitment && { commitment }) };
    });
  }

  // ---- their messages -------------------------------------------------------

  /**
   * Takes their `update` message: revocation, then updates, then commitment.
   * Returns what it means for payments. A message received before (one of
   * the last 128) is ignored; one that skips ahead is refused.
   */
  receive(message: ChannelUpdate): ChannelEvent[] {
    return this.changeState((state) => {
      const behind = (state.receivedMessages - message.sequence + 256) % 256;
      if (behind >= 1 && behind <= 128) return [];
      if (behind !== 0) throw new PeerProtocolError(`message ${message.sequence} arrived when ${state.receivedMessages % 256} was due: a message went missing`);
      state.receivedMessages++;
      const events: ChannelEvent[] = [];
      if (message.revocation) events.push(...this.receiveRevocation(state, message.revocation.perCommitmentSecret, message.revocation.nextPerCommitmentPoint));
      for (const update of message.updates) events.push(...this.receiveUpdate(state, update));
      if (message.commitment) this.receiveCommitment(state, message.commitment);
      return events;
    });
  }

  private receiveUpdate(state: ChannelState, update: Update): ChannelEvent[] {
    switch (update.kind) {
      case 'add': {
        const add: NumberedUpdate = { ...update, htlcId: state.remoteNextHtlcId };
        if (update.amountMsat < state.local.htlcMinimumMsat) throw new PeerProtocolError(`HTLC of ${update.amountMsat} msat is below our minimum of ${state.local.htlcMinimumMsat}`);
        const spec = applyUpdates(state.localCommit.spec, this.ourChangesNotInOurCommitment(state), [...state.remoteChanges.proposed, add]);
        const incoming = spec.htlcs.filter((htlc) => htlc.direction === 'incoming');
        if (incoming.length > state.local.maxAcceptedHtlcs) throw new PeerProtocolError(`more than the ${state.local.maxAcceptedHtlcs} HTLCs we accept`);
        if (incoming.reduce((sum, htlc) => sum + htlc.amountMsat, 0) > state.local.maxHtlcValueInFlightMsat) throw new PeerProtocolError('more in flight than we accept');
        if (spec.toRemoteMsat < state.local.channelReserveSatoshis * 1000) throw new PeerProtocolError('the HTLC would take them below their reserve');
        if (!state.localIsFunder && this.funderShortfallMsat(state, spec, 'us') > 0) throw new PeerProtocolError('the funder could not pay the commitment fee with this HTLC');
        try {
          localCommitment(state, this.signer, spec, state.localCommit.number + 1);
        } catch (error) {
          throw new PeerProtocolError(`the HTLC would leave a commitment nobody can pay for: ${(error as Error).message}`);
        }
        state.remoteChanges.proposed.push(add);
        state.remoteNextHtlcId++;
        return [];
      }
      case 'fulfill': {
        const htlc = this.committedHtlc(state, 'outgoing', update.id);
        if (!equalBytes(sha256(update.paymentPreimage), htlc.paymentHash)) throw new PeerProtocolError(`the preimage for HTLC ${update.id} does not match its hash`);
        this.checkNotSettledByThem(state, update.id);
        state.remoteChanges.proposed.push(update);
        // The preimage is proof of payment at once, whatever happens to the channel next.
        return [{ type: 'htlc_fulfilled', id: update.id, paymentHash: htlc.paymentHash, paymentPreimage: update.paymentPreimage }];
      }
      case 'fail':
        this.committedHtlc(state, 'outgoing', update.id);
        this.checkNotSettledByThem(state, update.id);
        state.remoteChanges.proposed.push(update);
        return [];
      case 'fee': {
        if (state.localIsFunder) throw new PeerProtocolError('only the funder updates the fee');
        // Below the relay floor the commitment could not reach the chain when we need it.
        if (update.feeratePerKw < MIN_FEERATE_PER_KW) throw new PeerProtocolError(`a feerate of ${update.feeratePerKw} sat/kw is below the relay floor of ${MIN_FEERATE_PER_KW}`);
        // The funder must be able to pay the new fee on our commitment, with every change we know of.
        const spec = applyUpdates(state.localCommit.spec, this.ourChangesNotInOurCommitment(state), [...state.remoteChanges.proposed, update]);
        if (this.funderShortfallMsat(state, spec, 'us') > 0) throw new PeerProtocolError(`a feerate of ${update.feeratePerKw} sat/kw the funder cannot pay`);
        state.remoteChanges.proposed.push(update);
        return [];
      }
    }
  }

  private receiveCommitment(state: ChannelState, signatures: CommitmentSignatures): void {
    if (state.remoteChanges.proposed.length === 0 && state.localChanges.acked.length === 0) throw new PeerProtocolError('a commitment with no changes');
    if (state.owesRevocation) throw new PeerProtocolError('a second commitment before we revoked the previous one');
    const spec = applyUpdates(state.localCommit.spec, state.localChanges.acked, state.remoteChanges.proposed);
    const number = state.localCommit.number + 1;
    this.checkLocalCommitmentSignatures(state, spec, number, signatures);
    state.localCommit = { number, spec, signatures };
    state.localChanges.acked = [];
    state.remoteChanges.acked.push(...state.remoteChanges.proposed);
    state.remoteChanges.proposed = [];
    state.owesRevocation = true;
  }

  private receiveRevocation(state: ChannelState, secret: Uint8Array, nextPoint: Uint8Array): ChannelEvent[] {
    const next = state.nextRemoteCommit;
    if (!next) throw new PeerProtocolError('a revocation we did not ask for');
    if (!isPublicKey(nextPoint)) throw new PeerProtocolError('the next per-commitment point is not a valid point');
    let point: Uint8Array;
    try {
      point = perCommitmentPointOf(secret);
    } catch {
      throw new PeerProtocolError('the revocation secret is not a valid private key');
    }
    if (!equalBytes(point, state.remoteCommit.perCommitmentPoint)) throw new PeerProtocolError('the revocation secret does not match their commitment');
    const store = RevocationStore.fromEntries(state.remoteSecrets.entries, state.remoteSecrets.latestIndex);
    try {
      store.insert(MAX_SHACHAIN_INDEX - state.remoteCommit.number, secret);
    } catch (error) {
      throw new PeerProtocolError(`revocation secret refused: ${(error as Error).message}`);
    }
    state.remoteSecrets = { latestIndex: store.latestIndex, entries: store.entriesForStorage() };
    const revoked = state.remoteCommit;
    state.remoteCommit = next;
    state.nextRemoteCommit = undefined;
    state.remoteNextPerCommitmentPoint = nextPoint;

    const built = this.signedRemote.get(revoked.txid);
    const events: ChannelEvent[] = [{ type: 'commitment_revoked', commitment: revoked, perCommitmentSecret: secret, ...(built && { built }) }];
    // Their updates we had signed are now in both commitments for good.
    for (const update of state.remoteChanges.signed) {
      if (update.kind === 'add') {
        events.push({
          type: 'htlc_received',
          id: update.htlcId!,
          amountMsat: update.amountMsat,
          paymentHash: update.paymentHash,
          cltvExpiry: update.cltvExpiry,
          ...(update.destination && { destination: update.destination, payeeAmountMsat: update.payeeAmountMsat ?? update.amountMsat }),
        });
      } else if (update.kind === 'fail') {
        const htlc = revoked.spec.htlcs.find((h) => h.direction === 'outgoing' && h.id === update.id);
        events.push({ type: 'htlc_failed', id: update.id, paymentHash: htlc?.paymentHash ?? new Uint8Array(32), reason: update.reason });
      }
    }
    state.remoteChanges.signed = [];
    state.localChanges.acked.push(...state.localChanges.signed);
    state.localChanges.signed = [];
    return events;
  }

  // ---- cooperative close -----------------------------------------------------

  /** No HTLC pending or changing on either side: the channel can be closed cooperatively. */
  isQuiet(): boolean {
    const state = this.current;
    const changes = [state.localChanges, state.remoteChanges].flatMap((changes) => Object.values(changes).flat());
    return changes.length === 0 && !state.nextRemoteCommit && !state.owesRevocation && state.localCommit.spec.htlcs.length === 0 && state.remoteCommit.spec.htlcs.length === 0;
  }

  /** The closing transaction paying each side's script, with `feeSatoshis` from the funder (unsigned). */
  closingTransaction(localScript: Uint8Array, remoteScript: Uint8Array, feeSatoshis: number): Transaction {
    if (!this.isQuiet()) throw new ChannelUnavailableError('HTLCs or updates are still pending: a closing transaction must wait for them');
    return buildClosingTransaction({ ...this.closingParams(localScript, remoteScript), feeSatoshis });
  }

  /** What the closing transaction weighs, to turn a feerate into its fee. */
  closingWeight(localScript: Uint8Array, remoteScript: Uint8Array): number {
    return closingWeight(this.closingParams(localScript, remoteScript));
  }

  signClosing(localScript: Uint8Array, remoteScript: Uint8Array, feeSatoshis: number): Uint8Array {
    const tx = this.closingTransaction(localScript, remoteScript, feeSatoshis);
    return this.signer.signCommitment(tx, fundingWitnessScript(this.current), this.current.fundingSatoshis);
  }

  /** The closing transaction with both signatures, once theirs checks out; throws `PeerProtocolError` otherwise. */
  completeClosing(localScript: Uint8Array, remoteScript: Uint8Array, feeSatoshis: number, theirSignature: Uint8Array): Transaction {
    const state = this.current;
    const tx = this.closingTransaction(localScript, remoteScript, feeSatoshis);
    const script = fundingWitnessScript(state);
    if (!verifySegwitInput(tx, 0, script, state.fundingSatoshis, theirSignature, state.remote.publicKeys.fundingPubkey)) {
      throw new PeerProtocolError(`invalid signature for a closing transaction with a fee of ${feeSatoshis} sat`);
    }
    const ours = encodeBitcoinSignature(this.signer.signCommitment(tx, script, state.fundingSatoshis), SIGHASH_ALL);
    tx.setWitness(0, fundingWitness(state.local.publicKeys.fundingPubkey, state.remote.publicKeys.fundingPubkey, ours, encodeBitcoinSignature(theirSignature, SIGHASH_ALL)));
    return tx;
  }

  private closingParams(localScript: Uint8Array, remoteScript: Uint8Array) {
    const state = this.current;
    return {
      fundingOutpoint: state.fundingOutpoint,
      fundingSatoshis: state.fundingSatoshis,
      localFundingPubkey: state.local.publicKeys.fundingPubkey,
      remoteFundingPubkey: state.remote.publicKeys.fundingPubkey,
      localScript,
      remoteScript,
      localMsat: state.localCommit.spec.toLocalMsat,
      remoteMsat: state.localCommit.spec.toRemoteMsat,
      localIsFunder: state.localIsFunder,
      dustLimitSatoshis: Math.max(state.local.dustLimitSatoshis, state.remote.dustLimitSatoshis),
    };
  }

  // ---- commitments ------------------------------------------------------------

  /**
   * Our latest commitment, signed by both sides: what a unilateral close
   * broadcasts. Only ever the latest: older ones are revoked.
   */
  signedLocalCommitment(): Commitment {
    return signedLocalCommitment(this.current, this.signer);
  }

  private signNextRemoteCommitment(state: ChannelState): CommitmentSignatures {
    const spec = applyUpdates(state.remoteCommit.spec, state.localChanges.proposed, state.remoteChanges.acked);
    const number = state.remoteCommit.number + 1;
    const point = this.remotePointFor(state);
    const { commitment, keys } = remoteCommitment(state, spec, number, point);
    const signature = this.signer.signCommitment(commitment.tx, fundingWitnessScript(state), state.fundingSatoshis);
    const txid = commitment.tx.getId();
    const htlcSignatures = htlcTransactionsOf(state, commitment, keys, spec.feeratePerKw, state.local.toSelfDelay, txid).map((htlcTx) =>
      this.signer.signHtlc(htlcTx.tx, 0, htlcTx.witnessScript, htlcTx.inputSatoshis, point, remoteHtlcSighashType(state.variant)),
    );
    state.nextRemoteCommit = { number, spec, txid, perCommitmentPoint: point };
    this.signedRemote.set(txid, { commitment, keys });
    if (this.signedRemote.size > SIGNED_REMOTE_KEPT) this.signedRemote.delete(this.signedRemote.keys().next().value!);
    state.remoteNextPerCommitmentPoint = undefined;
    state.localChanges.signed.push(...state.localChanges.proposed);
    state.localChanges.proposed = [];
    state.remoteChanges.signed.push(...state.remoteChanges.acked);
    state.remoteChanges.acked = [];
    return { signature, htlcSignatures };
  }

  private checkLocalCommitmentSignatures(state: ChannelState, spec: CommitmentSpec, number: number, signatures: CommitmentSignatures): void {
    const { commitment, keys } = localCommitment(state, this.signer, spec, number);
    const valid = verifySegwitInput(commitment.tx, 0, fundingWitnessScript(state), state.fundingSatoshis, signatures.signature, state.remote.publicKeys.fundingPubkey);
    if (!valid) throw new PeerProtocolError(`invalid signature for our commitment ${number}`);
    const htlcTxs = htlcTransactionsOf(state, commitment, keys, spec.feeratePerKw, state.remote.toSelfDelay);
    if (htlcTxs.length !== signatures.htlcSignatures.length) throw new PeerProtocolError(`expected ${htlcTxs.length} HTLC signatures, got ${signatures.htlcSignatures.length}`);
    htlcTxs.forEach((htlcTx, i) => {
      const ok = verifySegwitInput(htlcTx.tx, 0, htlcTx.witnessScript, htlcTx.inputSatoshis, signatures.htlcSignatures[i]!, keys.remoteHtlcPubkey, remoteHtlcSighashType(state.variant));
      if (!ok) throw new PeerProtocolError(`invalid signature for HTLC output ${i} of our commitment ${number}`);
    });
  }

  // ---- helpers ------------------------------------------------------------------

  /**
   * What the funder lacks to pay the commitment fee and anchors of `spec`
   * (built by `owner`, whose dust limit decides which HTLCs are trimmed) and
   * still keep its reserve; 0 when it can afford them.
   */
  private funderShortfallMsat(state: ChannelState, spec: CommitmentSpec, owner: 'us' | 'them'): number {
    const dustLimit = owner === 'us' ? state.local.dustLimitSatoshis : state.remote.dustLimitSatoshis;
    const untrimmed = htlcsFor(spec, owner).filter((htlc) => !isHtlcTrimmed(state.variant, htlc.direction, Math.floor(htlc.amountMsat / 1000), spec.feeratePerKw, dustLimit)).length;
    const charge = commitmentFee(state.variant, spec.feeratePerKw, untrimmed) + (state.variant === 'anchors' ? 2 * ANCHOR_OUTPUT_SATOSHIS : 0);
    const funderMsat = state.localIsFunder ? spec.toLocalMsat : spec.toRemoteMsat;
    // The reserve the funder must keep is the one the other side asked of it.
    const reserve = state.localIsFunder ? state.remote.channelReserveSatoshis : state.local.channelReserveSatoshis;
    return Math.max(0, (charge + reserve) * 1000 - funderMsat);
  }

  /**
   * Their updates not yet in their latest commitment: the ones they proposed,
   * and the ones we acked but have not signed for them yet. When they check
   * an update of ours, they apply all of these: so must we, before sending it.
   */
  private theirUnsignedChanges(state: ChannelState): NumberedUpdate[] {
    return [...state.remoteChanges.acked, ...state.remoteChanges.proposed];
  }

  /** Our updates not yet in our own commitment (the mirror of `theirUnsignedChanges`). */
  private ourChangesNotInOurCommitment(state: ChannelState): NumberedUpdate[] {
    return [...state.localChanges.acked, ...state.localChanges.signed, ...state.localChanges.proposed];
  }

  /** Their latest commitment as far as we have signed it (the next one if we are waiting for their revocation). */
  private latestRemoteSpec(state: ChannelState): CommitmentSpec {
    return (state.nextRemoteCommit ?? state.remoteCommit).spec;
  }

  private remotePointFor(state: ChannelState): Uint8Array {
    const point = state.remoteNextPerCommitmentPoint;
    if (!point) throw new ChannelUnavailableError('waiting for their revocation before signing again');
    return point;
  }

  /** An HTLC that is in both current commitments: only those may be settled. */
  private committedHtlc(state: ChannelState, direction: 'incoming' | 'outgoing', id: number) {
    const inOurs = state.localCommit.spec.htlcs.find((htlc) => htlc.direction === direction && htlc.id === id);
    const inTheirs = state.remoteCommit.spec.htlcs.find((htlc) => htlc.direction === direction && htlc.id === id);
    if (!inOurs || !inTheirs) {
      const message = `HTLC ${id} (${direction}) is not committed on both sides`;
      // Settling theirs is our request; a settlement of ours from them is their protocol error.
      throw direction === 'incoming' ? new ChannelUnavailableError(message) : new PeerProtocolError(message);
    }
    return inOurs;
  }

  /** Every update of ours not yet out of the change lists (queued included). */
  private ourPendingChanges(state: ChannelState): NumberedUpdate[] {
    return [...state.localChanges.queued, ...state.localChanges.proposed, ...state.localChanges.signed, ...state.localChanges.acked];
  }

  /** Every update of theirs not yet out of the change lists. */
  private theirPendingChanges(state: ChannelState): NumberedUpdate[] {
    return [...state.remoteChanges.proposed, ...state.remoteChanges.acked, ...state.remoteChanges.signed];
  }

  private checkNotSettled(state: ChannelState, id: number): void {
    if (settledIds(this.ourPendingChanges(state)).has(id)) throw new ChannelUnavailableError(`HTLC ${id} is already settled`);
  }

  private checkNotSettledByThem(state: ChannelState, id: number): void {
    if (settledIds(this.theirPendingChanges(state)).has(id)) throw new PeerProtocolError(`HTLC ${id} settled twice`);
  }

  /** A copy-on-write change of the state: runs `change` on a copy, and keeps the copy only if nothing threw. */
  private changeState<T>(change: (state: ChannelState) => T): T {
    const draft = copyOfState(this.current);
    const result = change(draft);
    this.current = draft;
    return result;
  }
}

/**
 * A copy of a state for a change to work on: a new state object with new
 * change lists, the only parts a change alters in place (fields are
 * assigned, lists pushed to). Everything else (commitments, specs, updates,
 * keys, byte arrays) is shared with `state`: no change alters those in
 * place, it assigns new ones (`state.localCommit = { ... }`), so `state`
 * stays as it was whatever the change does, and a channel's successive
 * states share what did not change (as the persister's copies do). Copying
 * the whole state at every call was a good part of a payment's cost.
 */
export function copyOfState(state: ChannelState): ChannelState {
  return { ...state, localChanges: withListsCopied(state.localChanges), remoteChanges: withListsCopied(state.remoteChanges) };
}

/** The same change lists in new arrays (same keys in the same order: the persister's encodings follow it). */
function withListsCopied<T extends Record<string, NumberedUpdate[]>>(lists: T): T {
  const copy: Record<string, NumberedUpdate[]> = {};
  for (const key of Object.keys(lists)) copy[key] = lists[key]!.slice();
  return copy as T;
}

/** The ids of the HTLCs these updates fulfill or fail. */
function settledIds(updates: readonly NumberedUpdate[]): Set<number> {
  return new Set(updates.flatMap((update) => (update.kind === 'fulfill' || update.kind === 'fail' ? [update.id] : [])));
}

/** Our own request could not be met: say so as ChannelUnavailableError, whatever the lower layer threw. */
function asUnavailable<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ChannelUnavailableError) throw error;
    throw new ChannelUnavailableError((error as Error).message);
  }
}

function stripId(update: NumberedUpdate): Update {
  const { htlcId: _, ...rest } = update;
  return rest as Update;
}

function outgoingHtlc(spec: CommitmentSpec, id: number): SpecHtlc | undefined {
  return spec.htlcs.find((htlc) => htlc.direction === 'outgoing' && htlc.id === id);
}
