/**
 * The ChainMonitor: the node's on-chain half for all of its channels
 * (rust-lightning's `ChainMonitor`, which holds one `ChannelMonitor` per
 * channel and hands each the chain's events).
 *
 * The channel manager keeps the protocol (messages, payments, forwarding)
 * and passes the chain's events through to this monitor; the monitor
 * counts funding confirmations, detects what spends a funding output (our
 * commitment, theirs, a revoked one, a cooperative close), punishes
 * breaches, takes a channel on chain when an HTLC reaches its deadline,
 * and runs each closed channel's `ChannelMonitor` (claims, fee bumps,
 * reorgs). The manager tells it what it needs as it happens, the way
 * rust-lightning's `ChannelMonitorUpdate`s do: a commitment revoked (its
 * justice and tower appointment, `commitmentRevoked`), a preimage learned
 * after a close (`claimLate`), a close asked for (`forceClose`).
 *
 * It acts only through its components: the manager's step (saves, then
 * broadcasts and events, in that order), the wallet, the fee estimator, the
 * chain filter, and the manager again for what concerns the protocol
 * (settling an HTLC upstream, marking a channel closed).
 */
import { bytesToHex } from '../core/hex.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Outpoint, Transaction } from '../bolt3/transaction.js';
import type { ChainFilter } from '../chain/chain-listener.js';
import type { FeeEstimator } from '../chain/fee-estimator.js';
import type { Logger } from '../core/logger.js';
import type { RemoteCommit } from '../commitment/state.js';
import type { Persister } from '../persist/persister.js';
import type { FundingWallet } from '../wallet/funding-wallet.js';
import { secondStageJustice } from './claims.js';
import { ChannelMonitor, type MonitorEvent, type MonitoredChannel, type WatchedChannel } from './channel-monitor.js';
import { htlcDeadline, offeredHtlcOverdue, receivedHtlcClaimDue } from './deadlines.js';
import { spentOutpoint } from './outpoints.js';
import { type BuiltRemoteCommitment, signedJusticeTransactions } from './remedy.js';
import { decodeUnsignedJustice } from './remedy-record.js';
import { type TowerEvent, TowerQueue, remedyOwner, towerTag } from './tower-queue.js';

/** Justice as stores of format 1 kept it, in the channel's record. */
type SavedRemedy = { readonly breachTxHash: Uint8Array; readonly justice: readonly Uint8Array[] };

/** A channel as the chain monitor sees it: the manager's entry is one. */
export interface ChainWatchedChannel extends MonitoredChannel {
  readonly peer: string;
  readonly handle: number;
  readonly channel: WatchedChannel & {
    /** The preimage we released for an HTLC they offered, until its removal is signed. */
    fulfilledPreimage(paymentHash: Uint8Array): Uint8Array | undefined;
  };
  /** Both sides may use the channel: its HTLCs have deadlines. */
  readonly readySent: boolean;
  /** A cooperative close; `closed` once the channel is over off chain. */
  readonly shutdown?: { readonly closed?: boolean };
  fundingHeight?: number;
  fundingReorged?: boolean;
}

/** What the chain monitor reports (the manager passes each on as its own event). */
export type ChainEvent =
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
  /** A revoked commitment reached the chain: the justice transaction was handed to the broadcaster. */
  | { readonly type: 'breach'; readonly peer: string; readonly handle: number; readonly breachTxid: string; readonly justice: Transaction }
  | { readonly type: 'peer_error'; readonly peer: string; readonly reason: string }
  | (MonitorEvent & { readonly peer: string; readonly handle: number })
  | TowerEvent;

export interface ChainMonitorComponents<Watched extends ChainWatchedChannel = ChainWatchedChannel> {
  readonly wallet: FundingWallet;
  readonly fees: FeeEstimator;
  readonly chainFilter?: ChainFilter;
  readonly logger: Logger;
  /** Where the justice for revoked commitments and the tower's queue are kept. */
  readonly persister: Pick<Persister, 'put' | 'remove' | 'getAll' | 'get'>;
  /** Whether the tower gets appointments for channels with `peer`; by default every peer. */
  readonly appointmentsFor?: (peer: string) => boolean;
  /** Hands a transaction to the broadcaster once the step under way is durable. */
  broadcast(tx: Transaction): void;
  /** Saves the channel (its resolution with it) when the step under way ends: before anything it made leaves. */
  save(channel: Watched): void;
  report(event: ChainEvent): void;
  /** The channel is over off chain (a commitment or a closing transaction spent its funding output). */
  closed(channel: Watched): void;
  /** An HTLC we offered on `channel` is settled on chain: pass it upstream, or tell the payer. */
  resolveOutgoing(channel: Watched, id: number, paymentHash: Uint8Array, preimage?: Uint8Array, reason?: string): void;
}

export class ChainMonitor<Watched extends ChainWatchedChannel = ChainWatchedChannel> {
  private readonly channels = new Set<Watched>();
  private readonly monitors = new WeakMap<Watched, ChannelMonitor>();
  /** Revoked commitments seen on chain, by hash (internal order, hex): their second-stage HTLC transactions are ours too. */
  private readonly breaches = new Map<string, { channel: Watched; tx: Transaction }>();
  /**
   * Justice that stores of format 1 kept in the channel's record, by revoked
   * commitment (hash, internal order, hex). Since, each is a `remedy` record,
   * read from the persister when a transaction is seen: a channel has one
   * per revoked commitment, and a device cannot hold them all in memory.
   * A remedy signed at a breach joins them: the same breach is seen again
   * (mempool, block, the funding spend), and its justice is signed once.
   */
  private readonly recordedRemedies = new Map<string, { channel: Watched; justice: Uint8Array[] }>();
  private height = 0;
  /** The chain's tip as the gateway last told it (see `chainTipSeen`). */
  private tipHeight = 0;

  /** Appointments for the gateway's watchtower, until its receipts. */
  readonly tower: TowerQueue;

  constructor(private readonly components: ChainMonitorComponents<Watched>) {
    this.tower = new TowerQueue(components.persister, (event) => components.report(event), components.appointmentsFor);
  }

  /**
   * Watches a channel: one just funded, or one restored with what was saved
   * with it: the revoked commitments of it already seen on chain (raw), and
   * the justice that stores of format 1 kept in the channel's record. The
   * justice written since (`remedy` records) is the channel's again.
   */
  add(channel: Watched, saved: { breaches?: readonly Uint8Array[]; remedies?: readonly SavedRemedy[] } = {}): void {
    this.channels.add(channel);
    for (const raw of saved.breaches ?? []) {
      const tx = Transaction.fromBuffer(raw);
      this.breaches.set(bytesToHex(tx.getHash()), { channel, tx });
    }
    for (const remedy of saved.remedies ?? []) this.recordedRemedies.set(bytesToHex(remedy.breachTxHash), { channel, justice: [...remedy.justice] });
  }

  /**
   * Our signed justice against the revoked commitment of hash `hash`
   * (internal order, hex), the whole one first, with its channel; undefined
   * for any other transaction. A remedy kept unsigned is signed now, once: the
   * commitment is on chain (or in a mempool).
   */
  private remedyFor(hash: string): { channel: Watched; justice: Uint8Array[] } | undefined {
    const recorded = this.recordedRemedies.get(hash);
    if (recorded) return recorded;
    const remedy = this.components.persister.get('remedy', hash);
    if (!remedy) return undefined;
    for (const channel of this.channels) {
      if (remedyOwner(channel) !== remedy.channel) continue;
      const unsigned = remedy.unsigned && decodeUnsignedJustice(remedy.unsigned, Buffer.from(hash, 'hex').reverse().toString('hex'));
      const signedNow = unsigned ? signedJusticeTransactions(channel.channel.signer, unsigned).map((tx) => tx.toBuffer()) : [];
      const justice = [...(remedy.justice ?? []), ...signedNow];
      if (justice.length === 0) return undefined;
      this.recordedRemedies.set(hash, { channel, justice });
      return { channel, justice };
    }
    return undefined;
  }

  /** The revoked commitments of `channel` seen on chain (raw), saved with it: a restart still punishes their second stage. */
  breachesOf(channel: Watched): Uint8Array[] {
    return [...this.breaches.values()].filter((breach) => breach.channel === channel).map((breach) => breach.tx.toBuffer());
  }

  /** Asks the chain feed for the funding transaction's confirmation and the funding output's spend (repeats are harmless). */
  watchFunding(channel: Watched): void {
    const funding = channel.channel.state.fundingOutpoint;
    this.components.chainFilter?.watchTransaction(funding.txid);
    this.components.chainFilter?.watchOutput(funding);
  }

  /** Every channel's tower tag and funding outpoint: what the node may reveal so that the tower keeps a channel's appointments exactly until its funding output is spent and buried. */
  channelsForTower(): { tag: Uint8Array; fundingTxid: string; fundingOutputIndex: number }[] {
    return [...this.channels].map((channel) => ({
      tag: towerTag(channel),
      fundingTxid: channel.channel.state.fundingOutpoint.txid,
      fundingOutputIndex: channel.channel.state.fundingOutpoint.vout,
    }));
  }

  // ---- monitor updates from the manager ----------------------------------------------

  /**
   * The peer revoked a commitment: its justice is kept, and the tower gets
   * its appointment. Both are on disk before the state that follows the
   * revocation is saved (same step, written first).
   */
  commitmentRevoked(channel: Watched, revoked: RemoteCommit, secret: Uint8Array, built?: BuiltRemoteCommitment): void {
    this.tower.justiceFor(channel, revoked, secret, this.components.wallet.sweepScript(), this.components.fees.feeratePerKw('justice'), built); // written as a `remedy` record
  }

  /** A preimage learned after `channel` went on chain (from downstream, for an HTLC we forwarded): it is claimed there. */
  claimLate(channel: Watched, preimage: Uint8Array): void {
    this.monitorOf(channel).claimLate(preimage);
  }

  /** Closes a channel alone: broadcasts our latest commitment; our claims follow block by block (`bestBlockUpdated`). */
  forceClose(channel: Watched, reason: string): void {
    if (channel.onchain) return;
    const monitor = this.monitorOf(channel);
    const commitment = monitor.closeOurs();
    this.components.closed(channel);
    this.components.save(channel); // the claims are on disk before the commitment leaves
    this.components.broadcast(commitment);
    const { peer, handle } = channel;
    this.components.report({ type: 'channel_force_closed', peer, handle, ours: true, commitmentTxid: commitment.getId(), reason, stakeMsat: monitor.stakeMsat(channel.channel.state.localCommit.spec) });
    this.isolated(channel, () => monitor.completeClaims());
  }

  // ---- the chain (rust-lightning's `Confirm`) ----------------------------------------

  /**
   * Transactions that touch our channels, confirmed at `height`: a funding
   * transaction buried, a funding output spent (by either commitment, a
   * revoked one, or a cooperative close), our claims, and whatever else
   * spends the outputs we claim (a preimage to read, a claim voided).
   */
  transactionsConfirmed(height: number, transactions: readonly Transaction[]): void {
    for (const tx of transactions) this.transactionSeen(tx);
    for (const channel of this.channels) {
      this.isolated(channel, () => {
        const funding = channel.channel.state.fundingOutpoint;
        let changed = false;
        for (const tx of transactions) {
          if (tx.getId() === funding.txid && channel.fundingHeight !== height) {
            channel.fundingHeight = height;
            delete channel.fundingReorged;
            changed = true;
          }
          // Any spend of the funding output ends the channel; one that is not the transaction we broadcast
          // (both sides closed at once) replaces what we expected: only one of them can be in the chain.
          if (spends(tx, funding) && channel.onchain?.commitmentTxid !== tx.getId()) this.fundingSpent(channel, tx);
          if (channel.onchain) changed = this.monitorOf(channel).transactionConfirmed(tx, height) || changed;
        }
        if (changed) this.components.save(channel);
      });
    }
  }

  /**
   * The tip moved: a channel whose funding a reorg took away, or with an
   * HTLC past its deadline, goes on chain; claims whose locks have passed
   * go to the broadcaster; on-chain resolutions deep enough settle the
   * HTLCs they carried.
   */
  bestBlockUpdated(height: number): void {
    this.height = height;
    for (const channel of [...this.channels]) {
      this.isolated(channel, () => {
        if (channel.fundingReorged && channel.fundingHeight === undefined && !channel.onchain) {
          // As rust-lightning does: a channel in use whose funding left the chain is closed (the funder could spend
          // its inputs elsewhere). The commitment waits in the mempool for the funding, which the reorg put back there.
          return this.forceClose(channel, `a reorg took the funding transaction ${channel.channel.state.fundingOutpoint.txid} out of the chain (height ${height})`);
        }
        if (channel.onchain) {
          const monitor = this.monitorOf(channel);
          monitor.completeClaims();
          monitor.broadcastDueClaims(height);
          monitor.resolveOutgoing(height);
        } else {
          this.checkHtlcDeadlines(channel, height);
        }
      });
    }
  }

  /** The block at `height` left the best chain: what confirmed there is unconfirmed, and will be broadcast again if due. */
  blockDisconnected(height: number): void {
    this.height = Math.min(this.height, height - 1);
    for (const channel of this.channels) {
      let changed = false;
      if (channel.fundingHeight !== undefined && channel.fundingHeight >= height) {
        channel.fundingHeight = undefined;
        if (channel.readySent && !channel.onchain) channel.fundingReorged = true;
        changed = true;
      }
      if (this.monitorOf(channel).blockDisconnected(height)) changed = true;
      if (changed) this.components.save(channel);
    }
  }

  /**
   * The chain's tip as the gateway last told it, ahead of the height while
   * the node catches up: a claim broadcast then waits for blocks after this
   * one before it counts as slow to confirm (the blocks before were mined
   * without it), so that a node back after a day does not bump its fees
   * once for every six blocks of its backlog.
   */
  chainTipSeen(height: number): void {
    this.tipHeight = height;
  }

  /**
   * Whether something is due within a few blocks of `height` (a funding
   * transaction to count, HTLCs with deadlines, claims on chain): the chain
   * feed then sends each block at once instead of a few at a time.
   */
  needsEveryBlock(soon: number): boolean {
    for (const channel of this.channels) {
      if (channel.onchain) {
        if (this.monitorOf(channel).needsEveryBlock(soon)) return true;
      } else if (!channel.readySent) {
        return true;
      } else {
        // HTLCs whose deadline (BOLT 2's) is near: the node must act in the right block.
        const state = channel.channel.state;
        for (const htlc of [...state.localCommit.spec.htlcs, ...state.remoteCommit.spec.htlcs]) {
          if (htlcDeadline(htlc.direction, htlc.cltvExpiry) <= soon) return true;
        }
      }
    }
    return false;
  }

  /** The chain shows a transaction (in a block or the mempool): a revoked commitment is punished at once, and so is its second stage. */
  transactionSeen(tx: Transaction): void {
    const hash = bytesToHex(tx.getHash());
    const { wallet, fees } = this.components;
    // A second-stage HTLC transaction on a breach we saw: its output is ours too.
    for (const input of tx.ins) {
      const breach = this.breaches.get(bytesToHex(input.hash));
      const justice = breach && secondStageJustice(breach.channel.channel.state, breach.channel.channel.signer, breach.tx, tx, wallet.sweepScript(), fees.feeratePerKw('justice'));
      if (breach && justice) {
        this.components.broadcast(justice);
        this.components.report({ type: 'breach', peer: breach.channel.peer, handle: breach.channel.handle, breachTxid: breach.tx.getId(), justice });
      }
    }
    const remedy = this.remedyFor(hash);
    if (!remedy) return;
    const { channel, justice } = remedy;
    if (!this.breaches.has(hash)) {
      this.breaches.set(hash, { channel, tx });
      this.components.save(channel); // so that its second-stage transactions are punished also after a restart
    }
    // The whole justice first; the per-output ones take what remains if it cannot confirm.
    const [whole, ...perOutput] = justice.map((bytes) => Transaction.fromBuffer(bytes));
    for (const justiceTx of [whole!, ...perOutput]) this.components.broadcast(justiceTx);
    this.components.report({ type: 'breach', peer: channel.peer, handle: channel.handle, breachTxid: tx.getId(), justice: whole! });
  }

  /** The latest height the chain monitor was told of. */
  get chainHeight(): number {
    return this.height;
  }

  // ---- inside -------------------------------------------------------------------------

  /** Takes a channel on chain when one of its HTLCs reaches its deadline (BOLT 2). */
  private checkHtlcDeadlines(channel: Watched, height: number): void {
    const state = channel.channel.state;
    if (!state.localCommit.signatures || !channel.readySent) return;
    const settledByThem = new Set(channel.channel.settlementsReceived().map((settlement) => settlement.id));
    const htlcs = [...state.localCommit.spec.htlcs, ...state.remoteCommit.spec.htlcs, ...(state.nextRemoteCommit?.spec.htlcs ?? [])];
    for (const htlc of htlcs) {
      const overdue =
        (htlc.direction === 'outgoing' && !settledByThem.has(htlc.id) && offeredHtlcOverdue(htlc.cltvExpiry, height)) ||
        (htlc.direction === 'incoming' && this.preimageFor(htlc.paymentHash) !== undefined && receivedHtlcClaimDue(htlc.cltvExpiry, height));
      if (!overdue) continue;
      const what = htlc.direction === 'outgoing' ? `HTLC ${htlc.id} we offered expired at ${htlc.cltvExpiry}` : `HTLC ${htlc.id} we can claim expires at ${htlc.cltvExpiry}`;
      return this.forceClose(channel, `${what} and the peer has not settled it (height ${height})`);
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
    for (const channel of this.channels) {
      const preimage =
        channel.channel.fulfilledPreimage(paymentHash) ??
        channel.onchain?.outgoing?.find((htlc) => htlc.preimage && bytesToHex(htlc.paymentHash) === hash)?.preimage ??
        channel.onchain?.learned?.find((each) => bytesToHex(sha256(each)) === hash);
      if (preimage) return preimage;
    }
    return undefined;
  }

  /**
   * The funding output is spent: whatever spent it, the channel is over off
   * chain; its monitor tells what the close was and takes it from there.
   */
  private fundingSpent(channel: Watched, tx: Transaction): void {
    const remedies = this.remedyFor(bytesToHex(tx.getHash()))?.justice;
    const { kind, reason, stakeMsat } = this.monitorOf(channel).fundingSpent(tx, remedies, channel.shutdown?.closed === true);
    this.components.closed(channel);
    this.components.save(channel);
    if (kind !== 'cooperative') {
      this.components.report({ type: 'channel_force_closed', peer: channel.peer, handle: channel.handle, ours: false, commitmentTxid: tx.getId(), reason, stakeMsat });
    }
  }

  /**
   * Runs one channel's part of a chain event: an error there (a wallet that
   * cannot pay a fee, a state that does not build) is reported and does not
   * keep the other channels, or the next blocks, from being handled.
   */
  private isolated(channel: Watched, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.components.report({ type: 'peer_error', peer: channel.peer, reason: `channel ${channel.handle} on chain: ${(error as Error).message}` });
    }
  }

  /** The channel's monitor, acting through this one. */
  private monitorOf(channel: Watched): ChannelMonitor {
    let monitor = this.monitors.get(channel);
    if (!monitor) {
      const { wallet, chainFilter, fees, logger } = this.components;
      monitor = new ChannelMonitor(
        {
          broadcast: (tx) => this.components.broadcast(tx),
          sweepScript: () => wallet.sweepScript(),
          payFee: (tx, baseWeight, feeratePerKw, replaces) => wallet.payFee(tx, baseWeight, feeratePerKw, replaces),
          feeTransactionReplaced: (before, after) => wallet.replaced?.(before, after),
          abandonTransaction: (txid) => wallet.abandonTransaction?.(txid),
          fees,
          ...(chainFilter && { chainFilter }),
          preimageFor: (paymentHash) => this.preimageFor(paymentHash),
          persist: () => this.components.save(channel),
          report: (event) => this.components.report({ ...event, peer: channel.peer, handle: channel.handle }),
          resolveOutgoing: (id, paymentHash, preimage, reason) => this.components.resolveOutgoing(channel, id, paymentHash, preimage, reason),
          isolated: (work) => this.isolated(channel, work),
          height: () => this.height,
          tipHeight: () => Math.max(this.height, this.tipHeight),
          logger,
        },
        channel,
      );
      this.monitors.set(channel, monitor);
    }
    return monitor;
  }
}

/** Whether `tx` spends `outpoint`. */
function spends(tx: Transaction, outpoint: Outpoint): boolean {
  return tx.ins.some((input) => spentOutpoint(input) === `${outpoint.txid}:${outpoint.vout}`);
}
