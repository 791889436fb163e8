/**
 * The `ChannelManager`: every channel of a node, with every peer.
 *
 * It turns the node's requests (open, pay, receive) into channel messages,
 * routes each incoming message to its channel by (peer, handle), persists
 * a channel before anything it produced leaves the node, and reports what
 * happened as events. It does not know how bytes travel: it is given a
 * `Messenger` (LoRa, serial, MQTT or in-memory, through the link layer).
 *
 * Components are passed in, as in rust-lightning; a missing one is an error
 * at construction, not a crash later.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js';
import { feeForWeight } from '../bolt3/fees.js';
import { fundingOutputScript } from '../bolt3/funding.js';
import { type Outpoint, Transaction } from '../bolt3/transaction.js';
import type { ChainFilter, ChainListener } from '../chain/chain-listener.js';
import { type FeeEstimator, ObservedFeerates } from '../chain/fee-estimator.js';
import { htlcDeadline, offeredHtlcOverdue, receivedHtlcClaimDue } from '../monitor/deadlines.js';
import { justiceFor, secondStageJustice } from '../monitor/claims.js';
import { ChannelMonitor, type OnchainSummary, onchainSummary } from '../monitor/channel-monitor.js';
import { spentOutpoint } from '../monitor/outpoints.js';
import { type Appointment, type JusticeData, createAppointment } from '../tower/appointment.js';
import { MAX_FUNDING_SATOSHIS, MIN_DUST_LIMIT_SATOSHIS, MIN_FEERATE_PER_KW, MIN_FUNDING_SATOSHIS } from '../core/bolt-limits.js';
import { InvalidInputError, checkInteger } from '../core/input.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { checkPublicKey, isPublicKey } from '../core/curve.js';
import type { Messenger } from '../core/messenger.js';
import type { Signer } from '../keys/signer.js';
import type { Invoice, OnchainResolution, Persister } from '../persist/persister.js';
import { DecodeError, type ChannelOffer, type ChannelUpdate, type Message, decodeMessage, encodeMessage } from '../wire/messages.js';
import { Channel, type ChannelEvent, type ChannelSide, type ChannelState, type RemoteCommit } from './channel.js';
import { ChannelError, ChannelStateError } from './errors.js';
import { openChannel } from './open.js';
import { type ChannelPolicy, channelPolicy, channelRefusals, delaysFor } from './policy.js';
import { channelReserveSatoshis } from './reserve.js';


/** The node's wallet: builds and signs a funding transaction for the 2-of-2 of these keys (see `buildFundingTransaction`). */
export interface FundingWallet {
  fund(request: { localFundingPubkey: Uint8Array; remoteFundingPubkey: Uint8Array; satoshis: number; feeratePerKw: number }): { tx: Transaction; outputIndex: number };
  /** Where justice transactions and sweeps pay: an output script of the wallet. */
  sweepScript(): Uint8Array;
  /**
   * Pays the fee of a transaction that carries none (an anchors HTLC
   * transaction): adds P2WPKH coins of the wallet and a change output, and
   * signs them (see `addFeeInputs`). `baseWeight` is the transaction's weight as it is, signed.
   */
  payFee(tx: Transaction, baseWeight: number, feeratePerKw: number): void;
}

/** Hands a fully signed transaction to the Bitcoin network (through the gateway). */
export interface Broadcaster {
  broadcast(tx: Transaction): void;
}

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
  /** Feerate of the justice transactions signed in advance for revoked commitments. Default 2500 (10 sat/vbyte). */
  readonly justiceFeeratePerKw?: number;
  /**
   * The highest commitment feerate we accept from a funder (update_fee).
   * Default 50,000 sat/kw (200 sat/vbyte): a peer cannot burn our balance in fees.
   */
  readonly maxFeeratePerKw?: number;
  /** The static route table: destination node id (hex) to the neighbour (hex) that leads there. Direct peers need no entry. */
  readonly routes?: Readonly<Record<string, string>>;
  /**
   * Channels on the static path to a destination (hex), when more than two:
   * the expiry of a payment leaves each forwarding node its delta. A routed
   * destination without an entry is assumed two channels away (one forwarder).
   */
  readonly routeLengths?: Readonly<Record<string, number>>;
}

export type ManagerEvent =
  | { readonly type: 'channel_opened'; readonly peer: string; readonly handle: number }
  | { readonly type: 'channel_closed'; readonly peer: string; readonly handle: number; readonly closingTx: Transaction }
  /** A commitment is on its way to the chain (`ours`: we broadcast it); claims follow as their time comes. */
  | {
      readonly type: 'channel_force_closed';
      readonly peer: string;
      readonly handle: number;
      readonly ours: boolean;
      readonly commitmentTxid: string;
      readonly reason: string;
      /** What of ours the commitment on chain carries: our balance in it, and the HTLCs in it we offered or can claim. */
      readonly stakeMsat: number;
    }
  /** An HTLC of ours resolved on chain the other way than our balance expected: `claimed` by the counterparty with its preimage, or `won` by us with a preimage learned after the close. */
  | { readonly type: 'htlc_resolved_onchain'; readonly peer: string; readonly handle: number; readonly paymentHash: Uint8Array; readonly amountMsat: number; readonly outcome: 'claimed' | 'won' }
  /** A claim of ours confirmed: its output is the wallet's. */
  | { readonly type: 'funds_spendable'; readonly peer: string; readonly handle: number; readonly description: string; readonly txid: string; readonly satoshis: number }
  | { readonly type: 'channel_refused'; readonly peer: string; readonly handle: number; readonly reasons: readonly string[] }
  /** We released the preimage of an HTLC to us, expiring at `cltvExpiry`. */
  | { readonly type: 'payment_received'; readonly paymentHash: Uint8Array; readonly amountMsat: number; readonly cltvExpiry: number }
  | { readonly type: 'payment_sent'; readonly paymentHash: Uint8Array; readonly paymentPreimage: Uint8Array }
  | { readonly type: 'payment_failed'; readonly paymentHash: Uint8Array; readonly reason: string }
  | { readonly type: 'peer_error'; readonly peer: string; readonly reason: string }
  /** A revoked commitment's appointment, for the gateway's watchtower. */
  | { readonly type: 'appointment'; readonly peer: string; readonly handle: number; readonly appointment: TaggedAppointment }
  /** A revoked commitment reached the chain: the justice transaction was handed to the broadcaster. */
  | { readonly type: 'breach'; readonly peer: string; readonly handle: number; readonly breachTxid: string; readonly justice: Transaction };

/** A channel as `channelSummaries` lists it. */
export type { ClaimSummary, OnchainSummary } from '../monitor/channel-monitor.js';

export interface ChannelSummary {
  readonly peer: string;
  readonly handle: number;
  /** negotiating, then awaiting_funding (confirmations), open, closing (shutdown sent or received), closed, or force_closed (a commitment on chain). */
  readonly status: 'negotiating' | 'awaiting_funding' | 'open' | 'closing' | 'closed' | 'force_closed';
  readonly capacitySatoshis: number;
  readonly localMsat: number;
  readonly remoteMsat: number;
  readonly pendingHtlcs: number;
  readonly localIsFunder: boolean;
  readonly fundingTxid?: string;
  readonly minimumDepth?: number;
  /** Once the funding output is spent: how, and where each of our claims on it stands. */
  readonly onchain?: OnchainSummary;
}

/** An appointment with the per-channel tag the tower files it under. */
export type TaggedAppointment = Appointment & { readonly tag: Uint8Array };

const TOWER_TAG_DOMAIN = new TextEncoder().encode('lnmesh/tower-tag/1');
const TOWER_TAG_BYTES = 16;

/** A request for a payment to this node. */
export interface PaymentRequest {
  readonly paymentHash: Uint8Array;
  readonly amountMsat: number;
  /** The HTLC must not expire before this block height. */
  readonly minFinalExpiry: number;
  readonly payee: Uint8Array;
}

interface Opening {
  readonly peer: string;
  readonly handle: number;
  readonly localIsFunder: boolean;
  readonly channelIndex: number;
  readonly fundingSatoshis: number;
  readonly pushMsat: number;
  readonly feeratePerKw: number;
  readonly local: ChannelSide;
  remote?: ChannelSide;
  remoteFirstPoint?: Uint8Array;
  minimumDepth: number;
  fundingTx?: Transaction;
}

interface Managed {
  readonly peer: string;
  readonly handle: number;
  readonly channelIndex: number;
  readonly channel: Channel;
  /** Signed justice transactions by revoked commitment txid (internal order, hex). */
  remedies: Map<string, Uint8Array[]>;
  /** The last update messages sent on this channel, sent again on `resume` (duplicates are ignored by sequence). */
  outbox: ChannelUpdate[];
  /** HTLCs we offered here to forward a payment, by id: the incoming HTLC each pays for. Saved with the channel. */
  forwards: Map<number, { peer: string; handle: number; id: number }>;
  /** After a unilateral close: what is on chain, and our claims. */
  onchain?: OnchainResolution;
  /** Cooperative close: both shutdown scripts, the fee we last offered, and whether it is done. */
  shutdown?: { local?: Uint8Array; remote?: Uint8Array; offeredFee?: number; closed?: boolean };
  readySent: boolean;
  readyReceived: boolean;
  minimumDepth: number;
  /** The height of the block that confirmed the funding transaction, once the chain said so. */
  fundingHeight?: number;
  /** A reorg took the funding transaction out of the chain after the channel was open: it is closed unless the new branch confirms it again. */
  fundingReorged?: boolean;
}

export class ChannelManager extends EventEmitter<{ event: [ManagerEvent] }> implements ChainListener {
  readonly nodeId: string;
  private readonly policy: ChannelPolicy;
  private readonly openings = new Map<string, Opening>();
  /** Funder side: channels built and signed for, waiting for the peer's funding_signed. */
  private readonly pendingChannels = new Map<string, Channel>();
  private readonly channels = new Map<string, Managed>();
  /** While a `step` runs: what it sends, broadcasts and emits, held until its saves are durable. */
  private held: (() => void)[] | undefined;
  /** Each channel's monitor (its on-chain half), made when first needed. */
  private readonly monitors = new WeakMap<Managed, ChannelMonitor>();
  /** While a `step` runs: the channels it changed, saved once when it ends. */
  private unsaved: Set<Managed> | undefined;
  /** Preimages of payments this node asked for, by payment hash (hex). */
  private invoices = new Map<string, Invoice>();
  /** Revoked commitments seen on chain, by txid (internal order, hex): their second-stage transactions are punished too. */
  private readonly breaches = new Map<string, { managed: Managed; tx: Transaction }>();
  /** The chain's height as the chain view last told it (0 until then). */
  private height = 0;
  /** Whether `height` is fresh (see `setChainSynced`); HTLCs to us wait while it is not. */
  private chainSynced = true;
  /** The chain's height as the node's clock puts it, at most (`estimateHeight`). */
  private heightEstimate = 0;
  /** Channels with HTLCs to us held until the chain view is fresh. */
  private readonly heldHtlcs = new Set<string>();
  /** The gateway's latest fee estimate, for claims. */
  /** The gateway's estimates, read by the default fee estimator. */
  private readonly observedFeerates: ObservedFeerates;
  private readonly fees: FeeEstimator;
  private nextChannelIndex = 0;
  private nextHandle = 0;


  constructor(
    private readonly components: ChannelManagerComponents,
    private readonly init: ChannelManagerInit,
  ) {
    super();
    for (const name of ['signer', 'persister', 'messenger', 'wallet', 'broadcaster'] as const) {
      if (!components?.[name]) throw new InvalidInputError(`components.${name}`, 'missing: the channel manager needs it');
    }
    checkInteger('network', init.network, 0, 255);
    for (const [destination, length] of Object.entries(init.routeLengths ?? {})) checkInteger(`routeLengths[${JSON.stringify(destination)}]`, length, 2, 64);
    this.policy = channelPolicy(init.policy);
    this.observedFeerates = new ObservedFeerates(init);
    this.fees = components.feeEstimator ?? this.observedFeerates;
    this.nodeId = bytesToHex(components.signer.nodeId);
    this.restore();
  }

  /** Takes up every channel the persister holds, as it was saved. */
  private restore(): void {
    const persister = this.components.persister;
    const counters = persister.getAll('counter');
    this.nextChannelIndex = counters.get('nextChannelIndex') ?? 0;
    this.nextHandle = counters.get('nextHandle') ?? 0;
    this.invoices = persister.getAll('invoice');
    // Remedies by channel, read once: a channel that made many payments has many.
    const remediesOf = new Map<string, [string, Uint8Array[]][]>();
    for (const [hash, remedy] of persister.getAll('remedy')) {
      if (!remediesOf.has(remedy.channel)) remediesOf.set(remedy.channel, []);
      remediesOf.get(remedy.channel)!.push([hash, [...remedy.justice]]);
    }
    for (const [id, record] of persister.loadChannels()) {
      const meta = record.meta;
      if (!meta) throw new InvalidInputError(`channel ${id}`, 'saved without its peer and handle');
      const channel = new Channel(record.state, this.components.signer.channelSigner(meta.channelIndex));
      const remedies = new Map<string, Uint8Array[]>((record.remedies ?? []).map((remedy) => [bytesToHex(remedy.breachTxHash), [...remedy.justice]]));
      for (const [hash, justice] of remediesOf.get(id) ?? []) remedies.set(hash, justice);
      const managed: Managed = {
        peer: meta.peer,
        handle: meta.handle,
        channelIndex: meta.channelIndex,
        channel,
        remedies,
        outbox: [...record.outbox],
        forwards: new Map((meta.forwards ?? []).map(({ outgoingId, peer, handle, id }) => [outgoingId, { peer, handle, id }])),
        ...(meta.onchain && { onchain: structuredClone(meta.onchain) }),
        readySent: meta.readySent,
        readyReceived: meta.readyReceived,
        minimumDepth: meta.minimumDepth,
        ...(meta.fundingHeight !== undefined && { fundingHeight: meta.fundingHeight }),
        ...(meta.fundingReorged && { fundingReorged: true }),
        ...(meta.shutdown && { shutdown: { ...meta.shutdown } }),
      };
      this.channels.set(keyOf(meta.peer, meta.handle), managed);
      for (const raw of meta.breaches ?? []) {
        const tx = Transaction.fromBuffer(raw);
        this.breaches.set(bytesToHex(tx.getHash()), { managed, tx });
      }
    }
  }

  /** Asks the chain feed for the funding transaction's confirmation and the funding output's spend. */
  private watchFunding(managed: Managed): void {
    const funding = managed.channel.state.fundingOutpoint;
    this.components.chainFilter?.watchTransaction(funding.txid);
    this.components.chainFilter?.watchOutput(funding);
  }

  /**
   * After a restart (call once listeners are attached): settles what a crash
   * interrupted. HTLCs committed to us that are neither settled nor
   * forwarded get settled or forwarded now; settlements received for HTLCs
   * we forwarded are passed upstream now; then every channel sends what it owes.
   */
  resume(): void {
    const forwarded = this.forwardedIncoming();
    for (const managed of this.channels.values()) {
      if (!managed.onchain && !managed.shutdown?.closed) this.watchFunding(managed); // repeats are harmless
      if (managed.onchain) continue;
      // What we sent last may have died with the process: send it again (the peer drops what it already has).
      for (const message of managed.outbox) this.components.messenger.send(managed.peer, encodeMessage(message));
      for (const settlement of managed.channel.settlementsReceived()) {
        if (managed.forwards.has(settlement.id)) this.settleForwarded(managed, settlement.id, settlement.paymentPreimage, settlement.reason);
      }
      this.settleWaiting(managed, forwarded);
      this.commit(managed);
    }
  }

  /** The incoming HTLCs (`peer/handle/id`) that we forwarded: their outgoing side settles them. */
  private forwardedIncoming(): Set<string> {
    return new Set([...this.channels.values()].flatMap((managed) => [...managed.forwards.values()].map((link) => `${keyOf(link.peer, link.handle)}/${link.id}`)));
  }

  /** Settles or forwards the HTLCs they offered on `managed`, committed on both sides, that are neither settled nor forwarded yet. */
  private settleWaiting(managed: Managed, forwarded: ReadonlySet<string>): void {
    for (const htlc of managed.channel.htlcsToSettle()) {
      if (forwarded.has(`${keyOf(managed.peer, managed.handle)}/${htlc.id}`)) continue;
      this.handleChannelEvent(managed, { type: 'htlc_received', ...htlc });
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
      .filter((managed) => !managed.readySent && !managed.onchain)
      .map((managed) => ({ peer: managed.peer, handle: managed.handle, fundingTxid: managed.channel.state.fundingOutpoint.txid, minimumDepth: managed.minimumDepth }));
  }

  /** The chain view reports the funding transaction of `peer`'s channel `handle` buried `depth` deep. */
  fundingConfirmed(peer: string, handle: number, depth: number): void {
    const managed = this.channels.get(keyOf(peer, handle));
    if (!managed || managed.readySent || depth < managed.minimumDepth) return;
    managed.readySent = true;
    this.save(managed);
    this.send(peer, { type: 'channel_ready', handle, secondPerCommitmentPoint: managed.channel.channelReadyPoint() });
    this.checkOpened(managed);
  }

  /** `feeratePerKw`: the first commitments' feerate, which the funder chooses. */
  private newOpening(peer: string, handle: number, localIsFunder: boolean, fundingSatoshis: number, pushMsat: number, feeratePerKw: number): Opening {
    // Saved before the keys are used: a channel index, and so its keys, is never given out twice.
    const channelIndex = this.nextChannelIndex++;
    this.components.persister.put('counter', 'nextChannelIndex', this.nextChannelIndex);
    const signer = this.components.signer.channelSigner(channelIndex);
    const delays = delaysFor(this.policy);
    const local: ChannelSide = {
      dustLimitSatoshis: this.init.dustLimitSatoshis ?? MIN_DUST_LIMIT_SATOSHIS,
      channelReserveSatoshis: channelReserveSatoshis(fundingSatoshis),
      htlcMinimumMsat: this.init.htlcMinimumMsat ?? 1000,
      maxHtlcValueInFlightMsat: fundingSatoshis * 1000,
      maxAcceptedHtlcs: this.init.maxAcceptedHtlcs ?? 30,
      toSelfDelay: delays.toSelfDelay,
      publicKeys: signer.publicKeys,
    };
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

  private offer(opening: Opening): ChannelOffer {
    const keys = opening.local.publicKeys;
    return {
      handle: opening.handle,
      network: this.init.network,
      dustLimitSatoshis: opening.local.dustLimitSatoshis,
      channelReserveSatoshis: opening.local.channelReserveSatoshis,
      htlcMinimumMsat: opening.local.htlcMinimumMsat,
      maxHtlcValueInFlightMsat: opening.local.maxHtlcValueInFlightMsat,
      maxAcceptedHtlcs: opening.local.maxAcceptedHtlcs,
      toSelfDelay: opening.local.toSelfDelay,
      cltvExpiryDelta: delaysFor(this.policy).cltvExpiryDelta,
      keys: concatBytes(keys.fundingPubkey, keys.revocationBasepoint, keys.paymentBasepoint, keys.delayedPaymentBasepoint, keys.htlcBasepoint),
      firstPerCommitmentPoint: this.components.signer.channelSigner(opening.channelIndex).perCommitmentPoint(0),
      channelType: this.init.channelType ?? 'anchors',
    };
  }

  /** The parity of the handles we choose with `peer`. */
  private handleParity(peer: string): number {
    return this.nodeId < peer ? 0 : 1;
  }

  /** Their side of a channel from their offer, or the reasons to refuse it. */
  private remoteSide(offer: ChannelOffer, opening: Opening): ChannelSide | string[] {
    const reasons = channelRefusals(this.policy, {
      ourToSelfDelay: opening.local.toSelfDelay,
      theirToSelfDelay: offer.toSelfDelay,
      theirCltvExpiryDelta: offer.cltvExpiryDelta,
      finalExpiryDelta: delaysFor(this.policy).finalExpiryDelta,
    });
    if (offer.network !== this.init.network) reasons.push(`the peer is on network ${offer.network}, we are on ${this.init.network}`);
    if (offer.channelType !== (this.init.channelType ?? 'anchors')) reasons.push(`the peer wants a ${offer.channelType} channel`);
    if (offer.dustLimitSatoshis < MIN_DUST_LIMIT_SATOSHIS) reasons.push(`dust limit of ${offer.dustLimitSatoshis} sat is below ${MIN_DUST_LIMIT_SATOSHIS}`);
    // A large dust limit would let the peer trim our outputs (and our closing output) into fees.
    if (offer.dustLimitSatoshis > MAX_DUST_LIMIT_SATOSHIS) reasons.push(`dust limit of ${offer.dustLimitSatoshis} sat is above the ${MAX_DUST_LIMIT_SATOSHIS} we accept`);
    if (offer.channelReserveSatoshis < offer.dustLimitSatoshis) reasons.push('a channel reserve below the dust limit');
    if (offer.maxAcceptedHtlcs < 1) reasons.push('max_accepted_htlcs of 0: no payment could ever move');
    const keys = Array.from({ length: 5 }, (_, i) => offer.keys.slice(i * 33, i * 33 + 33));
    if (!keys.every(isPublicKey) || !isPublicKey(offer.firstPerCommitmentPoint)) reasons.push('a key is not a valid point');
    if (reasons.length > 0) return reasons;
    return {
      dustLimitSatoshis: offer.dustLimitSatoshis,
      channelReserveSatoshis: offer.channelReserveSatoshis,
      htlcMinimumMsat: offer.htlcMinimumMsat,
      maxHtlcValueInFlightMsat: offer.maxHtlcValueInFlightMsat,
      maxAcceptedHtlcs: offer.maxAcceptedHtlcs,
      toSelfDelay: offer.toSelfDelay,
      publicKeys: { fundingPubkey: keys[0]!, revocationBasepoint: keys[1]!, paymentBasepoint: keys[2]!, delayedPaymentBasepoint: keys[3]!, htlcBasepoint: keys[4]! },
    };
  }

  // ---- payments -----------------------------------------------------------------

  /** A request for `amountMsat` to this node; its preimage stays here. */
  receive(amountMsat: number, currentHeight: number): PaymentRequest {
    checkInteger('amountMsat', amountMsat, 1, Number.MAX_SAFE_INTEGER);
    checkInteger('currentHeight', currentHeight, 0, 499_999_999);
    const preimage = (this.components.randomBytes ?? ((n: number) => new Uint8Array(randomBytes(n))))(32);
    const paymentHash = sha256(preimage);
    const minFinalExpiry = currentHeight + delaysFor(this.policy).finalExpiryDelta;
    this.invoices.set(bytesToHex(paymentHash), { preimage, amountMsat, minFinalExpiry });
    this.components.persister.put('invoice', bytesToHex(paymentHash), { preimage, amountMsat, minFinalExpiry });
    return { paymentHash, amountMsat, minFinalExpiry, payee: this.components.signer.nodeId };
  }

  /** Pays a request of a direct peer over the channel `handle`. */
  pay(peer: string, handle: number, request: PaymentRequest): void {
    this.step(() => {
      const managed = this.channels.get(keyOf(peer, handle));
      if (!managed || !managed.readySent || !managed.readyReceived) throw new InvalidInputError('handle', `no open channel ${handle} with ${peer}`);
      if (managed.shutdown) throw new ChannelStateError(`channel ${handle} with ${peer} is closing`);
      managed.channel.addHtlc(request.amountMsat, request.paymentHash, request.minFinalExpiry);
      this.commit(managed);
    });
  }

  /**
   * Pays a request anywhere the static route table reaches: over a channel
   * with the payee, or with the neighbour that leads to it, which forwards.
   * The expiry leaves each forwarding node its delta: one forwarder, or as
   * many as `routeLengths` says the path has.
   */
  payRequest(request: PaymentRequest): void {
    this.payRequests([request]);
  }

  /**
   * Pays several requests at once: their HTLCs travel together, under one
   * commitment signature per channel, which on a radio link costs far less
   * airtime than one exchange each. A request that cannot be paid (no
   * route, not affordable) throws before any of them is sent; the ones
   * added before it are taken back.
   */
  payRequests(requests: readonly PaymentRequest[]): void {
    this.step(() => {
      const touched = new Set<Managed>();
      const snapshots = new Map<Managed, ChannelState>();
      try {
        for (const request of requests) {
          const payee = bytesToHex(request.payee);
          const managed = this.openChannelTowards(payee);
          if (!managed) throw new InvalidInputError('payee', `no channel leads to ${payee}: no open channel with it, and no route`);
          if (!snapshots.has(managed)) snapshots.set(managed, managed.channel.state);
          const direct = managed.peer === payee;
          const forwarders = direct ? 0 : Math.max(1, (this.init.routeLengths?.[payee] ?? 2) - 1);
          const expiry = request.minFinalExpiry + forwarders * delaysFor(this.policy).cltvExpiryDelta;
          managed.channel.addHtlc(request.amountMsat, request.paymentHash, expiry, direct ? undefined : request.payee);
          touched.add(managed);
        }
      } catch (error) {
        for (const [managed, state] of snapshots) managed.channel.restoreState(state);
        throw error;
      }
      for (const managed of touched) this.commit(managed);
    });
  }

  /** An open channel with `destination`, or with the neighbour the route table names for it, that is not closing. */
  private openChannelTowards(destination: string): Managed | undefined {
    const nextHop = [destination, this.init.routes?.[destination]].find((peer) => peer && [...this.channels.values()].some((m) => m.peer === peer));
    return [...this.channels.values()].find((m) => m.peer === nextHop && m.readySent && m.readyReceived && !m.shutdown);
  }

  /** An HTLC for someone else: offer it onward, and settle this one when that one settles. */
  private forward(incoming: Managed, id: number, amountMsat: number, paymentHash: Uint8Array, cltvExpiry: number, destination: Uint8Array): void {
    const destinationHex = bytesToHex(destination);
    const outgoing = this.openChannelTowards(destinationHex);
    const outgoingExpiry = cltvExpiry - delaysFor(this.policy).cltvExpiryDelta;
    try {
      if (!outgoing) throw new ChannelStateError(`no route to ${destinationHex}`);
      if (outgoingExpiry <= this.safeHeight) throw new ChannelStateError(`the HTLC expires at ${cltvExpiry}, too soon to forward with our delta of ${delaysFor(this.policy).cltvExpiryDelta} blocks`);
      const outId = outgoing.channel.addHtlc(amountMsat, paymentHash, outgoingExpiry, outgoing.peer === destinationHex ? undefined : destination);
      outgoing.forwards.set(outId, { peer: incoming.peer, handle: incoming.handle, id });
      this.commit(outgoing); // saves the link with the outgoing channel before the HTLC leaves
    } catch (error) {
      incoming.channel.failHtlc(id, new TextEncoder().encode(`cannot forward: ${(error as Error).message}`.slice(0, 256)));
      this.save(incoming);
    }
  }

  /** One of our outgoing HTLCs settled: if we forwarded it, settle the incoming one the same way. */
  private settleForwarded(outgoing: Managed, outId: number, preimage: Uint8Array | undefined, reason?: Uint8Array): boolean {
    const link = outgoing.forwards.get(outId);
    if (!link) return false;
    const incoming = this.channels.get(keyOf(link.peer, link.handle));
    if (incoming?.onchain) {
      // Upstream is on chain: the preimage is claimed there (the claim written before the link goes); a failure needs nothing, the HTLC expires there.
      if (preimage) this.monitorOf(incoming).claimLate(preimage);
    } else if (incoming) {
      // Settle upstream first and save it: a crash after this leaves the link for a retry, never a lost preimage.
      if (preimage) incoming.channel.fulfillHtlc(link.id, preimage);
      else incoming.channel.failHtlc(link.id, reason ?? new Uint8Array(0));
      this.commit(incoming);
      this.save(incoming);
    }
    outgoing.forwards.delete(outId);
    this.save(outgoing);
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
    for (const managed of this.channels.values()) {
      const state = managed.channel.state;
      if (!state.localIsFunder || managed.onchain || managed.shutdown || !managed.readyReceived) continue;
      if (state.localCommit.spec.feeratePerKw === feeratePerKw) continue;
      try {
        managed.channel.updateFee(feeratePerKw);
        this.commit(managed);
      } catch (error) {
        refused.push(`channel ${managed.handle} with ${managed.peer}: ${(error as Error).message}`);
      }
    }
    return refused;
  }

  /**
   * Closes a channel cooperatively: shutdown, then (once no HTLC is pending)
   * a fee negotiation, then the closing transaction goes to the broadcaster.
   */
  close(peer: string, handle: number): void {
    const managed = this.channels.get(keyOf(peer, handle));
    if (!managed) throw new InvalidInputError('handle', `no channel ${handle} with ${peer}`);
    this.sendShutdown(managed);
    this.negotiateClose(managed);
  }

  private sendShutdown(managed: Managed): void {
    managed.shutdown ??= {};
    if (managed.shutdown.local) return;
    managed.shutdown.local = this.components.wallet.sweepScript();
    this.send(managed.peer, { type: 'shutdown', handle: managed.handle, scriptPubKey: managed.shutdown.local }, managed);
  }

  /** The funder opens the fee negotiation once both sides have sent shutdown and nothing is pending. */
  private negotiateClose(managed: Managed): void {
    const shutdown = managed.shutdown;
    if (!shutdown?.local || !shutdown.remote || shutdown.closed || shutdown.offeredFee !== undefined) return;
    if (!managed.channel.state.localIsFunder || !managed.channel.isQuiet()) return;
    this.offerClosingFee(managed, this.idealClosingFee(managed));
  }

  private idealClosingFee(managed: Managed): number {
    const { local, remote } = managed.shutdown!;
    return feeForWeight(this.fees.feeratePerKw('commitment'), managed.channel.closingWeight(local!, remote!));
  }

  private offerClosingFee(managed: Managed, feeSatoshis: number): void {
    const { local, remote } = managed.shutdown!;
    managed.shutdown!.offeredFee = feeSatoshis;
    const signature = managed.channel.signClosing(local!, remote!, feeSatoshis);
    this.send(managed.peer, { type: 'closing_signed', handle: managed.handle, feeSatoshis, signature }, managed);
  }

  /** Each channel's balances, and the feerate its current commitment pays. */
  balances(): { peer: string; handle: number; localMsat: number; remoteMsat: number; pendingHtlcs: number; feeratePerKw: number }[] {
    return [...this.channels.values()].map((managed) => ({
      peer: managed.peer,
      handle: managed.handle,
      ...managed.channel.balances(),
      feeratePerKw: managed.channel.state.localCommit.spec.feeratePerKw,
    }));
  }

  /**
   * Every channel, for people and tools: where it stands and what it holds.
   * Openings still being negotiated are listed too (`negotiating`), so that
   * a channel asked for is never invisible.
   */
  channelSummaries(): ChannelSummary[] {
    const negotiating = [...this.openings.values()].map((opening) => ({
      peer: opening.peer,
      handle: opening.handle,
      status: 'negotiating' as const,
      capacitySatoshis: opening.fundingSatoshis,
      localMsat: opening.localIsFunder ? opening.fundingSatoshis * 1000 - opening.pushMsat : opening.pushMsat,
      remoteMsat: opening.localIsFunder ? opening.pushMsat : opening.fundingSatoshis * 1000 - opening.pushMsat,
      pendingHtlcs: 0,
      localIsFunder: opening.localIsFunder,
      ...(opening.fundingTx && { fundingTxid: opening.fundingTx.getId() }),
    }));
    const channels = [...this.channels.values()].map((managed) => {
      const { state } = managed.channel;
      const status: ChannelSummary['status'] = managed.onchain && managed.onchain.kind !== 'cooperative'
        ? 'force_closed'
        : managed.shutdown?.closed
          ? 'closed'
          : managed.shutdown
            ? 'closing'
            : managed.readySent && managed.readyReceived
              ? 'open'
              : 'awaiting_funding';
      return {
        peer: managed.peer,
        handle: managed.handle,
        status,
        capacitySatoshis: state.fundingSatoshis,
        ...managed.channel.balances(),
        localIsFunder: state.localIsFunder,
        fundingTxid: state.fundingOutpoint.txid,
        minimumDepth: managed.minimumDepth,
        ...(managed.onchain && { onchain: onchainSummary(managed.onchain) }),
      };
    });
    return [...negotiating, ...channels];
  }

  // ---- incoming messages --------------------------------------------------------

  /** Takes bytes from a peer. Nothing a peer sends throws out of here: errors become `peer_error` events and change nothing. */
  handleMessage(peer: string, bytes: Uint8Array): void {
    this.step(() => {
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

  private dispatch(peer: string, message: Message): void {
    const key = keyOf(peer, message.handle);
    switch (message.type) {
      case 'open_channel': {
        if (message.handle % 2 === this.handleParity(peer)) throw new ChannelError(`handle ${message.handle} is one we choose, not the peer`);
        if (this.openings.has(key) || this.channels.has(key)) throw new ChannelError(`handle ${message.handle} is in use`);
        const pending = [...this.openings.values()].filter((opening) => opening.peer === peer).length;
        if (pending >= MAX_OPENINGS_PER_PEER) throw new ChannelError(`already ${pending} channels opening with this peer`);
        const refusals = openRefusals(message);
        if (refusals.length > 0) return this.refuse(peer, message.handle, refusals);
        const opening = this.newOpening(peer, message.handle, false, message.fundingSatoshis, message.pushMsat, message.feeratePerKw);
        const remote = this.remoteSide(message, opening);
        if (Array.isArray(remote)) return this.refuse(peer, message.handle, remote);
        opening.remote = remote;
        opening.remoteFirstPoint = message.firstPerCommitmentPoint;
        this.send(peer, { type: 'accept_channel', ...this.offer(opening), minimumDepth: opening.minimumDepth });
        return;
      }
      case 'accept_channel': {
        const opening = this.openings.get(key);
        if (!opening?.localIsFunder || opening.remote) throw new ChannelError('an accept_channel we did not ask for');
        const remote = this.remoteSide(message, opening);
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
        const script = fundingOutputScript(opening.local.publicKeys.fundingPubkey, remote.publicKeys.fundingPubkey);
        if (!tx.outs[outputIndex] || bytesToHex(tx.outs[outputIndex].script) !== bytesToHex(script)) throw new ChannelStateError('the wallet did not fund the channel\'s 2-of-2 output');
        opening.fundingTx = tx;
        const channel = this.channelFor(opening, { txid: tx.getId(), vout: outputIndex });
        this.pendingChannels.set(key, channel);
        this.send(peer, { type: 'funding_created', handle: message.handle, fundingTxHash: tx.getHash(), fundingOutputIndex: outputIndex, signature: channel.signFirstRemoteCommitment() });
        return;
      }
      case 'funding_created': {
        const opening = this.openings.get(key);
        if (!opening || opening.localIsFunder || !opening.remote) throw new ChannelError('a funding_created we did not expect');
        const txid = bytesToHex(Uint8Array.from(message.fundingTxHash).reverse());
        const channel = this.channelFor(opening, { txid, vout: message.fundingOutputIndex });
        channel.receiveFirstSignature(message.signature);
        const managed = this.adopt(opening, channel);
        // Persisted before our signature leaves: from then on the funder may broadcast.
        this.send(peer, { type: 'funding_signed', handle: message.handle, signature: channel.signFirstRemoteCommitment() }, managed);
        return;
      }
      case 'funding_signed': {
        const opening = this.openings.get(key);
        const channel = this.pendingChannels.get(key);
        if (!opening?.fundingTx || !channel) throw new ChannelError('a funding_signed we did not expect');
        channel.receiveFirstSignature(message.signature);
        this.pendingChannels.delete(key);
        this.adopt(opening, channel);
        this.broadcast(opening.fundingTx); // only now can we get our money back alone
        return;
      }
      case 'channel_ready': {
        const managed = this.channels.get(key);
        if (!managed) throw new ChannelError('channel_ready for an unknown channel');
        managed.channel.receiveChannelReady(message.secondPerCommitmentPoint);
        managed.readyReceived = true;
        this.save(managed);
        this.checkOpened(managed);
        return;
      }
      case 'update': {
        const managed = this.channels.get(key);
        if (!managed) throw new ChannelError('an update for an unknown channel');
        if (managed.shutdown?.remote && message.updates.some((update) => update.kind === 'add')) throw new ChannelError('a new HTLC after the peer\'s shutdown');
        if (managed.onchain) throw new ChannelError('an update on a channel closed on chain');
        const maxFeerate = this.init.maxFeeratePerKw ?? DEFAULT_MAX_FEERATE_PER_KW;
        for (const update of message.updates) {
          if (update.kind === 'fee' && update.feeratePerKw > maxFeerate) throw new ChannelError(`a feerate of ${update.feeratePerKw} sat/kw is above our limit of ${maxFeerate}`);
        }
        const events = managed.channel.receive(message);
        // The justice for what they just revoked is written before the state that follows it:
        // no crash can leave a revoked commitment without its remedy.
        for (const event of events) if (event.type === 'commitment_revoked') this.remember(managed, event.commitment, event.perCommitmentSecret);
        this.save(managed);
        for (const event of events) {
          try {
            this.handleChannelEvent(managed, event);
          } catch (error) {
            this.emitEvent({ type: 'peer_error', peer, reason: `after ${event.type}: ${(error as Error).message}` });
          }
        }
        this.commit(managed);
        this.negotiateClose(managed); // a close may have been waiting for these HTLCs
        return;
      }
      case 'shutdown': {
        const managed = this.channels.get(key);
        if (!managed) throw new ChannelError('shutdown for an unknown channel');
        if (!isStandardShutdownScript(message.scriptPubKey)) throw new ChannelError('a shutdown script that is not P2WPKH, P2WSH or P2TR: its closing transaction would not relay');
        if (managed.shutdown?.remote && bytesToHex(managed.shutdown.remote) !== bytesToHex(message.scriptPubKey)) throw new ChannelError('a second shutdown with another script');
        managed.shutdown ??= {};
        managed.shutdown.remote = message.scriptPubKey;
        this.sendShutdown(managed);
        this.negotiateClose(managed);
        return;
      }
      case 'closing_signed': {
        const managed = this.channels.get(key);
        const shutdown = managed?.shutdown;
        if (!managed || !shutdown?.local || !shutdown.remote || shutdown.closed) throw new ChannelError('closing_signed before both shutdowns');
        const closingTx = managed.channel.completeClosing(shutdown.local, shutdown.remote, message.feeSatoshis, message.signature);
        // We only ever sign a fee within [ideal / 2, 3 x ideal]: a stubborn peer cannot drag us out of it.
        const ideal = this.idealClosingFee(managed);
        const [lowest, highest] = [Math.ceil(ideal / 2), ideal * 3];
        const agreed = message.feeSatoshis === shutdown.offeredFee || (message.feeSatoshis >= lowest && message.feeSatoshis <= highest);
        if (!agreed) {
          // Meet halfway, within our range; if that is where we already stood, the negotiation has failed.
          const counter = Math.min(highest, Math.max(lowest, Math.round((message.feeSatoshis + (shutdown.offeredFee ?? ideal)) / 2)));
          if (counter === shutdown.offeredFee) {
            this.send(peer, { type: 'error', handle: message.handle, message: new TextEncoder().encode(`closing fee ${message.feeSatoshis} sat is outside ${lowest}..${highest}`) });
            throw new ChannelError(`the peer insists on a closing fee of ${message.feeSatoshis} sat, outside ${lowest}..${highest}: close unilaterally instead`);
          }
          return this.offerClosingFee(managed, counter);
        }
        if (message.feeSatoshis !== shutdown.offeredFee) this.offerClosingFee(managed, message.feeSatoshis);
        shutdown.closed = true;
        this.save(managed);
        this.broadcast(closingTx);
        this.emitEvent({ type: 'channel_closed', peer, handle: message.handle, closingTx });
        return;
      }
      case 'error':
        this.emitEvent({ type: 'peer_error', peer, reason: `the peer says: ${new TextDecoder().decode(message.message)}` });
        return;
      default:
        throw new ChannelError(`${message.type} is not supported yet`);
    }
  }


  // ---- breaches -----------------------------------------------------------------------

  /** Keeps the justice for a commitment the peer just revoked, and hands the watchtower its appointment. */
  private remember(managed: Managed, revoked: RemoteCommit, secret: Uint8Array): void {
    const justice = justiceFor(managed.channel.state, managed.channel.signer, revoked, secret, this.components.wallet.sweepScript(), this.fees.feeratePerKw('justice'));
    const remedies = [...(justice.transaction ? [justice.transaction] : []), ...justice.perOutput].map((tx) => tx.toBuffer());
    if (remedies.length > 0) {
      // On disk before the caller saves the state that follows the revocation.
      this.components.persister.put('remedy', bytesToHex(justice.breachTxHash), { channel: keyOf(managed.peer, managed.handle), justice: remedies });
      managed.remedies.set(bytesToHex(justice.breachTxHash), remedies);
    }
    const data: JusticeData | undefined = justice.kit ? { kind: 'kit', ...justice.kit } : justice.transaction ? { kind: 'transaction', transaction: justice.transaction.toBuffer() } : undefined;
    if (data) {
      // Queued durably (before the caller saves the state that follows the revocation) until the tower's receipt.
      // Repeating this after a crash writes the same appointment under the same locator.
      const appointment = { ...createAppointment(justice.breachTxHash, data), tag: this.towerTag(managed) };
      this.components.persister.put('appointment', bytesToHex(appointment.locator), appointment);
      this.emitEvent({ type: 'appointment', peer: managed.peer, handle: managed.handle, appointment });
    }
  }

  /** Appointments not yet confirmed by the tower, oldest first: what to send when a path to the gateway exists. */
  pendingAppointments(): TaggedAppointment[] {
    return [...this.components.persister.getAll('appointment').values()].map((appointment) => ({ ...appointment, tag: appointment.tag ?? new Uint8Array(0) }));
  }

  /**
   * The tag the tower keeps a channel's appointments under: opaque to it
   * (a hash of our funding key, which the chain shows only once the
   * channel is closed), the same for every appointment of the channel, so
   * that the node can have them dropped together.
   */
  towerTagOf(peer: string, handle: number): Uint8Array | undefined {
    const managed = this.channels.get(keyOf(peer, handle));
    return managed && this.towerTag(managed);
  }

  /** Every channel's tower tag and funding outpoint: what the node may reveal so that the tower keeps a channel's appointments exactly until its funding output is spent and buried. */
  channelsForTower(): { tag: Uint8Array; fundingTxid: string; fundingOutputIndex: number }[] {
    return [...this.channels.values()].map((managed) => ({
      tag: this.towerTag(managed),
      fundingTxid: managed.channel.state.fundingOutpoint.txid,
      fundingOutputIndex: managed.channel.state.fundingOutpoint.vout,
    }));
  }

  private towerTag(managed: Managed): Uint8Array {
    // From the channel's state: deriving it again from the seed (BIP 32, six derivations) on every poll was most of a node's CPU.
    const fundingPubkey = managed.channel.state.local.publicKeys.fundingPubkey;
    return sha256(concatBytes(TOWER_TAG_DOMAIN, fundingPubkey)).slice(0, TOWER_TAG_BYTES);
  }

  /** The tower signed a receipt for this appointment: it leaves the queue. */
  appointmentDelivered(locator: Uint8Array): void {
    this.components.persister.remove('appointment', bytesToHex(locator));
  }

  // ---- the chain (rust-lightning's `Confirm`, see node/chain/chain-listener.ts) -------------

  /**
   * Transactions that touch our channels, confirmed at `height`: a funding
   * transaction buried, a funding output spent (by either commitment, a
   * revoked one, or a cooperative close), our claims, and whatever else
   * spends the outputs we claim (a preimage to read, a claim voided).
   */
  transactionsConfirmed(height: number, _blockHash: string, transactions: readonly Transaction[]): void {
    this.step(() => {
      for (const tx of transactions) this.transactionSeen(tx);
      for (const managed of this.channels.values()) {
        this.isolated(managed, () => {
          const funding = managed.channel.state.fundingOutpoint;
          let changed = false;
          for (const tx of transactions) {
            if (tx.getId() === funding.txid && managed.fundingHeight !== height) {
              managed.fundingHeight = height;
              delete managed.fundingReorged;
              changed = true;
            }
            // Any spend of the funding output ends the channel; one that is not the transaction we broadcast
            // (both sides closed at once) replaces what we expected: only one of them can be in the chain.
            if (spends(tx, funding) && managed.onchain?.commitmentTxid !== tx.getId()) this.fundingSpent(managed, tx);
            if (managed.onchain) changed = this.monitorOf(managed).transactionConfirmed(tx, height) || changed;
          }
          if (changed) this.save(managed);
        });
      }
    });
  }

  /**
   * Runs one channel's part of a chain event: an error there (a wallet that
   * cannot pay a fee, a state that does not build) is reported and does not
   * keep the other channels, or the next blocks, from being handled.
   */
  private isolated(managed: Managed, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.emitEvent({ type: 'peer_error', peer: managed.peer, reason: `channel ${managed.handle} on chain: ${(error as Error).message}` });
    }
  }

  /**
   * The tip moved: funding transactions deep enough open their channels,
   * claims whose locks have passed go to the broadcaster, HTLCs past their
   * deadline take their channel on chain, and on-chain resolutions deep
   * enough settle the HTLCs they carried.
   */
  bestBlockUpdated(height: number, _blockHash?: string): void {
    this.step(() => {
      this.height = height;
      for (const managed of [...this.channels.values()]) {
        this.isolated(managed, () => {
          if (!managed.readySent && managed.fundingHeight !== undefined && !managed.onchain) {
            this.fundingConfirmed(managed.peer, managed.handle, height - managed.fundingHeight + 1);
          }
          if (managed.fundingReorged && managed.fundingHeight === undefined && !managed.onchain) {
            // As rust-lightning does: a channel in use whose funding left the chain is closed (the funder could spend
            // its inputs elsewhere). The commitment waits in the mempool for the funding, which the reorg put back there.
            return this.forceClose(managed.peer, managed.handle, `a reorg took the funding transaction ${managed.channel.state.fundingOutpoint.txid} out of the chain (height ${height})`);
          }
          if (managed.onchain) {
            const monitor = this.monitorOf(managed);
            monitor.completeClaims();
            monitor.broadcastDueClaims(height);
            monitor.resolveOutgoing(height);
          } else {
            this.checkHtlcDeadlines(managed, height);
          }
        });
      }
      this.settleHeldHtlcs();
    });
  }

  /** The block at `height` left the best chain: what confirmed there is unconfirmed, and will be broadcast again if due. */
  blockDisconnected(height: number): void {
    this.step(() => {
      this.height = Math.min(this.height, height - 1);
      for (const managed of this.channels.values()) {
        let changed = false;
        if (managed.fundingHeight !== undefined && managed.fundingHeight >= height) {
          managed.fundingHeight = undefined;
          if (managed.readySent && !managed.onchain) managed.fundingReorged = true;
          changed = true;
        }
        if (this.monitorOf(managed).blockDisconnected(height)) changed = true;
        if (changed) this.save(managed);
      }
    });
  }

  /** A transaction seen before it confirmed (a mempool spend of a funding output): a revoked commitment is punished at once. */
  transactionUnconfirmedSeen(tx: Transaction): void {
    this.step(() => {
      this.transactionSeen(tx);
    });
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

  /** The chain's height as far as this manager knows. */
  get chainHeight(): number {
    return this.height;
  }

  /**
   * Whether every block matters now (a funding transaction to count, HTLCs
   * with deadlines, claims on chain): the chain feed then sends each block
   * at once instead of a few at a time.
   */
  needsEveryBlock(): boolean {
    const soon = this.height + EVERY_BLOCK_WITHIN_BLOCKS;
    for (const managed of this.channels.values()) {
      if (managed.onchain) {
        if (this.monitorOf(managed).needsEveryBlock(soon)) return true;
      } else if (!managed.readySent) {
        return true;
      } else {
        // HTLCs whose deadline (BOLT 2's) is near: the node must act in the right block.
        const state = managed.channel.state;
        for (const htlc of [...state.localCommit.spec.htlcs, ...state.remoteCommit.spec.htlcs]) {
          if (htlcDeadline(htlc.direction, htlc.cltvExpiry) <= soon) return true;
        }
      }
    }
    return false;
  }

  /** The chain view shows a transaction (in a block or the mempool): if it is a revoked commitment, punish it. */
  transactionSeen(tx: Transaction): void {
    const hash = bytesToHex(tx.getHash());
    // A second-stage HTLC transaction on a breach we saw: its output is ours too.
    for (const input of tx.ins) {
      const breach = this.breaches.get(bytesToHex(input.hash));
      const justice = breach && secondStageJustice(breach.managed.channel.state, breach.managed.channel.signer, breach.tx, tx, this.components.wallet.sweepScript(), this.fees.feeratePerKw('justice'));
      if (breach && justice) {
        this.broadcast(justice);
        this.emitEvent({ type: 'breach', peer: breach.managed.peer, handle: breach.managed.handle, breachTxid: breach.tx.getId(), justice });
      }
    }
    for (const managed of this.channels.values()) {
      const remedies = managed.remedies.get(hash);
      if (!remedies) continue;
      if (!this.breaches.has(hash)) {
        this.breaches.set(hash, { managed, tx });
        this.save(managed); // so that its second-stage transactions are punished also after a restart
      }
      // The whole justice first; the per-output ones take what remains if it cannot confirm.
      const [whole, ...perOutput] = remedies.map((bytes) => Transaction.fromBuffer(bytes));
      for (const justiceTx of [whole!, ...perOutput]) this.broadcast(justiceTx);
      this.emitEvent({ type: 'breach', peer: managed.peer, handle: managed.handle, breachTxid: tx.getId(), justice: whole! });
    }
  }

  // ---- unilateral closes ------------------------------------------------------------

  /** Closes a channel alone: broadcasts our latest commitment; our claims follow block by block (`bestBlockUpdated`). */
  forceClose(peer: string, handle: number, reason = 'asked to'): void {
    this.step(() => {
      const managed = this.channels.get(keyOf(peer, handle));
      if (!managed) throw new InvalidInputError('handle', `no channel ${handle} with ${peer}`);
      if (managed.onchain) return;
      const monitor = this.monitorOf(managed);
      const commitment = monitor.closeOurs();
      managed.shutdown = { ...managed.shutdown, closed: true };
      this.save(managed); // the claims are on disk before the commitment leaves
      this.broadcast(commitment);
      this.emitEvent({ type: 'channel_force_closed', peer, handle, ours: true, commitmentTxid: commitment.getId(), reason, stakeMsat: monitor.stakeMsat(managed.channel.state.localCommit.spec) });
      this.isolated(managed, () => monitor.completeClaims());
    });
  }

  /** An HTLC we offered is settled on chain: pass it upstream if we forwarded it, or tell the payer. */
  private resolveOutgoing(managed: Managed, id: number, paymentHash: Uint8Array, preimage?: Uint8Array, reason = ''): void {
    if (managed.forwards.has(id)) {
      const link = managed.forwards.get(id)!;
      try {
        this.settleForwarded(managed, id, preimage, new TextEncoder().encode(reason));
      } catch (error) {
        this.emitEvent({ type: 'peer_error', peer: link.peer, reason: `settling HTLC ${link.id} upstream: ${(error as Error).message}` });
      }
      return;
    }
    if (preimage) this.emitEvent({ type: 'payment_sent', paymentHash, paymentPreimage: preimage });
    else this.emitEvent({ type: 'payment_failed', paymentHash, reason });
  }


  /** Takes a channel on chain when one of its HTLCs reaches its deadline (BOLT 2). */
  private checkHtlcDeadlines(managed: Managed, height: number): void {
    const state = managed.channel.state;
    if (!state.localCommit.signatures || !managed.readySent) return;
    const settledByThem = new Set(managed.channel.settlementsReceived().map((settlement) => settlement.id));
    const htlcs = [...state.localCommit.spec.htlcs, ...state.remoteCommit.spec.htlcs, ...(state.nextRemoteCommit?.spec.htlcs ?? [])];
    for (const htlc of htlcs) {
      const overdue =
        (htlc.direction === 'outgoing' && !settledByThem.has(htlc.id) && offeredHtlcOverdue(htlc.cltvExpiry, height)) ||
        (htlc.direction === 'incoming' && this.preimageFor(htlc.paymentHash) !== undefined && receivedHtlcClaimDue(htlc.cltvExpiry, height));
      if (!overdue) continue;
      const what = htlc.direction === 'outgoing' ? `HTLC ${htlc.id} we offered expired at ${htlc.cltvExpiry}` : `HTLC ${htlc.id} we can claim expires at ${htlc.cltvExpiry}`;
      return this.forceClose(managed.peer, managed.handle, `${what} and the peer has not settled it (height ${height})`);
    }
  }

  /** HTLCs they offered us, both commitments signed, that we are holding until our view of the chain is fresh. */
  private settleHeldHtlcs(): void {
    if (!this.chainSynced || this.heldHtlcs.size === 0) return;
    const held = [...this.heldHtlcs];
    this.heldHtlcs.clear();
    const forwarded = this.forwardedIncoming();
    for (const key of held) {
      const managed = this.channels.get(key);
      if (!managed || managed.onchain) continue;
      this.settleWaiting(managed, forwarded);
      this.commit(managed);
    }
  }


  /**
   * A preimage we may use on chain: one we released (a payment to us or
   * through us that we fulfilled and whose removal the peer has not signed
   * yet), or one we learned (read on chain, or from downstream, for an HTLC
   * we forwarded). Never an invoice's that we have not released: its HTLC
   * may be one we refused (too small, too late), and claiming it on chain
   * would give the payer proof of a payment it did not make.
   */
  private preimageFor(paymentHash: Uint8Array): Uint8Array | undefined {
    const hash = bytesToHex(paymentHash);
    for (const managed of this.channels.values()) {
      const preimage =
        managed.channel.fulfilledPreimage(paymentHash) ??
        managed.onchain?.outgoing?.find((htlc) => htlc.preimage && bytesToHex(htlc.paymentHash) === hash)?.preimage ??
        managed.onchain?.learned?.find((each) => bytesToHex(sha256(each)) === hash);
      if (preimage) return preimage;
    }
    return undefined;
  }

  /**
   * The funding output is spent: whatever spent it, the channel is over off
   * chain; its monitor tells what the close was and takes it from there.
   */
  private fundingSpent(managed: Managed, tx: Transaction): void {
    const remedies = managed.remedies.get(bytesToHex(tx.getHash()));
    const { kind, reason, stakeMsat } = this.monitorOf(managed).fundingSpent(tx, remedies, managed.shutdown?.closed === true);
    managed.shutdown = { ...managed.shutdown, closed: true };
    this.save(managed);
    if (kind !== 'cooperative') {
      this.emitEvent({ type: 'channel_force_closed', peer: managed.peer, handle: managed.handle, ours: false, commitmentTxid: tx.getId(), reason, stakeMsat });
    }
  }

  /** The channel's monitor, acting through this manager. */
  private monitorOf(managed: Managed): ChannelMonitor {
    let monitor = this.monitors.get(managed);
    if (!monitor) {
      const { wallet, chainFilter } = this.components;
      monitor = new ChannelMonitor(
        {
          broadcast: (tx) => this.broadcast(tx),
          sweepScript: () => wallet.sweepScript(),
          payFee: (tx, baseWeight, feeratePerKw) => wallet.payFee(tx, baseWeight, feeratePerKw),
          fees: this.fees,
          ...(chainFilter && { chainFilter }),
          preimageFor: (paymentHash) => this.preimageFor(paymentHash),
          persist: () => this.save(managed),
          report: (event) => this.emitEvent({ ...event, peer: managed.peer, handle: managed.handle }),
          resolveOutgoing: (id, paymentHash, preimage, reason) => this.resolveOutgoing(managed, id, paymentHash, preimage, reason),
          isolated: (work) => this.isolated(managed, work),
          height: () => this.height,
          logger: this.components.logger ?? silentLogger,
        },
        managed,
      );
      this.monitors.set(managed, monitor);
    }
    return monitor;
  }

  /** Our latest commitment, signed: what a unilateral close broadcasts. */
  forceCloseTransaction(peer: string, handle: number): Transaction {
    const managed = this.channels.get(keyOf(peer, handle));
    if (!managed) throw new InvalidInputError('handle', `no channel ${handle} with ${peer}`);
    return managed.channel.signedLocalCommitment().tx;
  }

  private handleChannelEvent(managed: Managed, event: ChannelEvent): void {
    if (event.type === 'htlc_received' && !this.chainSynced) {
      // Settled or forwarded once our height is fresh: it may have expired while we were away.
      this.heldHtlcs.add(keyOf(managed.peer, managed.handle));
      return;
    }
    if (event.type === 'htlc_received') {
      if (event.destination && bytesToHex(event.destination) !== this.nodeId) this.forward(managed, event.id, event.amountMsat, event.paymentHash, event.cltvExpiry, event.destination);
      else this.settleIncoming(managed, event.id, event.paymentHash, event.amountMsat, event.cltvExpiry);
    } else if (event.type === 'htlc_fulfilled') {
      if (!this.settleForwarded(managed, event.id, event.paymentPreimage)) this.emitEvent({ type: 'payment_sent', paymentHash: event.paymentHash, paymentPreimage: event.paymentPreimage });
    } else if (event.type === 'htlc_failed') {
      if (!this.settleForwarded(managed, event.id, undefined, event.reason)) this.emitEvent({ type: 'payment_failed', paymentHash: event.paymentHash, reason: new TextDecoder().decode(event.reason) });
    }
  }

  private settleIncoming(managed: Managed, id: number, paymentHash: Uint8Array, amountMsat: number, cltvExpiry: number): void {
    const invoice = this.invoices.get(bytesToHex(paymentHash));
    // An HTLC that expires before the invoice asked (or before we could claim it on chain) must not get the preimage:
    // the payer would have the proof of payment and could still take the money back.
    const expiresTooSoon = invoice !== undefined && (cltvExpiry < invoice.minFinalExpiry || cltvExpiry < this.safeHeight + delaysFor(this.policy).finalExpiryDelta / 2);
    if (invoice && expiresTooSoon) {
      managed.channel.failHtlc(id, new TextEncoder().encode('expiry too soon'));
    } else if (invoice && amountMsat >= invoice.amountMsat) {
      managed.channel.fulfillHtlc(id, invoice.preimage);
      this.save(managed);
      this.invoices.delete(bytesToHex(paymentHash));
      this.components.persister.remove('invoice', bytesToHex(paymentHash));
      this.emitEvent({ type: 'payment_received', paymentHash, amountMsat, cltvExpiry });
    } else {
      managed.channel.failHtlc(id, new TextEncoder().encode(invoice ? 'amount too small' : 'unknown payment'));
    }
    this.save(managed);
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

  private adopt(opening: Opening, channel: Channel): Managed {
    const managed: Managed = {
      peer: opening.peer,
      handle: opening.handle,
      channelIndex: opening.channelIndex,
      channel,
      remedies: new Map(),
      outbox: [],
      forwards: new Map(),
      readySent: false,
      readyReceived: false,
      minimumDepth: opening.minimumDepth,
    };
    this.openings.delete(keyOf(opening.peer, opening.handle));
    this.channels.set(keyOf(opening.peer, opening.handle), managed);
    this.save(managed);
    this.watchFunding(managed);
    return managed;
  }

  /** Sends what the channel has to say now, after saving the state that produced it. */
  private commit(managed: Managed): void {
    const message = managed.channel.flush();
    if (!message) return;
    const update = { ...message, handle: managed.handle };
    // Kept (and saved with the state that produced it) to send again after a restart: the peer ignores what it already has.
    managed.outbox = [...managed.outbox, update].slice(-RESENT_AFTER_RESTART);
    this.send(managed.peer, update, managed);
  }

  /** Encodes and sends, saving the channel first when the message belongs to one. */
  private send(peer: string, message: Message, managed?: Managed): void {
    const bytes = encodeMessage(message);
    if (managed) this.save(managed);
    this.release(() => this.components.messenger.send(peer, bytes));
  }

  private broadcast(tx: Transaction): void {
    this.release(() => this.components.broadcaster.broadcast(tx));
  }

  /**
   * One step of the manager (a message handled, a payment, a block): each
   * channel it changed is saved once when it ends, all in one transaction
   * (one sync to disk instead of one per save), and only then do its
   * messages, broadcasts and events leave, in the order they were made. A
   * step inside a step joins it.
   */
  private step<T>(work: () => T): T {
    if (this.held) return work();
    const held: (() => void)[] = (this.held = []);
    const unsaved = (this.unsaved = new Set());
    let outcome: { value: T } | { error: unknown } | undefined;
    try {
      this.components.persister.transaction(() => {
        try {
          outcome = { value: work() };
        } catch (error) {
          outcome = { error };
        }
        this.unsaved = undefined;
        for (const managed of unsaved) this.write(managed);
      });
    } finally {
      this.held = undefined; // a commit that failed sends nothing: the disk does not hold what the messages depend on
      this.unsaved = undefined;
    }
    for (const action of held) action();
    if (!outcome || 'error' in outcome) throw outcome ? outcome.error : new Error('the step did not run');
    return outcome.value;
  }

  /** Runs `action` now, or after the step under way is durable. */
  private release(action: () => void): void {
    if (this.held) this.held.push(action);
    else action();
  }

  /** Saves the channel now, or once at the end of the step under way however often the step changes it. */
  private save(managed: Managed): void {
    if (this.unsaved) this.unsaved.add(managed);
    else this.write(managed);
  }

  private write(managed: Managed): void {
    const { peer, handle, channelIndex, minimumDepth, readySent, readyReceived, shutdown, fundingHeight, fundingReorged } = managed;
    const forwards = [...managed.forwards].map(([outgoingId, incoming]) => ({ outgoingId, ...incoming }));
    const breaches = [...this.breaches.values()].filter((breach) => breach.managed === managed).map((breach) => breach.tx.toBuffer());
    const meta = {
      peer,
      handle,
      channelIndex,
      minimumDepth,
      readySent,
      readyReceived,
      forwards,
      ...(fundingHeight !== undefined && { fundingHeight }),
      ...(fundingReorged && { fundingReorged }),
      ...(shutdown && { shutdown }),
      ...(managed.onchain && { onchain: managed.onchain }),
      ...(breaches.length > 0 && { breaches }),
    };
    this.components.persister.saveChannel(keyOf(peer, handle), { meta, state: managed.channel.state, outbox: managed.outbox });
  }

  private refuse(peer: string, handle: number, reasons: string[]): void {
    this.openings.delete(keyOf(peer, handle));
    this.emitEvent({ type: 'channel_refused', peer, handle, reasons });
    this.send(peer, { type: 'error', handle, message: new TextEncoder().encode(`channel refused: ${reasons.join('; ')}`.slice(0, 1000)) });
  }

  private checkOpened(managed: Managed): void {
    if (managed.readySent && managed.readyReceived) this.emitEvent({ type: 'channel_opened', peer: managed.peer, handle: managed.handle });
  }

  private emitEvent(event: ManagerEvent): void {
    this.release(() => this.emit('event', event));
  }
}






/** Whether `tx` spends `outpoint`. */
function spends(tx: Transaction, outpoint: Outpoint): boolean {
  return tx.ins.some((input) => spentOutpoint(input) === `${outpoint.txid}:${outpoint.vout}`);
}




/** Something due within this many blocks makes the node take every block at once (else a few at a time, idle). */
const EVERY_BLOCK_WITHIN_BLOCKS = 12;
/** Update messages kept per channel to send again after a restart: more than can be in flight at once. */
const RESENT_AFTER_RESTART = 8;
/** The highest update_fee feerate accepted by default: 200 sat/vbyte. */
const DEFAULT_MAX_FEERATE_PER_KW = 50_000;

/** The dust limit we accept from a peer at most: far above any relay policy, far below a payment. */
const MAX_DUST_LIMIT_SATOSHIS = 20_000;
/** Channels a peer may have opening with us at once (an opening holds memory until funded). */
const MAX_OPENINGS_PER_PEER = 4;

/** What is wrong with an open_channel on its own, before any key is given out for it. */
function openRefusals(open: { fundingSatoshis: number; pushMsat: number; feeratePerKw: number }): string[] {
  const reasons: string[] = [];
  if (open.fundingSatoshis < MIN_FUNDING_SATOSHIS || open.fundingSatoshis > MAX_FUNDING_SATOSHIS) reasons.push(`a funding amount of ${open.fundingSatoshis} sat (we accept ${MIN_FUNDING_SATOSHIS.toLocaleString('en-US')} to ${MAX_FUNDING_SATOSHIS})`);
  if (open.pushMsat > open.fundingSatoshis * 1000) reasons.push('a push larger than the channel');
  if (open.feeratePerKw < MIN_FEERATE_PER_KW || open.feeratePerKw > 1_000_000) reasons.push(`a feerate of ${open.feeratePerKw} sat/kw`);
  return reasons;
}

/** P2WPKH, P2WSH or P2TR: what BOLT 2 allows in shutdown (and what relays). */
function isStandardShutdownScript(script: Uint8Array): boolean {
  const [version, length] = [script[0], script[1]];
  if (version === 0x00) return (length === 20 || length === 32) && script.length === length + 2;
  return version === 0x51 && length === 32 && script.length === 34;
}

function keyOf(peer: string, handle: number): string {
  return `${peer}/${handle}`;
}

function hexToPoint(hex: string): Uint8Array {
  if (typeof hex !== 'string' || !/^[0-9a-f]{66}$/.test(hex)) throw new InvalidInputError('peer', 'expected a node id: 66 lower-case hex digits');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

