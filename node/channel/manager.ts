/**
 * The `ChannelManager`: every channel of a node, with every peer.
 *
 * It turns the node's requests (open, pay, receive) into channel messages,
 * routes each incoming message to its channel by (peer, handle), persists
 * a channel before anything it produced leaves the node, and reports what
 * happened as events. It does not know how bytes travel: it is given a
 * `Messenger` (LoRa, serial, MQTT or in-memory, through the link layer).
 * Nor does it act on chain: the chain's events go to its `ChainMonitor`
 * (node/monitor/chain-monitor.ts), run inside the manager's steps, with
 * the updates it needs as they happen (a commitment revoked, a preimage
 * learned after a close, a close asked for).
 *
 * Components are passed in, as in rust-lightning; a missing one is an error
 * at construction, not a crash later.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../core/hex.js';
import { feeForWeight } from '../bolt3/fees.js';
import type { Transaction } from '../bolt3/transaction.js';
import type { FundingWallet } from '../wallet/funding-wallet.js';
import type { Broadcaster } from '../chain/broadcaster.js';
import type { ChainFilter, ChainListener } from '../chain/chain-listener.js';
import { type FeeEstimator, ObservedFeerates } from '../chain/fee-estimator.js';
import { type ChainEvent, ChainMonitor } from '../monitor/chain-monitor.js';
import { type TaggedAppointment, towerTag } from '../monitor/tower-queue.js';
import { InvalidInputError, checkInteger } from '../core/input.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { checkPublicKey } from '../core/curve.js';
import type { Messenger } from '../core/messenger.js';
import type { Signer } from '../keys/signer.js';
import type { Invoice, Persister } from '../persist/persister.js';
import { type AcceptChannel, type ChannelReady, type ChannelUpdate, type ClosingSigned, DecodeError, type FeeUpdate, type FundingCreated, type FundingSigned, type Message, type OpenChannel, type Shutdown, decodeMessage, encodeMessage } from '../wire/messages.js';
import { type ForwardingFee, NO_FEE, describeFee, feeOn, forwardingFee } from './forwarding-fee.js';
import { assumedQuote, feeUpdateFromSorted, feeUpdateKey, passOnKeeping, peerFeesOf, quoteThrough } from './fee-quotes.js';
import { Channel, type ChannelEvent, type ChannelState } from './channel.js';
import { PeerProtocolError, ChannelUnavailableError } from '../commitment/errors.js';
import { type ChannelEntry, entryFromRecord, newEntry, recordOfEntry } from './channel-entry.js';
import { type ChannelSummary, entrySummary, openingSummary } from './summaries.js';
import { Steps } from './step.js';
import { RouteTable, type StaticRoutes } from '../../transports/router/route-table.js';
import { answerClosingFee, isStandardShutdownScript } from './cooperative-close.js';
import { openChannel } from './open.js';
import { MAX_OPENINGS_PER_PEER, type Opening, type OpeningTerms, channelOffer, checkFundingOutput, localSide, openRefusals, remoteSide } from './opening.js';
import { type ChannelPolicy, MAX_CSV_DELAY, channelPolicy, delaysFor } from './policy.js';
import { MAX_FUNDING_SATOSHIS, MIN_FEERATE_PER_KW, MIN_FUNDING_SATOSHIS } from '../core/bolt-limits.js';


export type { Broadcaster } from '../chain/broadcaster.js';

export interface ChannelManagerComponents {
  readonly signer: Signer;
  readonly persister: Persister;
  readonly messenger: Messenger;
  readonly wallet: FundingWallet;
  readonly broadcaster: Broadcaster;
  /** Randomness for payment preimages. */
  readonly randomBytes?: (length: number) => Uint8Array;
  /**
   * Where to register what the chain must report (funding outputs and
   * transactions, a closed channel's outputs): the gateway's chain feed.
   * Optional, as in rust-lightning: a caller that hands over whole blocks needs none.
   */
  readonly chainFilter?: ChainFilter;
  /** Feerates by purpose; by default the gateway's latest estimate (`updateFeerate`) over the configured rates. */
  readonly feeEstimator?: FeeEstimator;
  /** Where the manager and the channels' monitors say what they do on chain; by default nowhere. */
  readonly logger?: Logger;
  /** The node's route table, shared with its router; without it, `routes` and `routeLengths` of the init read as a `RouteTable`. */
  readonly routes?: StaticRoutes;
}

export interface ChannelManagerInit {
  /** 0 mainnet, 1 testnet, 2 signet, 3 regtest: peers on another network are refused. */
  readonly network: number;
  readonly policy?: Partial<ChannelPolicy>;
  readonly dustLimitSatoshis?: number;
  readonly htlcMinimumMsat?: number;
  readonly maxAcceptedHtlcs?: number;
  readonly minimumDepth?: number;
  readonly feeratePerKw?: number;
  readonly channelType?: 'anchors' | 'static_remotekey';
  /** Feerate of the justice for revoked commitments, fixed when they are revoked (the tower's kit is signed then; our own justice at that rate if one reaches the chain). Default 2500 (10 sat/vbyte). */
  readonly justiceFeeratePerKw?: number;
  /**
   * The highest commitment feerate we accept from a funder (update_fee).
   * Default 50,000 sat/kw (200 sat/vbyte): a peer cannot burn our balance in fees.
   */
  readonly maxFeeratePerKw?: number;
  /** The static route table: destination node id (hex) to the neighbour (hex) that leads there; `*` for any other (the router's default route). Direct peers need no entry. */
  readonly routes?: Readonly<Record<string, string>>;
  /**
   * Channels on the static path to a destination (hex), when more than two:
   * the expiry of a payment leaves each forwarding node its delta. A routed
   * destination without an entry is assumed two channels away (one forwarder).
   */
  readonly routeLengths?: Readonly<Record<string, number>>;
  /**
   * What this node charges to forward an HTLC (BOLT 7's fee_base_msat and
   * fee_proportional_millionths), told to its channel peers in `fee_update`.
   * Default as rust-lightning's ChannelConfig: 1000 msat + 0 ppm.
   */
  readonly forwardingFee?: Partial<ForwardingFee>;
  /**
   * The gateway's bridge (rust-lightning's HTLC interception): an HTLC to us
   * whose payment hash is no invoice of ours is held, not failed, until
   * `fulfillHeld` or `failHeld` (or until `HELD_HTLC_FAIL_BLOCKS` before it
   * expires). Default false: a mesh node fails it ("unknown payment").
   */
  readonly holdUnknownPayments?: boolean;
  /**
   * The node id of the watchtower's operator (a node's gateway). Its channels with us get no appointments: the tower
   * of the one who would cheat watches nothing for us, and each would cost airtime (about 40% of a payment's bytes
   * with the gateway). The node answers a breach of those channels itself, from the justice it keeps.
   */
  readonly towerOperator?: string;
}

/** An HTLC to us held for the bridge (see `holdUnknownPayments`). */
export interface HeldHtlc {
  readonly peer: string;
  readonly handle: number;
  readonly id: number;
  readonly paymentHash: Uint8Array;
  readonly amountMsat: number;
  readonly cltvExpiry: number;
}

/**
 * Blocks before its expiry at which the manager fails a held HTLC itself.
 * The bridge resolves long before: it locks a Lightning payment for at most
 * the HTLC's expiry minus its `safetyBlocks` (36), so by this height LDK has
 * returned the preimage or failed, with 24 blocks left for LDK's own HTLC to
 * be settled on chain. The peer that offered it goes on chain only 3 blocks
 * after the expiry (OFFERED_HTLC_GRACE_BLOCKS): 15 blocks for the fail to reach it.
 */
export const HELD_HTLC_FAIL_BLOCKS = 12;

export type ManagerEvent =
  | { readonly type: 'channel_opened'; readonly peer: string; readonly handle: number }
  | { readonly type: 'channel_closed'; readonly peer: string; readonly handle: number; readonly closingTx: Transaction }
  | { readonly type: 'channel_refused'; readonly peer: string; readonly handle: number; readonly reasons: readonly string[] }
  /** We released the preimage of an HTLC to us, expiring at `cltvExpiry`. */
  | { readonly type: 'payment_received'; readonly paymentHash: Uint8Array; readonly amountMsat: number; readonly cltvExpiry: number }
  | { readonly type: 'payment_sent'; readonly paymentHash: Uint8Array; readonly paymentPreimage: Uint8Array }
  | { readonly type: 'payment_failed'; readonly paymentHash: Uint8Array; readonly reason: string }
  /** An HTLC we forwarded was fulfilled: we earned `feeMsat` (what came in minus what went out). */
  | { readonly type: 'payment_forwarded'; readonly paymentHash: Uint8Array; readonly feeMsat: number }
  | { readonly type: 'peer_error'; readonly peer: string; readonly reason: string }
  /** An HTLC to us with no invoice of ours, held for the bridge (again after a restart, while it is held). */
  | { readonly type: 'htlc_held'; readonly peer: string; readonly paymentHash: Uint8Array; readonly amountMsat: number; readonly cltvExpiry: number }
  /** A held HTLC the manager failed itself, `HELD_HTLC_FAIL_BLOCKS` before its expiry. */
  | { readonly type: 'held_htlc_expired'; readonly peer: string; readonly paymentHash: Uint8Array }
  /** What happened on chain: closes, breaches, claims confirmed, HTLCs resolved there, appointments for the tower. */
  | ChainEvent;

/** A channel as `channelSummaries` lists it. */
export type { ClaimSummary, OnchainSummary } from '../monitor/channel-monitor.js';
export type { ChannelSummary } from './summaries.js';

export type { TaggedAppointment } from '../monitor/tower-queue.js';

/** A request for a payment to this node. */
export interface PaymentRequest {
  readonly paymentHash: Uint8Array;
  readonly amountMsat: number;
  /** The HTLC must not expire before this block height. */
  readonly minFinalExpiry: number;
  readonly payee: Uint8Array;
}

export class ChannelManager extends EventEmitter<{ event: [ManagerEvent] }> implements ChainListener {
  readonly nodeId: string;
  private readonly policy: ChannelPolicy;
  /** What we charge to forward. */
  readonly forwardingFee: ForwardingFee;
  /** What we offer and accept when a channel opens. */
  private readonly terms: OpeningTerms;
  private readonly openings = new Map<string, Opening>();
  /** Funder side: channels built and signed for, waiting for the peer's funding_signed. */
  private readonly pendingChannels = new Map<string, Channel>();
  private readonly channels = new Map<string, ChannelEntry>();
  /** Steps (see step.ts): saves first, then what leaves the node. */
  private readonly steps: Steps<ChannelEntry>;
  /** The on-chain half of every channel (rust-lightning's ChainMonitor). */
  private readonly chainMonitor: ChainMonitor<ChannelEntry>;
  /** Preimages of payments this node asked for, by payment hash (hex). */
  private invoices = new Map<string, Invoice>();
  /** The chain's height as the chain view last told it (0 until then). */
  private height = 0;
  /** Whether `height` is fresh (see `setChainSynced`); HTLCs to us wait while it is not. */
  private chainSynced = true;
  /** The chain's height as the node's clock puts it, at most (`estimateHeight`). */
  private heightEstimate = 0;
  /** Channels with HTLCs to us held until the chain view is fresh. */
  private readonly heldHtlcs = new Set<string>();
  /** The gateway's estimates, read by the default fee estimator. */
  private readonly observedFeerates: ObservedFeerates;
  private readonly fees: FeeEstimator;
  private nextChannelIndex = 0;
  private nextHandle = 0;
  private readonly routes: StaticRoutes;
  /** The route table's destinations in order (it does not change while the manager runs). */
  private sortedDestinations: readonly string[] | undefined;
  /** Held HTLCs (`peer/handle/id`) already reported by this manager: each is reported once per process. */
  private readonly heldReported = new Set<string>();


  constructor(
    private readonly components: ChannelManagerComponents,
    private readonly init: ChannelManagerInit,
  ) {
    super();
    for (const name of ['signer', 'persister', 'messenger', 'wallet', 'broadcaster'] as const) {
      if (!components?.[name]) throw new InvalidInputError(`components.${name}`, 'missing: the channel manager needs it');
    }
    checkInteger('network', init.network, 0, 255);
    this.routes = components.routes ?? RouteTable.parse(init.routes ?? {}, 'routes', init.routeLengths);
    this.steps = new Steps(components.persister, (entry) => this.write(entry));
    this.policy = channelPolicy(init.policy);
    this.forwardingFee = forwardingFee(init.forwardingFee);
    const { network, dustLimitSatoshis, htlcMinimumMsat, maxAcceptedHtlcs } = init;
    this.terms = { network, channelType: init.channelType ?? 'anchors', policy: this.policy, dustLimitSatoshis, htlcMinimumMsat, maxAcceptedHtlcs };
    this.observedFeerates = new ObservedFeerates(init);
    this.fees = components.feeEstimator ?? this.observedFeerates;
    this.nodeId = bytesToHex(components.signer.nodeId);
    this.chainMonitor = new ChainMonitor<ChannelEntry>({
      wallet: components.wallet,
      fees: this.fees,
      ...(components.chainFilter && { chainFilter: components.chainFilter }),
      logger: components.logger ?? silentLogger,
      persister: components.persister,
      ...(init.towerOperator && { appointmentsFor: (peer: string) => peer !== init.towerOperator }),
      broadcast: (tx) => this.broadcast(tx),
      save: (entry) => this.steps.save(entry),
      report: (event) => this.emitEvent(event),
      closed: (entry) => {
        entry.shutdown = { ...entry.shutdown, closed: true };
      },
      resolveOutgoing: (entry, id, paymentHash, preimage, reason) => this.resolveOutgoing(entry, id, paymentHash, preimage, reason),
    });
    this.restore();
  }

  /** Takes up every channel the persister holds, as it was saved. */
  private restore(): void {
    const persister = this.components.persister;
    const counters = persister.getAll('counter');
    this.nextChannelIndex = counters.get('nextChannelIndex') ?? 0;
    this.nextHandle = counters.get('nextHandle') ?? 0;
    this.invoices = persister.getAll('invoice');
    for (const [id, record] of persister.loadChannels()) {
      const meta = record.meta;
      if (!meta) throw new InvalidInputError(`channel ${id}`, 'saved without its peer and handle');
      const entry = entryFromRecord(meta, record, new Channel(record.state, this.components.signer.channelSigner(meta.channelIndex)));
      this.channels.set(keyOf(meta.peer, meta.handle), entry);
      this.chainMonitor.add(entry, { ...(meta.breaches && { breaches: meta.breaches }), ...(record.remedies && { remedies: record.remedies }) });
    }
  }

  /**
   * After a restart (call once listeners are attached): settles what a crash
   * interrupted. HTLCs committed to us that are neither settled nor
   * forwarded get settled or forwarded now; settlements received for HTLCs
   * we forwarded are passed upstream now, and the preimages of our own
   * payments are told again (`payment_sent`); then every channel sends what it owes.
   */
  resume(): void {
    const forwarded = this.forwardedIncoming();
    for (const entry of this.channels.values()) {
      if (!entry.onchain && !entry.shutdown?.closed) this.chainMonitor.watchFunding(entry); // repeats are harmless
      if (entry.onchain) {
        this.tellResolvedOnchain(entry);
        continue;
      }
      // What we sent last may have died with the process: send it again (the peer drops what it already has).
      for (const message of entry.outbox) this.components.messenger.send(entry.peer, encodeMessage(message));
      for (const settlement of entry.channel.settlementsReceived()) {
        if (entry.forwards.has(settlement.id)) this.settleForwarded(entry, settlement.id, settlement.paymentPreimage, settlement.reason);
        // Our own payment's preimage: its event may have died with the process (it leaves after the save). Told
        // again, as rust-lightning replays unhandled events; a fail is told when it is irrevocable, as before.
        else if (settlement.paymentPreimage) this.emitEvent({ type: 'payment_sent', paymentHash: settlement.paymentHash, paymentPreimage: settlement.paymentPreimage });
      }
      this.settleWaiting(entry, forwarded);
      this.sendPendingUpdates(entry);
    }
    this.refreshFees(); // a new policy (a new config) reaches the peers
  }

  /** The incoming HTLCs (`peer/handle/id`) that we forwarded: their outgoing side settles them. */
  private forwardedIncoming(): Set<string> {
    return new Set([...this.channels.values()].flatMap((entry) => [...entry.forwards.values()].map((link) => `${keyOf(link.peer, link.handle)}/${link.id}`)));
  }

  /** Settles or forwards the HTLCs they offered on `entry`, committed on both sides, that are neither settled nor forwarded yet. */
  private settleWaiting(entry: ChannelEntry, forwarded: ReadonlySet<string>): void {
    for (const htlc of entry.channel.htlcsToSettle()) {
      if (forwarded.has(`${keyOf(entry.peer, entry.handle)}/${htlc.id}`)) continue;
      this.handleChannelEvent(entry, { type: 'htlc_received', ...htlc });
    }
  }

  // ---- opening ----------------------------------------------------------------

  /** Proposes a channel funded by this node. Returns its handle with that peer. */
  openChannel(peer: string, fundingSatoshis: number, pushMsat = 0): number {
    checkPublicKey('peer', hexToPoint(peer));
    checkInteger('fundingSatoshis', fundingSatoshis, MIN_FUNDING_SATOSHIS, MAX_FUNDING_SATOSHIS);
    checkInteger('pushMsat', pushMsat, 0, fundingSatoshis * 1000);
    // Handles we choose are even when our node id sorts first, odd otherwise, so two peers never pick the same one.
    let handle: number;
    do handle = this.nextHandle++ * 2 + this.handleParity(peer);
    while (this.openings.has(keyOf(peer, handle)) || this.channels.has(keyOf(peer, handle)));
    this.components.persister.put('counter', 'nextHandle', this.nextHandle);
    const opening = this.newOpening(peer, handle, true, fundingSatoshis, pushMsat, this.fees.feeratePerKw('commitment'));
    this.send(peer, { type: 'open_channel', ...this.offer(opening), fundingSatoshis, pushMsat, feeratePerKw: opening.feeratePerKw });
    return handle;
  }

  /** Channels whose funding transaction the chain view should report (`fundingConfirmed`) until it is deep enough. */
  awaitingFunding(): { peer: string; handle: number; fundingTxid: string; minimumDepth: number }[] {
    return [...this.channels.values()]
      .filter((entry) => !entry.readySent && !entry.onchain)
      .map((entry) => ({ peer: entry.peer, handle: entry.handle, fundingTxid: entry.channel.state.fundingOutpoint.txid, minimumDepth: entry.minimumDepth }));
  }

  /** The chain view reports the funding transaction of `peer`'s channel `handle` buried `depth` deep. */
  fundingConfirmed(peer: string, handle: number, depth: number): void {
    const entry = this.channels.get(keyOf(peer, handle));
    if (!entry || entry.readySent || depth < entry.minimumDepth) return;
    entry.readySent = true;
    this.steps.save(entry);
    // Our fees go first: a peer that sees the channel open can pay through us at once.
    this.refreshFees();
    this.send(peer, { type: 'channel_ready', handle, secondPerCommitmentPoint: entry.channel.channelReadyPoint() });
    this.checkOpened(entry);
  }

  /** `feeratePerKw`: the first commitments' feerate, which the funder chooses. */
  private newOpening(peer: string, handle: number, localIsFunder: boolean, fundingSatoshis: number, pushMsat: number, feeratePerKw: number): Opening {
    // Saved before the keys are used: a channel index, and so its keys, is never given out twice.
    const channelIndex = this.nextChannelIndex++;
    this.components.persister.put('counter', 'nextChannelIndex', this.nextChannelIndex);
    const signer = this.components.signer.channelSigner(channelIndex);
    const local = localSide(this.terms, fundingSatoshis, signer.publicKeys);
    const opening: Opening = {
      peer,
      handle,
      localIsFunder,
      channelIndex,
      fundingSatoshis,
      pushMsat,
      feeratePerKw,
      local,
      minimumDepth: this.init.minimumDepth ?? 3,
    };
    this.openings.set(keyOf(peer, handle), opening);
    return opening;
  }

  private offer(opening: Opening) {
    return channelOffer(this.terms, opening, this.components.signer.channelSigner(opening.channelIndex).perCommitmentPoint(0));
  }

  /** The parity of the handles we choose with `peer`. */
  private handleParity(peer: string): number {
    return this.nodeId < peer ? 0 : 1;
  }

  // ---- payments -----------------------------------------------------------------

  /**
   * A request for `amountMsat` to this node; its preimage stays here.
   * `finalExpiryDelta`: the fewest blocks a paying HTLC may leave us, by
   * default our policy's; shorter for a payment through the gateway's bridge,
   * whose HTLC leaves what remains of its hold window (see PUBLIC_INVOICE_FINAL_EXPIRY_DELTA).
   * `anyAmount`: `amountMsat` is only the least accepted (a hash left with the gateway, the amount chosen later).
   */
  receive(amountMsat: number, currentHeight: number, finalExpiryDelta = delaysFor(this.policy).finalExpiryDelta, options: { readonly anyAmount?: boolean } = {}): PaymentRequest {
    checkInteger('amountMsat', amountMsat, 1, Number.MAX_SAFE_INTEGER);
    checkInteger('currentHeight', currentHeight, 0, 499_999_999);
    checkInteger('finalExpiryDelta', finalExpiryDelta, 1, MAX_CSV_DELAY);
    const preimage = (this.components.randomBytes ?? ((n: number) => new Uint8Array(randomBytes(n))))(32);
    const paymentHash = sha256(preimage);
    const minFinalExpiry = currentHeight + finalExpiryDelta;
    const invoice: Invoice = { preimage, amountMsat, minFinalExpiry, ...(finalExpiryDelta !== delaysFor(this.policy).finalExpiryDelta && { finalExpiryDelta }), ...(options.anyAmount && { anyAmount: true }) };
    this.invoices.set(bytesToHex(paymentHash), invoice);
    this.components.persister.put('invoice', bytesToHex(paymentHash), invoice);
    return { paymentHash, amountMsat, minFinalExpiry, payee: this.components.signer.nodeId };
  }

  /** Pays a request of a direct peer over the channel `handle`. */
  pay(peer: string, handle: number, request: PaymentRequest): void {
    this.steps.run(() => {
      const entry = this.channels.get(keyOf(peer, handle));
      if (!entry || !entry.readySent || !entry.readyReceived) throw new InvalidInputError('handle', `no open channel ${handle} with ${peer}`);
      if (entry.shutdown) throw new ChannelUnavailableError(`channel ${handle} with ${peer} is closing`);
      entry.channel.addHtlc(request.amountMsat, request.paymentHash, request.minFinalExpiry);
      this.sendPendingUpdates(entry);
    });
  }

  /**
   * Pays a request anywhere the static route table reaches: over a channel
   * with the payee, or with the neighbour that leads to it, which forwards.
   * The expiry leaves each forwarding node its delta: one forwarder, or as
   * many as `routeLengths` says the path has.
   */
  payRequest(request: PaymentRequest): number {
    return this.payRequests([request])[0]!;
  }

  /**
   * The forwarding fees a payment of `request` would pay along the static
   * route, from the quotes of our channel peers (0 to a direct peer).
   * Throws, naming the payee, when no channel leads there or no quote is known.
   */
  feeFor(request: Pick<PaymentRequest, 'payee' | 'amountMsat'>): number {
    const payee = bytesToHex(request.payee);
    const entry = this.openChannelTowards(payee);
    if (!entry) throw new InvalidInputError('payee', `no channel leads to ${payee}: no open channel with it, and no route`);
    const quoted = quoteThrough(entry.peerFees, entry.peer, payee);
    // Not quoted (the peer's list was full): every forwarder is assumed to charge what the peer does.
    const quote = typeof quoted === 'string' ? (assumedQuote(entry.peerFees, this.forwardersTo(payee)) ?? quoted) : quoted;
    if (typeof quote === 'string') throw new ChannelUnavailableError(`cannot pay ${payee} through ${entry.peer}: ${quote}`);
    return feeOn(quote, request.amountMsat);
  }

  /**
   * Pays several requests at once: their HTLCs travel together, under one
   * commitment signature per channel, which on a radio link costs far less
   * airtime than one exchange each. A request that cannot be paid (no
   * route, not affordable) throws before any of them is sent; the ones
   * added before it are taken back. A routed payment pays the forwarders'
   * fees on top (`feeFor`); returns the fee of each request.
   */
  payRequests(requests: readonly PaymentRequest[]): number[] {
    return this.steps.run(() => {
      const touched = new Set<ChannelEntry>();
      const snapshots = new Map<ChannelEntry, ChannelState>();
      const fees: number[] = [];
      try {
        for (const request of requests) {
          const payee = bytesToHex(request.payee);
          const feeMsat = this.feeFor(request);
          const entry = this.openChannelTowards(payee)!;
          if (!snapshots.has(entry)) snapshots.set(entry, entry.channel.state);
          const direct = entry.peer === payee;
          const forwarders = direct ? 0 : this.forwardersTo(payee);
          const expiry = request.minFinalExpiry + forwarders * delaysFor(this.policy).cltvExpiryDelta;
          entry.channel.addHtlc(request.amountMsat + feeMsat, request.paymentHash, expiry, direct ? undefined : request.payee, request.amountMsat);
          touched.add(entry);
          fees.push(feeMsat);
        }
      } catch (error) {
        for (const [entry, state] of snapshots) entry.channel.restoreState(state);
        throw error;
      }
      for (const entry of touched) this.sendPendingUpdates(entry);
      return fees;
    });
  }

  /** The forwarders on the way to a routed `destination`: one, or as many as `routeLengths` says the path has. */
  private forwardersTo(destination: string): number {
    return Math.max(1, (this.routes.channelsTo(destination) ?? 2) - 1);
  }

  /** An open channel with `destination`, or with the neighbour the route table names for it, that is not closing. */
  private openChannelTowards(destination: string): ChannelEntry | undefined {
    return openChannelAmong(this.channels.values(), this.routes, destination);
  }

  /**
   * An HTLC for someone else: offer it onward, and settle this one when that
   * one settles. What goes on is what the payee is to get plus the fees of
   * the forwarders after us, as our next hop quoted them; what stays must
   * pay our own fee on it (BOLT 7), or the HTLC is failed back.
   */
  private forward(incoming: ChannelEntry, htlc: { id: number; amountMsat: number; paymentHash: Uint8Array; cltvExpiry: number; destination: Uint8Array; payeeAmountMsat?: number }): void {
    const { id, amountMsat, paymentHash, cltvExpiry, destination } = htlc;
    const destinationHex = bytesToHex(destination);
    const outgoing = this.openChannelTowards(destinationHex);
    const outgoingExpiry = cltvExpiry - delaysFor(this.policy).cltvExpiryDelta;
    try {
      if (!outgoing) throw new ChannelUnavailableError(`no route to ${destinationHex}`);
      if (outgoingExpiry <= this.safeHeight) throw new ChannelUnavailableError(`the HTLC expires at ${cltvExpiry}, too soon to forward with our delta of ${delaysFor(this.policy).cltvExpiryDelta} blocks`);
      const payeeAmountMsat = htlc.payeeAmountMsat ?? amountMsat;
      const last = outgoing.peer === destinationHex;
      const next = last ? NO_FEE : quoteThrough(outgoing.peerFees, outgoing.peer, destinationHex);
      // Not quoted: pass on all but our fee; a forwarder further on refuses if it falls short of its own.
      const outgoingMsat = typeof next === 'string' ? passOnKeeping(this.forwardingFee, amountMsat) : payeeAmountMsat + feeOn(next, payeeAmountMsat);
      if (outgoingMsat < payeeAmountMsat) throw new ChannelUnavailableError(`fee too low: ${amountMsat} msat cannot pay our fee (${describeFee(this.forwardingFee)}) and ${payeeAmountMsat} msat to the payee`);
      const feeMsat = amountMsat - outgoingMsat;
      const ourFee = feeOn(this.forwardingFee, outgoingMsat);
      if (feeMsat < ourFee) throw new ChannelUnavailableError(`fee too low: ${feeMsat} msat left to forward ${outgoingMsat} msat, our fee is ${ourFee} msat (${describeFee(this.forwardingFee)})`);
      const outId = outgoing.channel.addHtlc(outgoingMsat, paymentHash, outgoingExpiry, last ? undefined : destination, payeeAmountMsat);
      outgoing.forwards.set(outId, { peer: incoming.peer, handle: incoming.handle, id, feeMsat });
      this.sendPendingUpdates(outgoing); // saves the link with the outgoing channel before the HTLC leaves
    } catch (error) {
      incoming.channel.failHtlc(id, new TextEncoder().encode(`cannot forward: ${(error as Error).message}`.slice(0, 256)));
      this.steps.save(incoming);
    }
  }

  /** One of our outgoing HTLCs settled: if we forwarded it, settle the incoming one the same way. */
  private settleForwarded(outgoing: ChannelEntry, outId: number, preimage: Uint8Array | undefined, reason?: Uint8Array): boolean {
    const link = outgoing.forwards.get(outId);
    if (!link) return false;
    const incoming = this.channels.get(keyOf(link.peer, link.handle));
    if (incoming?.onchain) {
      // Upstream is on chain: the preimage is claimed there (the claim written before the link goes); a failure needs nothing, the HTLC expires there.
      if (preimage) this.chainMonitor.claimLate(incoming, preimage);
    } else if (incoming) {
      // Settle upstream first and save it: a crash after this leaves the link for a retry, never a lost preimage.
      if (preimage) incoming.channel.fulfillHtlc(link.id, preimage);
      else incoming.channel.failHtlc(link.id, reason ?? new Uint8Array(0));
      this.sendPendingUpdates(incoming);
      this.steps.save(incoming);
    }
    outgoing.forwards.delete(outId);
    this.steps.save(outgoing);
    if (preimage && incoming) this.emitEvent({ type: 'payment_forwarded', paymentHash: sha256(preimage), feeMsat: link.feeMsat ?? 0 });
    return true;
  }

  /**
   * The fee estimator's new feerate for commitments: every open channel we
   * funded proposes it (update_fee). A channel that cannot afford it keeps
   * its feerate; the reasons are returned, one per channel.
   */
  updateFeerate(feeratePerKw: number): string[] {
    checkInteger('feeratePerKw', feeratePerKw, MIN_FEERATE_PER_KW, this.init.maxFeeratePerKw ?? DEFAULT_MAX_FEERATE_PER_KW);
    this.observedFeerates.observe(feeratePerKw);
    const refused: string[] = [];
    for (const entry of this.channels.values()) {
      const state = entry.channel.state;
      if (!state.localIsFunder || entry.onchain || entry.shutdown || !entry.readyReceived) continue;
      if (state.localCommit.spec.feeratePerKw === feeratePerKw) continue;
      try {
        entry.channel.updateFee(feeratePerKw);
        this.sendPendingUpdates(entry);
      } catch (error) {
        refused.push(`channel ${entry.handle} with ${entry.peer}: ${(error as Error).message}`);
      }
    }
    return refused;
  }

  /**
   * Closes a channel cooperatively: shutdown, then (once no HTLC is pending)
   * a fee negotiation, then the closing transaction goes to the broadcaster.
   */
  close(peer: string, handle: number): void {
    const entry = this.channels.get(keyOf(peer, handle));
    if (!entry) throw new InvalidInputError('handle', `no channel ${handle} with ${peer}`);
    this.sendShutdown(entry);
    this.negotiateClose(entry);
  }

  private sendShutdown(entry: ChannelEntry): void {
    entry.shutdown ??= {};
    if (entry.shutdown.local) return;
    entry.shutdown.local = this.components.wallet.sweepScript();
    this.send(entry.peer, { type: 'shutdown', handle: entry.handle, scriptPubKey: entry.shutdown.local }, entry);
    this.refreshFees(); // destinations reached through this channel are no longer quoted to the other peers
  }

  /** The funder opens the fee negotiation once both sides have sent shutdown and nothing is pending. */
  private negotiateClose(entry: ChannelEntry): void {
    const shutdown = entry.shutdown;
    if (!shutdown?.local || !shutdown.remote || shutdown.closed || shutdown.offeredFee !== undefined) return;
    if (!entry.channel.state.localIsFunder || !entry.channel.isQuiet()) return;
    this.offerClosingFee(entry, this.idealClosingFee(entry));
  }

  private idealClosingFee(entry: ChannelEntry): number {
    const { local, remote } = entry.shutdown!;
    return feeForWeight(this.fees.feeratePerKw('commitment'), entry.channel.closingWeight(local!, remote!));
  }

  private offerClosingFee(entry: ChannelEntry, feeSatoshis: number): void {
    const { local, remote } = entry.shutdown!;
    entry.shutdown!.offeredFee = feeSatoshis;
    const signature = entry.channel.signClosing(local!, remote!, feeSatoshis);
    this.send(entry.peer, { type: 'closing_signed', handle: entry.handle, feeSatoshis, signature }, entry);
  }

  /**
   * Whether a payment of ours (not a forward) with this hash is still in a
   * channel: offered and not yet removed, or unresolved on chain. One that is
   * not has ended (its event told) or never left: a crash can come between
   * deciding to pay and the save that offers the HTLC.
   */
  paymentInFlight(paymentHash: Uint8Array): boolean {
    const hash = bytesToHex(paymentHash);
    return [...this.channels.values()].some((entry) => {
      if (entry.onchain) return (entry.onchain.outgoing ?? []).some((htlc) => !htlc.resolved && !entry.forwards.has(htlc.id) && bytesToHex(htlc.paymentHash) === hash);
      return entry.channel.offeredHtlcIds(paymentHash).some((id) => !entry.forwards.has(id));
    });
  }

  /** Each channel's balances, and the feerate its current commitment pays. */
  balances(): { peer: string; handle: number; localMsat: number; remoteMsat: number; pendingHtlcs: number; feeratePerKw: number }[] {
    return [...this.channels.values()].map((entry) => ({
      peer: entry.peer,
      handle: entry.handle,
      ...entry.channel.balances(),
      feeratePerKw: entry.channel.state.localCommit.spec.feeratePerKw,
    }));
  }

  /**
   * Every channel, for people and tools: where it stands and what it holds.
   * Openings still being negotiated are listed too (`negotiating`), so that
   * a channel asked for is never invisible.
   */
  channelSummaries(): ChannelSummary[] {
    return [...[...this.openings.values()].map(openingSummary), ...[...this.channels.values()].map(entrySummary)];
  }

  // ---- incoming messages --------------------------------------------------------

  /** Takes bytes from a peer. Nothing a peer sends throws out of here: errors become `peer_error` events and change nothing. */
  handleMessage(peer: string, bytes: Uint8Array): void {
    this.steps.run(() => {
      let message: ReturnType<typeof decodeMessage>;
      try {
        message = decodeMessage(bytes);
      } catch (error) {
        this.emitEvent({ type: 'peer_error', peer, reason: error instanceof DecodeError ? `undecodable message: ${error.message}` : String(error) });
        return;
      }
      if (message.type === 'unknown') return; // an odd type we do not know: ignored, as BOLT 1 says
      try {
        this.dispatch(peer, message);
      } catch (error) {
        this.emitEvent({ type: 'peer_error', peer, reason: `${message.type}: ${(error as Error).message}` });
      }
    });
  }

  /** Hands a message to its handler: one per message type, as rust-lightning's `handle_*`. */
  private dispatch(peer: string, message: Message): void {
    switch (message.type) {
      case 'open_channel':
        return this.handleOpenChannel(peer, message);
      case 'accept_channel':
        return this.handleAcceptChannel(peer, message);
      case 'funding_created':
        return this.handleFundingCreated(peer, message);
      case 'funding_signed':
        return this.handleFundingSigned(peer, message);
      case 'channel_ready':
        return this.handleChannelReady(peer, message);
      case 'update':
        return this.handleUpdate(peer, message);
      case 'shutdown':
        return this.handleShutdown(peer, message);
      case 'closing_signed':
        return this.handleClosingSigned(peer, message);
      case 'fee_update':
        return this.handleFeeUpdate(peer, message);
      case 'error':
        return this.emitEvent({ type: 'peer_error', peer, reason: `the peer says: ${new TextDecoder().decode(message.message)}` });
      default:
        throw new PeerProtocolError(`${message.type} is not supported yet`);
    }
  }

  /** They propose a channel they fund: accept it, or refuse it with the reasons. */
  private handleOpenChannel(peer: string, message: OpenChannel): void {
    const key = keyOf(peer, message.handle);
    if (message.handle % 2 === this.handleParity(peer)) throw new PeerProtocolError(`handle ${message.handle} is one we choose, not the peer`);
    if (this.openings.has(key) || this.channels.has(key)) throw new PeerProtocolError(`handle ${message.handle} is in use`);
    const pending = [...this.openings.values()].filter((opening) => opening.peer === peer).length;
    if (pending >= MAX_OPENINGS_PER_PEER) throw new PeerProtocolError(`already ${pending} channels opening with this peer`);
    const refusals = openRefusals(message);
    if (refusals.length > 0) return this.refuse(peer, message.handle, refusals);
    const opening = this.newOpening(peer, message.handle, false, message.fundingSatoshis, message.pushMsat, message.feeratePerKw);
    const remote = remoteSide(this.terms, message, opening);
    if (Array.isArray(remote)) return this.refuse(peer, message.handle, remote);
    opening.remote = remote;
    opening.remoteFirstPoint = message.firstPerCommitmentPoint;
    this.send(peer, { type: 'accept_channel', ...this.offer(opening), minimumDepth: opening.minimumDepth });
  }

  /** They accept our proposal: the wallet funds the channel, and we sign their first commitment. */
  private handleAcceptChannel(peer: string, message: AcceptChannel): void {
    const key = keyOf(peer, message.handle);
    const opening = this.openings.get(key);
    if (!opening?.localIsFunder || opening.remote) throw new PeerProtocolError('an accept_channel we did not ask for');
    const remote = remoteSide(this.terms, message, opening);
    if (Array.isArray(remote)) return this.refuse(peer, message.handle, remote);
    opening.remote = remote;
    opening.remoteFirstPoint = message.firstPerCommitmentPoint;
    opening.minimumDepth = message.minimumDepth;
    const { tx, outputIndex } = this.components.wallet.fund({
      localFundingPubkey: opening.local.publicKeys.fundingPubkey,
      remoteFundingPubkey: remote.publicKeys.fundingPubkey,
      satoshis: opening.fundingSatoshis,
      feeratePerKw: opening.feeratePerKw,
    });
    checkFundingOutput(tx, outputIndex, opening, remote);
    opening.fundingTx = tx;
    const channel = this.channelFor(opening, { txid: tx.getId(), vout: outputIndex });
    this.pendingChannels.set(key, channel);
    this.send(peer, { type: 'funding_created', handle: message.handle, fundingTxHash: tx.getHash(), fundingOutputIndex: outputIndex, signature: channel.signFirstRemoteCommitment() });
  }

  /** The funder's signature on our first commitment: the channel exists, and we sign theirs. */
  private handleFundingCreated(peer: string, message: FundingCreated): void {
    const opening = this.openings.get(keyOf(peer, message.handle));
    if (!opening || opening.localIsFunder || !opening.remote) throw new PeerProtocolError('a funding_created we did not expect');
    const txid = bytesToHex(Uint8Array.from(message.fundingTxHash).reverse());
    const channel = this.channelFor(opening, { txid, vout: message.fundingOutputIndex });
    channel.receiveFirstSignature(message.signature);
    const entry = this.adopt(opening, channel);
    // Persisted before our signature leaves: from then on the funder may broadcast.
    this.send(peer, { type: 'funding_signed', handle: message.handle, signature: channel.signFirstRemoteCommitment() }, entry);
  }

  /** Their signature on our first commitment: the funding transaction can go to the chain. */
  private handleFundingSigned(peer: string, message: FundingSigned): void {
    const key = keyOf(peer, message.handle);
    const opening = this.openings.get(key);
    const channel = this.pendingChannels.get(key);
    if (!opening?.fundingTx || !channel) throw new PeerProtocolError('a funding_signed we did not expect');
    channel.receiveFirstSignature(message.signature);
    this.pendingChannels.delete(key);
    this.adopt(opening, channel);
    this.broadcast(opening.fundingTx); // only now can we get our money back alone
  }

  private handleChannelReady(peer: string, message: ChannelReady): void {
    const entry = this.channels.get(keyOf(peer, message.handle));
    if (!entry) throw new PeerProtocolError('channel_ready for an unknown channel');
    entry.channel.receiveChannelReady(message.secondPerCommitmentPoint);
    entry.readyReceived = true;
    this.steps.save(entry);
    this.checkOpened(entry);
  }

  /** Their updates, commitment signatures and revocations: applied, saved, then acted on and answered. */
  private handleUpdate(peer: string, message: ChannelUpdate): void {
    const entry = this.channels.get(keyOf(peer, message.handle));
    if (!entry) throw new PeerProtocolError('an update for an unknown channel');
    if (entry.shutdown?.remote && message.updates.some((update) => update.kind === 'add')) throw new PeerProtocolError('a new HTLC after the peer\'s shutdown');
    if (entry.onchain) throw new PeerProtocolError('an update on a channel closed on chain');
    const maxFeerate = this.init.maxFeeratePerKw ?? DEFAULT_MAX_FEERATE_PER_KW;
    for (const update of message.updates) {
      if (update.kind === 'fee' && update.feeratePerKw > maxFeerate) throw new PeerProtocolError(`a feerate of ${update.feeratePerKw} sat/kw is above our limit of ${maxFeerate}`);
    }
    const events = entry.channel.receive(message);
    // The justice for what they just revoked is written before the state that follows it:
    // no crash can leave a revoked commitment without its remedy.
    for (const event of events) if (event.type === 'commitment_revoked') this.chainMonitor.commitmentRevoked(entry, event.commitment, event.perCommitmentSecret, event.built);
    this.steps.save(entry);
    for (const event of events) {
      try {
        this.handleChannelEvent(entry, event);
      } catch (error) {
        this.emitEvent({ type: 'peer_error', peer, reason: `after ${event.type}: ${(error as Error).message}` });
      }
    }
    this.sendPendingUpdates(entry);
    this.negotiateClose(entry); // a close may have been waiting for these HTLCs
  }

  /** They want to close: we answer with our own shutdown, and the funder offers a fee once nothing is pending. */
  private handleShutdown(peer: string, message: Shutdown): void {
    const entry = this.channels.get(keyOf(peer, message.handle));
    if (!entry) throw new PeerProtocolError('shutdown for an unknown channel');
    if (!isStandardShutdownScript(message.scriptPubKey)) throw new PeerProtocolError('a shutdown script that is not P2WPKH, P2WSH or P2TR: its closing transaction would not relay');
    if (entry.shutdown?.remote && bytesToHex(entry.shutdown.remote) !== bytesToHex(message.scriptPubKey)) throw new PeerProtocolError('a second shutdown with another script');
    entry.shutdown ??= {};
    entry.shutdown.remote = message.scriptPubKey;
    this.sendShutdown(entry);
    this.negotiateClose(entry);
  }

  /** Their fee and signature for the closing transaction: agree and broadcast it, counter, or give up. */
  private handleClosingSigned(peer: string, message: ClosingSigned): void {
    const entry = this.channels.get(keyOf(peer, message.handle));
    const shutdown = entry?.shutdown;
    if (!entry || !shutdown?.local || !shutdown.remote || shutdown.closed) throw new PeerProtocolError('closing_signed before both shutdowns');
    const closingTx = entry.channel.completeClosing(shutdown.local, shutdown.remote, message.feeSatoshis, message.signature);
    const answer = answerClosingFee(message.feeSatoshis, shutdown.offeredFee, this.idealClosingFee(entry));
    if (answer.kind === 'give_up') {
      const range = `${answer.lowest}..${answer.highest}`;
      this.send(peer, { type: 'error', handle: message.handle, message: new TextEncoder().encode(`closing fee ${message.feeSatoshis} sat is outside ${range}`) });
      throw new PeerProtocolError(`the peer insists on a closing fee of ${message.feeSatoshis} sat, outside ${range}: close unilaterally instead`);
    }
    if (answer.kind === 'counter') return this.offerClosingFee(entry, answer.feeSatoshis);
    if (message.feeSatoshis !== shutdown.offeredFee) this.offerClosingFee(entry, message.feeSatoshis);
    shutdown.closed = true;
    this.steps.save(entry);
    this.broadcast(closingTx);
    this.emitEvent({ type: 'channel_closed', peer, handle: message.handle, closingTx });
  }

  // ---- HTLCs held for the bridge (`holdUnknownPayments`) ------------------------------
  // The HTLC itself stays in its channel, committed and unsettled: the channel's saved state is the
  // record, so a restart finds it again (`resume` settles what waits, which holds it again).

  /** The HTLCs held now, oldest channel first. */
  heldPayments(): HeldHtlc[] {
    if (!this.init.holdUnknownPayments) return [];
    const forwarded = this.forwardedIncoming();
    return [...this.channels.values()].flatMap((entry) =>
      entry.channel
        .htlcsToSettle()
        .filter((htlc) => !htlc.destination || bytesToHex(htlc.destination) === this.nodeId)
        .filter((htlc) => !this.invoices.has(bytesToHex(htlc.paymentHash)) && !forwarded.has(`${keyOf(entry.peer, entry.handle)}/${htlc.id}`))
        .map(({ id, paymentHash, amountMsat, cltvExpiry }) => ({ peer: entry.peer, handle: entry.handle, id, paymentHash, amountMsat, cltvExpiry })),
    );
  }

  /** Settles the held HTLC with this payment hash (on chain if its channel closed). Returns false, doing nothing, when none is held. */
  fulfillHeld(paymentHash: Uint8Array, paymentPreimage: Uint8Array): boolean {
    if (bytesToHex(sha256(paymentPreimage)) !== bytesToHex(paymentHash)) throw new InvalidInputError('paymentPreimage', 'does not match the payment hash');
    return this.settleHeld(paymentHash, (entry, id) => {
      if (entry.onchain) return this.chainMonitor.claimLate(entry, paymentPreimage);
      entry.channel.fulfillHtlc(id, paymentPreimage);
    });
  }

  /** Fails the held HTLC with this payment hash back to its peer. Returns false, doing nothing, when none is held. */
  failHeld(paymentHash: Uint8Array, reason: string): boolean {
    return this.settleHeld(paymentHash, (entry, id) => {
      if (!entry.onchain) entry.channel.failHtlc(id, new TextEncoder().encode(reason.slice(0, 256)));
    });
  }

  private settleHeld(paymentHash: Uint8Array, settle: (entry: ChannelEntry, id: number) => void): boolean {
    return this.steps.run(() => {
      const hash = bytesToHex(paymentHash);
      const held = this.heldPayments().find((htlc) => bytesToHex(htlc.paymentHash) === hash);
      const entry = held && this.channels.get(keyOf(held.peer, held.handle));
      if (!held || !entry) return false;
      settle(entry, held.id);
      this.heldReported.delete(`${keyOf(held.peer, held.handle)}/${held.id}`);
      this.steps.save(entry);
      if (!entry.onchain) this.sendPendingUpdates(entry);
      return true;
    });
  }

  /** An HTLC to us with no invoice: held and reported, unless it repeats a held payment hash or expires too soon to hold. */
  private hold(entry: ChannelEntry, htlc: HeldHtlc): void {
    const key = `${keyOf(htlc.peer, htlc.handle)}/${htlc.id}`;
    if (this.heldReported.has(key)) return;
    const hash = bytesToHex(htlc.paymentHash);
    const twin = this.heldPayments().some((other) => bytesToHex(other.paymentHash) === hash && (other.peer !== htlc.peer || other.handle !== htlc.handle || other.id !== htlc.id));
    if (twin || htlc.cltvExpiry - HELD_HTLC_FAIL_BLOCKS <= this.safeHeight) {
      entry.channel.failHtlc(htlc.id, new TextEncoder().encode(twin ? 'that payment hash is held already' : 'expiry too soon'));
      return;
    }
    this.heldReported.add(key);
    this.emitEvent({ type: 'htlc_held', peer: htlc.peer, paymentHash: htlc.paymentHash, amountMsat: htlc.amountMsat, cltvExpiry: htlc.cltvExpiry });
  }

  /** Held HTLCs `HELD_HTLC_FAIL_BLOCKS` from their expiry are failed back: the offerer must never have to go on chain for them. */
  private failExpiringHeld(): void {
    for (const htlc of this.heldPayments()) {
      if (htlc.cltvExpiry - HELD_HTLC_FAIL_BLOCKS > this.safeHeight) continue;
      const entry = this.channels.get(keyOf(htlc.peer, htlc.handle))!;
      if (entry.onchain) continue;
      entry.channel.failHtlc(htlc.id, new TextEncoder().encode('held until too close to its expiry'));
      this.heldReported.delete(`${keyOf(htlc.peer, htlc.handle)}/${htlc.id}`);
      this.sendPendingUpdates(entry);
      this.emitEvent({ type: 'held_htlc_expired', peer: htlc.peer, paymentHash: htlc.paymentHash });
    }
  }

  // ---- the tower -----------------------------------------------------------------------

  /** Appointments not yet confirmed by the tower, oldest first: what to send when a path to the gateway exists. */
  pendingAppointments(): TaggedAppointment[] {
    return this.chainMonitor.tower.pending();
  }

  /** The tag the tower keeps a channel's appointments under (see node/monitor/tower-tag.ts). */
  towerTagOf(peer: string, handle: number): Uint8Array | undefined {
    const entry = this.channels.get(keyOf(peer, handle));
    return entry && towerTag(entry);
  }

  /** Every channel's tower tag and funding outpoint: what the node may reveal so that the tower keeps a channel's appointments exactly until its funding output is spent and buried. */
  channelsForTower(): { tag: Uint8Array; fundingTxid: string; fundingOutputIndex: number }[] {
    return this.chainMonitor.channelsForTower();
  }

  /** The tower signed a receipt for this appointment: it leaves the queue. */
  appointmentDelivered(locator: Uint8Array): void {
    this.chainMonitor.tower.delivered(locator);
  }

  // ---- the chain (rust-lightning's `Confirm`, see node/chain/chain-listener.ts) -------------
  // The chain monitor (node/monitor/chain-monitor.ts) does the chain's part; the manager runs it
  // inside its steps (saves first, then broadcasts and events) and acts on funding depth and heights.

  /** Transactions that touch our channels, confirmed at `height` (see `ChainMonitor.transactionsConfirmed`). */
  transactionsConfirmed(height: number, _blockHash: string, transactions: readonly Transaction[]): void {
    this.steps.run(() => this.chainMonitor.transactionsConfirmed(height, transactions));
  }

  /**
   * The tip moved: funding transactions deep enough open their channels,
   * the chain monitor acts on deadlines and claims, and HTLCs held for a
   * fresh height are settled.
   */
  bestBlockUpdated(height: number, _blockHash?: string): void {
    this.steps.run(() => {
      this.height = height;
      for (const entry of [...this.channels.values()]) {
        if (!entry.readySent && entry.fundingHeight !== undefined && !entry.onchain) {
          try {
            this.fundingConfirmed(entry.peer, entry.handle, height - entry.fundingHeight + 1);
          } catch (error) {
            this.emitEvent({ type: 'peer_error', peer: entry.peer, reason: `channel ${entry.handle} on chain: ${(error as Error).message}` });
          }
        }
      }
      this.chainMonitor.bestBlockUpdated(height);
      this.failExpiringHeld();
      this.settleHeldHtlcs();
    });
  }

  /** The block at `height` left the best chain: what confirmed there is unconfirmed, and will be broadcast again if due. */
  blockDisconnected(height: number): void {
    this.steps.run(() => {
      this.height = Math.min(this.height, height - 1);
      this.chainMonitor.blockDisconnected(height);
    });
  }

  /** A transaction seen before it confirmed (a mempool spend of a funding output): a revoked commitment is punished at once. */
  transactionUnconfirmedSeen(tx: Transaction): void {
    this.steps.run(() => this.chainMonitor.transactionSeen(tx));
  }

  /**
   * The chain view is up to date (true), or may be behind (false, while a
   * node back from away catches up): payments to us are settled only with
   * a fresh height, so that an HTLC that expired meanwhile is never
   * fulfilled.
   */
  setChainSynced(synced: boolean): void {
    this.chainSynced = synced;
    if (synced) this.settleHeldHtlcs();
  }

  /** A block with the transactions that matter to us: `transactionsConfirmed` then `bestBlockUpdated`. */
  blockConnected(height: number, transactions: readonly Transaction[]): void {
    this.transactionsConfirmed(height, '', transactions);
    this.bestBlockUpdated(Math.max(this.height, height));
  }

  /**
   * An upper bound of the chain's height from the node's clock while its
   * gateway is silent (see MeshNode): the height it last heard may be days
   * old. HTLCs are forwarded and settled only with room before their expiry
   * at the higher of the two, so that a node cut off from the chain never
   * offers or takes money on an HTLC that may have expired.
   */
  estimateHeight(height: number): void {
    this.heightEstimate = height;
  }

  private get safeHeight(): number {
    return Math.max(this.height, this.heightEstimate);
  }

  /** The chain's tip as the gateway last told it (see `ChainMonitor.chainTipSeen`). */
  chainTipSeen(height: number): void {
    this.chainMonitor.chainTipSeen(height);
  }

  /** The chain's height as far as this manager knows. */
  get chainHeight(): number {
    return this.height;
  }

  /** Whether every block matters now (see `ChainMonitor.needsEveryBlock`): the chain feed then sends each block at once. */
  needsEveryBlock(): boolean {
    return this.chainMonitor.needsEveryBlock(this.height + EVERY_BLOCK_WITHIN_BLOCKS);
  }

  /** The chain view shows a transaction (in a block or the mempool): if it is a revoked commitment, punish it. */
  transactionSeen(tx: Transaction): void {
    this.steps.run(() => this.chainMonitor.transactionSeen(tx));
  }

  /** Closes a channel alone: broadcasts our latest commitment; our claims follow block by block (`bestBlockUpdated`). */
  forceClose(peer: string, handle: number, reason = 'asked to'): void {
    this.steps.run(() => {
      const entry = this.channels.get(keyOf(peer, handle));
      if (!entry) throw new InvalidInputError('handle', `no channel ${handle} with ${peer}`);
      this.chainMonitor.forceClose(entry, reason);
    });
  }

  /**
   * An HTLC we offered is settled on chain: pass it upstream if we forwarded it (saved with this step), or tell the
   * payer (an event, which leaves after the save). Either is marked told (`told`): for the payer only once the event
   * has left, so that a crash before tells it again on resume.
   */
  private resolveOutgoing(entry: ChannelEntry, id: number, paymentHash: Uint8Array, preimage?: Uint8Array, reason = ''): void {
    const markTold = () => {
      const htlc = entry.onchain?.outgoing?.find((candidate) => candidate.id === id);
      if (!htlc || htlc.told) return;
      htlc.told = true;
      this.steps.save(entry);
    };
    if (entry.forwards.has(id)) {
      const link = entry.forwards.get(id)!;
      try {
        this.settleForwarded(entry, id, preimage, new TextEncoder().encode(reason));
      } catch (error) {
        this.emitEvent({ type: 'peer_error', peer: link.peer, reason: `settling HTLC ${link.id} upstream: ${(error as Error).message}` });
      }
      return markTold();
    }
    if (preimage) this.emitEvent({ type: 'payment_sent', paymentHash, paymentPreimage: preimage });
    else this.emitEvent({ type: 'payment_failed', paymentHash, reason });
    this.steps.release(markTold);
  }

  /** After a restart: the payments of ours resolved on chain whose outcome may have died with the process, told again. */
  private tellResolvedOnchain(entry: ChannelEntry): void {
    for (const htlc of entry.onchain?.outgoing ?? []) {
      if (!htlc.resolved || htlc.told) continue;
      this.resolveOutgoing(entry, htlc.id, htlc.paymentHash, htlc.resolved === 'fulfilled' ? htlc.preimage : undefined, 'resolved on chain');
    }
  }

  /** HTLCs they offered us, both commitments signed, that we are holding until our view of the chain is fresh. */
  private settleHeldHtlcs(): void {
    if (!this.chainSynced || this.heldHtlcs.size === 0) return;
    const held = [...this.heldHtlcs];
    this.heldHtlcs.clear();
    const forwarded = this.forwardedIncoming();
    for (const key of held) {
      const entry = this.channels.get(key);
      if (!entry || entry.onchain) continue;
      this.settleWaiting(entry, forwarded);
      this.sendPendingUpdates(entry);
    }
    this.refreshFees(); // a new policy (a new config) reaches the peers
  }

  /** Our latest commitment, signed: what a unilateral close broadcasts. */
  forceCloseTransaction(peer: string, handle: number): Transaction {
    const entry = this.channels.get(keyOf(peer, handle));
    if (!entry) throw new InvalidInputError('handle', `no channel ${handle} with ${peer}`);
    return entry.channel.signedLocalCommitment().tx;
  }

  private handleChannelEvent(entry: ChannelEntry, event: ChannelEvent): void {
    if (event.type === 'htlc_received' && !this.chainSynced) {
      // Settled or forwarded once our height is fresh: it may have expired while we were away.
      this.heldHtlcs.add(keyOf(entry.peer, entry.handle));
      return;
    }
    if (event.type === 'htlc_received') {
      if (event.destination && bytesToHex(event.destination) !== this.nodeId) this.forward(entry, { ...event, destination: event.destination });
      else this.settleIncoming(entry, event.id, event.paymentHash, event.amountMsat, event.cltvExpiry);
    } else if (event.type === 'htlc_fulfilled') {
      if (!this.settleForwarded(entry, event.id, event.paymentPreimage)) this.emitEvent({ type: 'payment_sent', paymentHash: event.paymentHash, paymentPreimage: event.paymentPreimage });
    } else if (event.type === 'htlc_failed') {
      if (!this.settleForwarded(entry, event.id, undefined, event.reason)) this.emitEvent({ type: 'payment_failed', paymentHash: event.paymentHash, reason: new TextDecoder().decode(event.reason) });
    }
  }

  private settleIncoming(entry: ChannelEntry, id: number, paymentHash: Uint8Array, amountMsat: number, cltvExpiry: number): void {
    const invoice = this.invoices.get(bytesToHex(paymentHash));
    // An HTLC that expires before the invoice asked (or before we could claim it on chain) must not get the preimage:
    // the payer would have the proof of payment and could still take the money back.
    // An invoice of the bridge's (`finalExpiryDelta`) is paid by an HTLC made later than the invoice, with less room: only the second rule applies.
    const finalExpiryDelta = invoice?.finalExpiryDelta ?? delaysFor(this.policy).finalExpiryDelta;
    const expiresTooSoon =
      invoice !== undefined && ((invoice.finalExpiryDelta === undefined && cltvExpiry < invoice.minFinalExpiry) || cltvExpiry < this.safeHeight + finalExpiryDelta / 2);
    if (invoice && expiresTooSoon) {
      entry.channel.failHtlc(id, new TextEncoder().encode('expiry too soon'));
    } else if (invoice && amountMsat >= invoice.amountMsat && (invoice.anyAmount || amountMsat <= 2 * invoice.amountMsat)) {
      entry.channel.fulfillHtlc(id, invoice.preimage);
      this.steps.save(entry);
      this.invoices.delete(bytesToHex(paymentHash));
      this.components.persister.remove('invoice', bytesToHex(paymentHash));
      this.emitEvent({ type: 'payment_received', paymentHash, amountMsat, cltvExpiry });
    } else if (!invoice && this.init.holdUnknownPayments) {
      this.hold(entry, { peer: entry.peer, handle: entry.handle, id, paymentHash, amountMsat, cltvExpiry });
    } else {
      // BOLT 4: more than twice the amount asked is refused too (a payer that far off is mistaken).
      const reason = !invoice ? 'unknown payment' : amountMsat < invoice.amountMsat ? 'amount too small' : 'amount more than twice the request';
      entry.channel.failHtlc(id, new TextEncoder().encode(reason));
    }
    this.steps.save(entry);
  }

  // ---- plumbing ---------------------------------------------------------------------

  private channelFor(opening: Opening, fundingOutpoint: { txid: string; vout: number }): Channel {
    return openChannel(
      {
        variant: this.init.channelType ?? 'anchors',
        localIsFunder: opening.localIsFunder,
        fundingOutpoint,
        fundingSatoshis: opening.fundingSatoshis,
        pushMsat: opening.pushMsat,
        feeratePerKw: opening.feeratePerKw,
        local: opening.local,
        remote: opening.remote!,
        remoteFirstPerCommitmentPoint: opening.remoteFirstPoint!,
      },
      this.components.signer.channelSigner(opening.channelIndex),
    );
  }

  private adopt(opening: Opening, channel: Channel): ChannelEntry {
    const entry = newEntry(opening, channel);
    this.openings.delete(keyOf(opening.peer, opening.handle));
    this.channels.set(keyOf(opening.peer, opening.handle), entry);
    this.steps.save(entry);
    this.chainMonitor.add(entry);
    this.chainMonitor.watchFunding(entry);
    return entry;
  }

  /** Sends the channel's pending updates (its next `update` message, see `Channel.flush`), after saving the state that produced them. */
  private sendPendingUpdates(entry: ChannelEntry): void {
    const message = entry.channel.flush();
    if (!message) return;
    const update = { ...message, handle: entry.handle };
    // Kept (and saved with the state that produced it) to send again after a restart: the peer ignores what it already has.
    entry.outbox = [...entry.outbox, update].slice(-RESENT_AFTER_RESTART);
    this.send(entry.peer, update, entry);
  }

  /** Encodes and sends, saving the channel first when the message belongs to one. */
  private send(peer: string, message: Message, entry?: ChannelEntry): void {
    const bytes = encodeMessage(message);
    if (entry) this.steps.save(entry);
    this.steps.release(() => this.components.messenger.send(peer, bytes));
  }

  private broadcast(tx: Transaction): void {
    this.steps.release(() => this.components.broadcaster.broadcast(tx));
  }

  private write(entry: ChannelEntry): void {
    this.components.persister.saveChannel(keyOf(entry.peer, entry.handle), recordOfEntry(entry, this.chainMonitor.breachesOf(entry)));
  }

  private refuse(peer: string, handle: number, reasons: string[]): void {
    this.openings.delete(keyOf(peer, handle));
    this.emitEvent({ type: 'channel_refused', peer, handle, reasons });
    this.send(peer, { type: 'error', handle, message: new TextEncoder().encode(`channel refused: ${reasons.join('; ')}`.slice(0, 1000)) });
  }

  private checkOpened(entry: ChannelEntry): void {
    if (!entry.readySent || !entry.readyReceived) return;
    this.emitEvent({ type: 'channel_opened', peer: entry.peer, handle: entry.handle });
    this.refreshFees(); // the new channel's peer learns our fees, the others what it costs to reach through it
  }

  // ---- forwarding fees (node/channel/fee-quotes.ts) ----------------------------------

  /** The peer's fees and quotes: kept (saved with the channel), and our quotes to the other peers follow. */
  private handleFeeUpdate(peer: string, message: FeeUpdate): void {
    const entry = this.channels.get(keyOf(peer, message.handle));
    if (!entry) throw new PeerProtocolError('fee_update for an unknown channel');
    entry.peerFees = peerFeesOf(message);
    this.steps.save(entry);
    this.refreshFees();
  }

  /** Sends our `fee_update` to the peer of each channel we said is ready, where it differs from what we told it last. */
  private refreshFees(): void {
    const channels = [...this.channels.values()];
    const open = channels.filter((entry) => entry.readySent && !entry.onchain && !entry.shutdown);
    if (open.length === 0) return;
    // Each peer's walk over the table asks the channel towards each destination: found in this list, nothing made.
    const sorted = (this.sortedDestinations ??= [...this.routes.destinations()].sort());
    const nextHopTowards = (destination: string) => openChannelAmong(channels, this.routes, destination);
    for (const entry of open) {
      const update = feeUpdateFromSorted(this.forwardingFee, entry.peer, sorted, nextHopTowards);
      const key = feeUpdateKey(update);
      if (entry.feesSent === key) continue;
      entry.feesSent = key;
      this.send(entry.peer, { ...update, handle: entry.handle }, entry);
    }
  }

  private emitEvent(event: ManagerEvent): void {
    this.steps.release(() => this.emit('event', event));
  }
}






/** Something due within this many blocks makes the node take every block at once (else a few at a time, idle). */
const EVERY_BLOCK_WITHIN_BLOCKS = 12;
/** Update messages kept per channel to send again after a restart: more than can be in flight at once. */
const RESENT_AFTER_RESTART = 8;
/** The highest update_fee feerate accepted by default: 200 sat/vbyte. */
const DEFAULT_MAX_FEERATE_PER_KW = 50_000;

/**
 * The channel ready for payments towards `destination`: the one with it, else
 * the one with the route table's next hop for it. Without copying the channel
 * list: quoting fees asks this for hundreds of destinations at a time.
 */
function openChannelAmong(channels: Iterable<ChannelEntry>, routes: StaticRoutes, destination: string): ChannelEntry | undefined {
  const route = routes.explicitRoute(destination) ?? routes.defaultRoute;
  let withDestination = false;
  let direct: ChannelEntry | undefined;
  let routed: ChannelEntry | undefined;
  for (const entry of channels) {
    const ready = entry.readySent && entry.readyReceived && !entry.shutdown;
    if (entry.peer === destination) {
      withDestination = true; // a channel with the destination itself is the way, ready or not yet
      if (ready) direct ??= entry;
    } else if (entry.peer === route && ready) routed ??= entry;
  }
  return withDestination ? direct : routed;
}

function keyOf(peer: string, handle: number): string {
  return `${peer}/${handle}`;
}

function hexToPoint(hex: string): Uint8Array {
  if (typeof hex !== 'string' || !/^[0-9a-f]{66}$/.test(hex)) throw new InvalidInputError('peer', 'expected a node id: 66 lower-case hex digits');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

