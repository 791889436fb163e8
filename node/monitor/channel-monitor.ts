/**
 * The ChannelMonitor: everything a channel does on chain once its funding
 * output is spent (rust-lightning's `ChannelMonitor`). It tells what spent
 * the funding output (our commitment, theirs, a revoked one, a cooperative
 * close), builds our claims (node/monitor/claims.ts) and broadcasts each
 * when its locks allow and again until it confirms, follows confirmations
 * and reorgs, reads preimages the counterparty reveals on chain, builds
 * claims for preimages learned later, and settles the HTLCs we offered once
 * the chain has decided them.
 *
 * It keeps its state in the channel's `onchain` resolution, which is
 * persisted with the channel (`host.persist`, always before anything it
 * depends on leaves the node), and it acts through its host, the
 * ChainMonitor (chain-monitor.ts): the broadcaster, the wallet, the chain
 * filter, and the manager for what concerns other channels (settling a
 * forwarded HTLC upstream).
 */
import { bytesToHex } from '../core/hex.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ANCHOR_OUTPUT_SATOSHIS } from '../bolt3/fees.js';
import { Transaction } from '../bolt3/transaction.js';
import type { CommitmentSpec } from '../commitment/spec.js';
import type { ChannelState } from '../commitment/state.js';
import type { ChannelSigner } from '../keys/signer.js';
import type { ChainFilter } from '../chain/chain-listener.js';
import type { FeeEstimator } from '../chain/fee-estimator.js';
import type { Logger } from '../core/logger.js';
import type { CloseKind, OnchainResolution, PendingClaim } from '../persist/persister.js';
import { type Claim, type ClaimFeerates, claimsAfterOurClose, claimsAfterTheirClose, revocationSecretOf, secondStageClaim, secondStageJustice } from './claims.js';
import { anchorChild } from './anchor-child.js';
import { ANTI_REORG_DELAY, REBROADCAST_AFTER_BLOCKS } from './deadlines.js';
import { preimagesRevealed } from './preimages.js';
import { feePaid, feerateOf, justiceAgain, nextFeerate } from './replacements.js';
import { spentOutpoint } from './outpoints.js';
import { toRemoteClaim } from './to-remote.js';

/** A closed channel's progress on chain, for people: `lnmesh channels`. */
export interface OnchainSummary {
  readonly kind: CloseKind;
  /** The transaction that spent the funding output (a commitment, or the closing transaction). */
  readonly commitmentTxid: string;
  readonly confirmedAt?: number;
  readonly claims: readonly ClaimSummary[];
}

export interface ClaimSummary {
  readonly description: string;
  readonly txid: string;
  /** What it pays us (its first output). */
  readonly satoshis: number;
  /** What it takes from the output it spends, when known. */
  readonly inputSatoshis?: number;
  /** waiting (for its locks, or for what it spends), broadcast, confirmed, or void (someone else spent that output). */
  readonly state: 'waiting' | 'broadcast' | 'confirmed' | 'void';
  /** The first block that may include it, once what it spends has confirmed. */
  readonly unlocksAt?: number;
  readonly confirmedAt?: number;
}

/** The claim that is our anchor's child, paying for our commitment (CPFP). */
const ANCHOR_CHILD = 'anchor (CPFP)';

/** What a monitor tells its manager (which adds the channel's peer and handle). */
export type MonitorEvent =
  /** A claim of ours confirmed: its output is in our wallet. */
  | { readonly type: 'funds_spendable'; readonly description: string; readonly txid: string; readonly satoshis: number }
  /** An HTLC settled on chain: `claimed` by the counterparty with its preimage (we offered it), or `won` by us with ours. */
  | { readonly type: 'htlc_resolved_onchain'; readonly paymentHash: Uint8Array; readonly amountMsat: number; readonly outcome: 'claimed' | 'won' };

/** What a monitor acts through: one per channel, given by its manager. */
export interface ChannelMonitorHost {
  broadcast(tx: Transaction): void;
  /** Where our claims pay: the wallet. */
  sweepScript(): Uint8Array;
  /**
   * Adds the wallet's inputs (and change) to pay the fee of a transaction that carries none (anchors' HTLC
   * transactions). `replaces`: the version of the same claim it replaces (a fee bump), whose coins it spends again.
   */
  payFee(tx: Transaction, baseWeight: number, feeratePerKw: number, replaces?: Transaction): void;
  /** A miner took an earlier version (`after`) of a claim whose fee the wallet pays, not the one out last (`before`): the wallet's coins follow. */
  feeTransactionReplaced(before: Transaction, after: Transaction): void;
  /** A claim's version that can never confirm goes back to the wallet: its fee inputs unspent again, its change gone. */
  abandonTransaction(txid: string): void;
  readonly fees: FeeEstimator;
  readonly chainFilter?: ChainFilter;
  /** A preimage the node may use on chain (see the manager's `preimageFor`). */
  preimageFor(paymentHash: Uint8Array): Uint8Array | undefined;
  /** Saves the channel with its resolution: durable before anything that depends on it leaves. */
  persist(): void;
  report(event: MonitorEvent): void;
  /** An HTLC we offered is settled on chain: pass it upstream, or tell the payer. */
  resolveOutgoing(id: number, paymentHash: Uint8Array, preimage?: Uint8Array, reason?: string): void;
  /** Runs `work`; an error there is reported and does not stop the other channels. */
  isolated(work: () => void): void;
  /** The chain's height as the node knows it. */
  height(): number;
  /** The chain's tip as the gateway last told it (at least `height`): a claim out waits for blocks after it before it counts as slow. */
  tipHeight(): number;
  readonly logger: Logger;
}

/** What a monitor reads of a channel (the manager's `Channel` is one): its state, its keys, the settlements it has received. */
export interface WatchedChannel {
  readonly state: ChannelState;
  readonly signer: ChannelSigner;
  settlementsReceived(): { id: number; paymentPreimage?: Uint8Array; reason?: Uint8Array }[];
}

/** The channel a monitor watches: its state and keys, and its resolution once the funding output is spent. */
export interface MonitoredChannel {
  readonly channel: WatchedChannel;
  onchain?: OnchainResolution;
}

export class ChannelMonitor {
  constructor(
    private readonly host: ChannelMonitorHost,
    private readonly subject: MonitoredChannel,
  ) {}

  /** The block at `height` left the best chain: what confirmed there is unconfirmed, and will be broadcast again if due. Returns whether anything changed. */
  blockDisconnected(height: number): boolean {
    const onchain = this.subject.onchain;
    if (!onchain) return false;
    let changed = false;
    for (const [txid, at] of Object.entries(onchain.confirmed)) {
      if (at >= height) {
        delete onchain.confirmed[txid];
        changed = true;
      }
    }
    for (const claim of allClaims(onchain.claims)) {
      if (claim.confirmedAt !== undefined && claim.confirmedAt >= height) {
        claim.confirmedAt = undefined;
        claim.broadcast = false;
        changed = true;
      }
      // What beat our claim to its output left the chain: our claim may go again.
      if (claim.conflicted && (claim.conflictedAt === undefined || claim.conflictedAt >= height)) {
        claim.conflicted = false;
        claim.conflictedAt = undefined;
        claim.broadcast = false;
        changed = true;
      }
    }
    return changed;
  }

  /** Whether something is due by the block `soon`: our commitment to confirm, a claim out or unlocking. */
  needsEveryBlock(soon: number): boolean {
    const onchain = this.subject.onchain;
    if (!onchain || onchain.kind === 'cooperative') return false;
    // (A preimage claimed on chain comes at once in any case: the feed pushes a block that matches at once.)
    if (onchain.confirmed[onchain.commitmentTxid] === undefined) return true;
    // A claim broadcast, or unlocking soon, wants its block at once; one locked for two weeks does not.
    for (const claim of allClaims(onchain.claims)) {
      if (claim.confirmedAt !== undefined || claim.conflicted) continue;
      const unlocksAt = claimUnlocksAt(claim, onchain);
      if (claim.broadcast || (unlocksAt !== undefined && unlocksAt <= soon)) return true;
    }
    return false;
  }

  /**
   * The HTLC claims on our own commitment not built yet: built now (the
   * wallet pays their fee with anchors; one that cannot is tried again at
   * the next block, its HTLC still far from expiry), and with a preimage
   * learned since, the claims it makes possible.
   */
  completeClaims(): void {
    const onchain = this.subject.onchain!;
    if (onchain.kind !== 'ours' || onchain.htlcClaimsBuilt) return;
    const claimed = new Set(allClaims(onchain.claims).flatMap((claim) => (claim.htlc ? [`${claim.htlc.outgoing}/${claim.htlc.id}`] : [])));
    const feeratePerKw = this.host.fees.feeratePerKw('claim');
    const fresh: Claim[] = [];
    const { claims } = claimsAfterOurClose(
      this.subject.channel.state,
      this.subject.channel.signer,
      this.host.sweepScript(),
      this.host.fees.feeratePerKw('sweep'),
      (hash) => this.host.preimageFor(hash),
      (tx, baseWeight) => this.host.payFee(tx, baseWeight, feeratePerKw),
      (htlc) => !claimed.has(`${htlc.outgoing}/${htlc.id}`) && (htlc.outgoing || this.host.preimageFor(htlc.paymentHash) !== undefined),
    );
    for (const claim of claims) if (claim.htlc) fresh.push(claim);
    onchain.claims.push(...fresh.map((claim) => pendingClaim(claim, feeratePerKw)));
    onchain.htlcClaimsBuilt = true;
    this.host.persist();
    if (fresh.length > 0) this.broadcastDueClaims(this.host.height());
  }

  /**
   * Once it is past reorgs (`ANTI_REORG_DELAY` deep) that a claim lost its
   * output to another transaction, or confirmed in one of its versions, the
   * versions that can never confirm go back to the wallet: the coins one of
   * them took to pay its fee (anchors' HTLC transactions) are the wallet's
   * again, and the change it promised is not. Without this the wallet kept
   * counting change that never existed.
   */
  private abandonLosers(claim: PendingClaim, height: number): boolean {
    if (claim.abandoned) return false;
    const settledAt = claim.confirmedAt ?? (claim.conflicted ? claim.conflictedAt : undefined);
    if (settledAt === undefined || height - settledAt + 1 < ANTI_REORG_DELAY) return false;
    // The version out last (`transaction`) is the one that confirmed, if one did: every other lost.
    const [current, ...earlier] = [claim.transaction, ...(claim.earlier ?? [])].map((bytes) => Transaction.fromBuffer(bytes).getId());
    for (const txid of claim.confirmedAt !== undefined ? earlier : [current!, ...earlier]) this.host.abandonTransaction(txid);
    claim.abandoned = true;
    return true;
  }

  /**
   * Replaces a claim that has not confirmed with the same claim at a higher
   * feerate (node/monitor/replacements.ts), as rust-lightning's
   * OnchainTxHandler does for the claims it can sign again: sweeps we sign
   * alone (`to_local`, `to_remote`, HTLCs on their commitment, the outputs
   * of our HTLC transactions), justice and
   * second-stage justice (we hold the revocation secret), and with anchors
   * the HTLC transactions on our commitment (their signature is
   * SIGHASH_SINGLE|ANYONECANPAY: the wallet pays more with the same coins).
   * HTLC transactions without anchors carry the fee both sides signed: they
   * go again as they are. The versions replaced are kept: a miner may still take one.
   */
  private bumpFee(claim: PendingClaim): void {
    let replacement: Replacement | undefined;
    const current = Transaction.fromBuffer(claim.transaction);
    try {
      replacement = this.replacementOf(claim, current);
    } catch (error) {
      // Cannot be built again now (the wallet, the state): the claim goes again as it is.
      this.host.logger.log('warn', 'claim fee not bumped', { claim: claim.description, txid: current.getId(), reason: (error as Error).message });
      return;
    }
    if (!replacement) return;
    claim.earlier = [...(claim.earlier ?? []), claim.transaction];
    claim.transaction = replacement.transaction.toBuffer();
    claim.feeratePerKw = replacement.feeratePerKw;
    if (replacement.followed) this.followVersion(claim);
    const txid = replacement.transaction.getId();
    this.host.logger.log('info', 'claim fee bumped (RBF)', { claim: claim.description, txid, replaces: current.getId(), feeratePerKw: replacement.feeratePerKw });
  }

  private replacementOf(claim: PendingClaim, current: Transaction): Replacement | undefined {
    const onchain = this.subject.onchain!;
    const { channel } = this.subject;
    const breach = onchain.kind === 'revoked' && onchain.commitment ? Transaction.fromBuffer(onchain.commitment) : undefined;
    if (breach && claim.description !== 'to_remote') return this.justiceReplacement(claim, current, breach);
    if (claim.description === ANCHOR_CHILD) return this.anchorChildReplacement(claim, current);
    if (onchain.kind === 'ours' && claim.htlc && channel.state.variant === 'anchors') return this.htlcReplacement(claim, current);
    if (claim.satoshis === undefined || current.ins.length !== 1 || claim.then) return undefined;
    const fee = feePaid(current, claim.satoshis);
    // An HTLC's claim races the counterparty; the rest sweep what only we can take.
    const feeratePerKw = nextFeerate(feerateOf(current, claim.satoshis), this.host.fees.feeratePerKw(claim.htlc ? 'claim' : 'sweep'));
    if (feeratePerKw === undefined) return undefined;
    const sweepScript = this.host.sweepScript();
    let rebuilt: Claim[] = [];
    if (onchain.kind === 'theirs' && onchain.commitment) {
      rebuilt = claimsAfterTheirClose(channel.state, channel.signer, Transaction.fromBuffer(onchain.commitment), sweepScript, { claim: feeratePerKw, sweep: feeratePerKw }, (hash) => this.host.preimageFor(hash)) ?? [];
    } else if (onchain.kind === 'ours') {
      // `to_local`, or the output of one of our HTLC transactions (the claim that follows it).
      const parent = onchain.claims.find((each) => each.then === claim);
      const then = parent && secondStageClaim(channel.state, channel.signer, Transaction.fromBuffer(parent.transaction), claim.description, sweepScript, feeratePerKw);
      rebuilt = parent ? [then].flatMap((each) => each ?? []) : claimsAfterOurClose(channel.state, channel.signer, sweepScript, feeratePerKw, () => undefined, undefined, () => false).claims;
    } else if (breach) {
      rebuilt = [toRemoteClaim(breach, channel.state.variant, channel.signer, sweepScript, feeratePerKw)].flatMap((each) => each ?? []);
    }
    const outpoint = spentOutpoint(current.ins[0]!);
    const replacement = rebuilt.find((each) => each.transaction.ins.length === 1 && spentOutpoint(each.transaction.ins[0]!) === outpoint);
    // Below what its sweep would cost at that rate: keep the one that pays less.
    if (!replacement || feePaid(replacement.transaction, replacement.satoshis) <= fee) return undefined;
    return { transaction: replacement.transaction, feeratePerKw };
  }

  /** Justice (on the breach, or on a second-stage transaction spending it) signed again at the estimator's rate for justice, or a quarter more. */
  private justiceReplacement(claim: PendingClaim, current: Transaction, breach: Transaction): Replacement | undefined {
    if (claim.satoshis === undefined) return undefined;
    const fee = feePaid(current, claim.satoshis);
    const feeratePerKw = nextFeerate(feerateOf(current, claim.satoshis), this.host.fees.feeratePerKw('justice'));
    if (feeratePerKw === undefined) return undefined;
    // One input: its value is the claim's. Several: each spends an output of the breach.
    const breachTxid = breach.getId();
    if (current.ins.length > 1 && current.ins.some((input) => !spentOutpoint(input).startsWith(`${breachTxid}:`))) return undefined;
    const values = current.ins.length === 1 ? [claim.satoshis] : current.ins.map((input) => Number(breach.outs[input.index]!.value));
    const { channel } = this.subject;
    const transaction = justiceAgain(channel.state, channel.signer, breach, current, values, feeratePerKw);
    if (!transaction || feePaid(transaction, claim.satoshis) <= fee) return undefined;
    return { transaction, feeratePerKw };
  }

  /**
   * An anchors HTLC transaction on our commitment built again at a higher
   * rate, the wallet paying with the coins of the version it replaces (and
   * more if they do not suffice), so that the two conflict and no coin is
   * counted twice. Its second stage follows the new version.
   */
  private htlcReplacement(claim: PendingClaim, current: Transaction): Replacement | undefined {
    const htlc = claim.htlc!;
    const estimate = this.host.fees.feeratePerKw('claim');
    // Stores written before the rate was kept: the estimate now stands for the rate paid.
    const feeratePerKw = nextFeerate(claim.feeratePerKw ?? estimate, estimate);
    if (feeratePerKw === undefined) return undefined;
    const { channel } = this.subject;
    const { claims } = claimsAfterOurClose(
      channel.state,
      channel.signer,
      this.host.sweepScript(),
      feeratePerKw,
      (hash) => this.host.preimageFor(hash),
      (tx, baseWeight) => this.host.payFee(tx, baseWeight, feeratePerKw, current),
      (each) => each.id === htlc.id && each.outgoing === htlc.outgoing,
    );
    const rebuilt = claims.find((each) => each.htlc);
    return rebuilt && { transaction: rebuilt.transaction, feeratePerKw, followed: true };
  }

  /** Our anchor's child at a higher rate, with the coins of the version it replaces; none once the commitment is in (it only needs to confirm then). */
  private anchorChildReplacement(claim: PendingClaim, current: Transaction): Replacement | undefined {
    const onchain = this.subject.onchain!;
    if (onchain.confirmed[onchain.commitmentTxid] !== undefined || !onchain.commitment) return undefined;
    const estimate = this.host.fees.feeratePerKw('claim');
    const feeratePerKw = nextFeerate(claim.feeratePerKw ?? estimate, estimate);
    if (feeratePerKw === undefined) return undefined;
    const child = anchorChild(Transaction.fromBuffer(onchain.commitment), this.subject.channel.signer, (tx, baseWeight) => this.host.payFee(tx, baseWeight, feeratePerKw, current));
    return child && { transaction: child, feeratePerKw };
  }

  /** The claim on an anchors HTLC transaction's output, for the version of it now current (each version has its own txid). */
  private followVersion(claim: PendingClaim): void {
    const { channel } = this.subject;
    const tx = Transaction.fromBuffer(claim.transaction);
    const description = claim.then?.description ?? `${claim.htlc?.outgoing ? 'htlc-timeout' : 'htlc-success'} output`;
    const then = secondStageClaim(channel.state, channel.signer, tx, description, this.host.sweepScript(), this.host.fees.feeratePerKw('sweep'));
    if (then) claim.then = pendingClaim(then);
    else delete claim.then;
  }

  /**
   * What of ours a commitment on chain carries: our balance in it, the HTLCs
   * we offered in it not settled yet, and those offered to us in it that we
   * can claim. (For people and the simulator's book; the claims are what counts.)
   */
  stakeMsat(spec: CommitmentSpec): number {
    const unresolved = new Set((this.subject.onchain?.outgoing ?? []).filter((htlc) => !htlc.resolved).map((htlc) => htlc.id));
    const outgoing = spec.htlcs.filter((htlc) => htlc.direction === 'outgoing' && unresolved.has(htlc.id));
    const incoming = spec.htlcs.filter((htlc) => htlc.direction === 'incoming' && this.host.preimageFor(htlc.paymentHash) !== undefined);
    return spec.toLocalMsat + [...outgoing, ...incoming].reduce((sum, htlc) => sum + htlc.amountMsat, 0);
  }

  /** Every output of a commitment on chain is watched: our claims, their claims (preimages), and the second stage. */
  private watchCommitmentOutputs(tx: Transaction): void {
    const filter = this.host.chainFilter;
    if (!filter) return;
    const txid = tx.getId();
    tx.outs.forEach((output, vout) => {
      if (Number(output.value) > ANCHOR_OUTPUT_SATOSHIS) filter.watchOutput({ txid, vout });
    });
  }

  /**
   * A transaction touching a closed channel: the commitment or a claim of
   * ours confirming, someone else's spend of an output we claim (which
   * voids our claim and may reveal a preimage). Returns whether anything changed.
   */
  transactionConfirmed(tx: Transaction, height: number): boolean {
    const onchain = this.subject.onchain!;
    const txid = tx.getId();
    let changed = false;
    if (txid === onchain.commitmentTxid && onchain.confirmed[txid] !== height) {
      onchain.confirmed[txid] = height;
      changed = true;
    }
    const spent = new Set(tx.ins.map(spentOutpoint));
    for (const claim of allClaims(onchain.claims)) {
      // An earlier version of a claim we bumped confirmed (a miner took it before the replacement): it is the claim.
      const earlier = claim.earlier?.find((bytes) => Transaction.fromBuffer(bytes).getId() === txid);
      if (earlier) {
        const replaced = claim.transaction;
        claim.earlier = [...claim.earlier!.filter((bytes) => bytes !== earlier), replaced];
        claim.transaction = earlier;
        // An anchors HTLC transaction (the wallet's coins and the second stage follow the version mined), or our anchor's child.
        if (onchain.kind === 'ours' && claim.htlc && this.subject.channel.state.variant === 'anchors') {
          this.host.feeTransactionReplaced(Transaction.fromBuffer(replaced), tx);
          this.followVersion(claim);
        } else if (claim.description === ANCHOR_CHILD) {
          this.host.feeTransactionReplaced(Transaction.fromBuffer(replaced), tx);
        }
      }
      const claimTx = Transaction.fromBuffer(claim.transaction);
      if (claimTx.getId() === txid) {
        if (claim.confirmedAt === height) continue;
        claim.confirmedAt = height;
        claim.conflicted = false;
        onchain.confirmed[txid] = height;
        changed = true;
        // A second-stage HTLC transaction of ours: its output is claimed after the delay; watch it.
        if (claim.then) this.host.chainFilter?.watchOutput({ txid, vout: 0 });
        this.host.logger.log('info', 'claim confirmed', { claim: claim.description, txid, height });
        if (!claim.then && claim.description !== ANCHOR_CHILD) {
          this.host.report({ type: 'funds_spendable', description: claim.description, txid, satoshis: Number(tx.outs[0]?.value ?? 0) });
        }
      } else if (claimTx.ins.some((input) => spent.has(spentOutpoint(input))) && !claim.conflicted) {
        claim.conflicted = true;
        claim.conflictedAt = height;
        changed = true;
      }
    }
    if (this.punishSecondStage(tx, height)) changed = true;
    // What a claim of ours spends confirmed (a second-stage transaction we punish): the claim may go.
    if (onchain.confirmed[txid] !== height && allClaims(onchain.claims).some((claim) => claim.spends === txid)) {
      onchain.confirmed[txid] = height;
      changed = true;
    }
    // The counterparty claimed an HTLC we offered with its preimage: the payment went through. The preimage is
    // written first; settling upstream follows (resolveOutgoingOnchain), and is repeated after a crash until done.
    const pending = new Set((onchain.outgoing ?? []).filter((htlc) => !htlc.resolved && !htlc.preimage).map((htlc) => bytesToHex(htlc.paymentHash)));
    for (const [hash, preimage] of preimagesRevealed(tx, pending)) {
      for (const htlc of onchain.outgoing!) {
        if (htlc.resolved || bytesToHex(htlc.paymentHash) !== hash) continue;
        htlc.preimage = preimage;
        changed = true;
      }
    }
    if (changed) this.host.persist();
    if ((onchain.outgoing ?? []).some((htlc) => htlc.preimage && !htlc.resolved)) this.resolveOutgoing(height);
    return changed;
  }

  /**
   * A second-stage HTLC transaction of theirs on a breach: its output has
   * the revoked commitment's `to_local` script, ours at once. Its justice
   * becomes a claim like the others (broadcast again until it confirms,
   * bumped while it does not). The manager broadcasts it first, as soon as
   * it sees that transaction (in the mempool already). Returns whether it is new.
   */
  private punishSecondStage(tx: Transaction, height: number): boolean {
    const onchain = this.subject.onchain!;
    if (onchain.kind !== 'revoked' || !onchain.commitment) return false;
    const txid = tx.getId();
    if (!tx.ins.some((input) => spentOutpoint(input).startsWith(`${onchain.commitmentTxid}:`))) return false;
    const ours = (claim: PendingClaim) => claim.spends === txid || [claim.transaction, ...(claim.earlier ?? [])].some((bytes) => Transaction.fromBuffer(bytes).getId() === txid);
    if (allClaims(onchain.claims).some(ours)) return false;
    const { channel } = this.subject;
    const justice = secondStageJustice(channel.state, channel.signer, Transaction.fromBuffer(onchain.commitment), tx, this.host.sweepScript(), this.host.fees.feeratePerKw('justice'));
    if (!justice) return false;
    const vout = justice.ins[0]!.index;
    // Out already: the manager broadcast the same transaction as it saw the one it spends (transactionSeen).
    const claim = { description: 'second-stage justice', transaction: justice.toBuffer(), spends: txid, satoshis: Number(tx.outs[vout]!.value), broadcast: true, broadcastAt: height };
    onchain.claims.push(claim);
    onchain.confirmed[txid] = height;
    // Its confirmation comes through the feed only if what it spends is watched.
    this.host.chainFilter?.watchOutput({ txid, vout });
    this.host.logger.log('warn', 'second-stage transaction on a breach: justice', { spends: txid, justice: justice.getId(), height });
    return true;
  }

  /**
   * Our anchors commitment has not confirmed (its feerate, signed long ago,
   * may be too low now): a child spending our anchor and a coin of the
   * wallet pays for both (CPFP), and is bumped in turn (RBF, with the same
   * coins) each time the commitment goes again unconfirmed. A claim of the
   * close: broadcast until it confirms, so that the wallet's coins it spends are settled.
   */
  private payForCommitment(height: number): void {
    const onchain = this.subject.onchain!;
    const { channel } = this.subject;
    if (channel.state.variant !== 'anchors' || !onchain.commitment) return;
    let claim = onchain.claims.find((each) => each.description === ANCHOR_CHILD);
    if (claim) {
      this.bumpFee(claim);
    } else {
      const feeratePerKw = this.host.fees.feeratePerKw('claim');
      let child: Transaction | undefined;
      try {
        child = anchorChild(Transaction.fromBuffer(onchain.commitment), channel.signer, (tx, baseWeight) => this.host.payFee(tx, baseWeight, feeratePerKw));
      } catch (error) {
        this.host.logger.log('warn', 'no child for our commitment (CPFP)', { reason: (error as Error).message });
        return;
      }
      if (!child) return;
      claim = { description: ANCHOR_CHILD, transaction: child.toBuffer(), spends: onchain.commitmentTxid, satoshis: ANCHOR_OUTPUT_SATOSHIS, feeratePerKw };
      onchain.claims.push(claim);
      // Its confirmation comes through the feed only if our anchor is watched.
      this.host.chainFilter?.watchOutput({ txid: onchain.commitmentTxid, vout: child.ins[0]!.index });
    }
    claim.broadcast = true;
    claim.broadcastAt = Math.max(height, this.host.tipHeight());
    const tx = Transaction.fromBuffer(claim.transaction);
    this.host.logger.log('info', 'our commitment is not confirmed: a child pays for it (CPFP)', { commitment: onchain.commitmentTxid, txid: tx.getId(), feeratePerKw: claim.feeratePerKw, height });
    this.host.broadcast(tx);
  }

  /** Broadcasts each claim once the next block can include it, and again if it has not confirmed a while later. */
  broadcastDueClaims(height: number): void {
    const onchain = this.subject.onchain!;
    let changed = false;
    // What goes out now waits for the blocks after the tip: those before it (a node catching up) were mined without it.
    const outAt = Math.max(height, this.host.tipHeight());
    // Our commitment, until it confirms: a mempool may have dropped it, a gateway lost it.
    if (onchain.kind === 'ours' && onchain.commitment && onchain.confirmed[onchain.commitmentTxid] === undefined) {
      if (onchain.commitmentBroadcastAt === undefined || height - onchain.commitmentBroadcastAt >= REBROADCAST_AFTER_BLOCKS) {
        if (onchain.commitmentBroadcastAt !== undefined) {
          this.host.broadcast(Transaction.fromBuffer(onchain.commitment));
          this.payForCommitment(height);
        }
        onchain.commitmentBroadcastAt = outAt;
        changed = true;
      }
    }
    for (const claim of allClaims(onchain.claims)) {
      if (this.abandonLosers(claim, height)) changed = true;
      if (claim.confirmedAt !== undefined || claim.conflicted) continue;
      if (claim.broadcast && claim.broadcastAt !== undefined && height - claim.broadcastAt < REBROADCAST_AFTER_BLOCKS) continue;
      if (claim.broadcast && claim.broadcastAt === undefined) {
        claim.broadcastAt = outAt; // written by an earlier version: count from now
        changed = true;
        continue;
      }
      // What it spends must be in the chain, and the next block (height + 1) allowed by both its locks.
      const unlocksAt = claimUnlocksAt(claim, onchain);
      if (unlocksAt === undefined || unlocksAt > height + 1) continue;
      // Out a while and not confirmed: again, at a higher feerate where it can be signed again (RBF).
      if (claim.broadcast) this.bumpFee(claim);
      const again = claim.broadcast;
      claim.broadcast = true;
      claim.broadcastAt = outAt;
      changed = true;
      const tx = Transaction.fromBuffer(claim.transaction);
      this.host.logger.log('info', again ? 'claim broadcast again (not confirmed yet)' : 'claim broadcast', { claim: claim.description, txid: tx.getId(), height });
      this.host.broadcast(tx);
    }
    if (changed) this.host.persist();
  }

  /**
   * HTLCs we offered on a channel now on chain are settled upstream (or
   * reported to the payer) once that is final: failed when our timeout
   * claim is `ANTI_REORG_DELAY` deep, or when the commitment on chain,
   * that deep, carries no output of theirs for it (dust, not yet signed,
   * or a breach the justice takes whole). Fulfilled ones were settled as
   * soon as their preimage showed.
   */
  resolveOutgoing(height: number): void {
    const onchain = this.subject.onchain!;
    // A preimage seen on chain settles at once (it is proof of payment, whatever a reorg does); written before, marked after.
    for (const htlc of onchain.outgoing ?? []) {
      if (htlc.resolved || !htlc.preimage) continue;
      this.host.resolveOutgoing(htlc.id, htlc.paymentHash, htlc.preimage);
      htlc.resolved = 'fulfilled';
      this.host.persist();
      this.host.report({ type: 'htlc_resolved_onchain', paymentHash: htlc.paymentHash, amountMsat: htlc.amountMsat, outcome: 'claimed' });
    }
    const commitmentAt = onchain.confirmed[onchain.commitmentTxid];
    if (commitmentAt === undefined) return;
    const deep = (at: number | undefined) => at !== undefined && height - at + 1 >= ANTI_REORG_DELAY;
    for (const htlc of onchain.outgoing ?? []) {
      if (htlc.resolved) continue;
      const timeouts = allClaims(onchain.claims).filter((claim) => claim.htlc?.outgoing && claim.htlc.id === htlc.id);
      const live = timeouts.filter((claim) => !claim.conflicted);
      const timedOut = live.some((claim) => deep(claim.confirmedAt));
      const nothingToClaim = timeouts.length === 0 && deep(commitmentAt);
      if (!timedOut && !nothingToClaim) continue;
      // Upstream first, then marked: a crash in between repeats the settlement, which is harmless; the other order could lose it.
      this.host.resolveOutgoing(htlc.id, htlc.paymentHash, undefined, timedOut ? 'timed out on chain' : 'the channel closed on chain without it');
      htlc.resolved = 'failed';
      this.host.persist();
    }
  }

  /** A preimage learned after a channel went on chain: claim its HTLCs with it too. */
  claimLate(learned: Uint8Array): void {
    const onchain = this.subject.onchain!;
    const learnedHash = bytesToHex(sha256(learned));
    const preimageOf = (hash: Uint8Array) => (bytesToHex(hash) === learnedHash ? learned : this.host.preimageFor(hash));
    const before = allClaims(onchain.claims).length;
    if (onchain.kind === 'ours') {
      // Written with the channel before the claim is built: a wallet that cannot pay its fee now tries again at each block.
      onchain.learned = [...(onchain.learned ?? []), learned];
      onchain.htlcClaimsBuilt = false;
      this.host.persist();
      this.host.isolated(() => this.completeClaims());
    } else if (onchain.kind === 'theirs' && onchain.commitment) {
      const claimed = new Set(allClaims(onchain.claims).map((claim) => outpointsOf(Transaction.fromBuffer(claim.transaction))));
      const fresh = (claimsAfterTheirClose(this.subject.channel.state, this.subject.channel.signer, Transaction.fromBuffer(onchain.commitment), this.host.sweepScript(), this.claimFeerates(), preimageOf) ?? []).filter(
        (claim) => !claimed.has(outpointsOf(claim.transaction)),
      );
      if (fresh.length > 0) {
        onchain.claims.push(...fresh.map(pendingClaim));
        this.host.persist();
        this.broadcastDueClaims(this.host.height());
      }
    }
    const won = allClaims(onchain.claims).slice(before).filter((claim) => claim.htlc && !claim.htlc.outgoing);
    for (const claim of won) {
      const htlc = [this.subject.channel.state.localCommit.spec, this.subject.channel.state.remoteCommit.spec].flatMap((spec) => spec.htlcs).find((each) => each.direction === 'incoming' && each.id === claim.htlc!.id);
      this.host.report({ type: 'htlc_resolved_onchain', paymentHash: claim.htlc!.paymentHash, amountMsat: htlc?.amountMsat ?? 0, outcome: 'won' });
    }
  }

  /** The HTLCs we offered in `spec` (or in either commitment, without one) that no settlement has removed yet. */
  pendingOutgoing(spec?: CommitmentSpec): NonNullable<OnchainResolution['outgoing']> {
    const state = this.subject.channel.state;
    const specs = spec ? [spec] : [state.localCommit.spec, state.remoteCommit.spec, ...(state.nextRemoteCommit ? [state.nextRemoteCommit.spec] : [])];
    const byId = new Map<number, { id: number; paymentHash: Uint8Array; amountMsat: number }>();
    for (const each of [...specs, state.localCommit.spec, state.remoteCommit.spec]) {
      for (const htlc of each.htlcs) if (htlc.direction === 'outgoing') byId.set(htlc.id, { id: htlc.id, paymentHash: htlc.paymentHash, amountMsat: htlc.amountMsat });
    }
    // Settlements they sent us off chain stand: a fulfill's preimage is ours already, a fail is final once revoked.
    const settled = new Set(this.subject.channel.settlementsReceived().filter((settlement) => settlement.paymentPreimage).map((settlement) => settlement.id));
    return [...byId.values()].filter((htlc) => !settled.has(htlc.id));
  }

  /**
   * The funding output is spent: whatever spent it, the channel is over
   * off chain. Their commitment gives us claims; on a revoked one (we hold
   * its `remedies`) the justice transactions are our claims, with our own
   * `to_remote`; a cooperative close (`closingAgreed`) pays both wallets as
   * agreed. Returns what the close was, for the manager to report.
   */
  fundingSpent(tx: Transaction, remedies: readonly Uint8Array[] | undefined, closingAgreed: boolean): { kind: CloseKind; reason: string; stakeMsat: number } {
    const txid = tx.getId();
    const { channel } = this.subject;
    const state = channel.state;
    const sweepScript = this.host.sweepScript();
    const feerates = this.claimFeerates();
    const claims = claimsAfterTheirClose(state, channel.signer, tx, sweepScript, feerates, (hash) => this.host.preimageFor(hash));
    // Their revoked commitment: justice was signed for it (remedies), or there was nothing of theirs worth taking; then
    // it still carries a secret they revealed and pays us (to_remote), which none of our own commitments does.
    // Either way our balance on it is ours to sweep.
    const revealed = !claims && (remedies !== undefined || revocationSecretOf(state, tx) !== undefined);
    const toRemote = revealed ? toRemoteClaim(tx, state.variant, channel.signer, sweepScript, feerates.sweep) : undefined;
    let kind: CloseKind;
    if (claims) kind = 'theirs';
    else if (remedies || toRemote) kind = 'revoked';
    else if (closingAgreed && isCooperativeClose(tx)) kind = 'cooperative';
    else kind = 'unknown';
    // The HTLCs we offered that this transaction can still carry: the commitment's, for theirs; any, for the rest.
    const candidate = [state.remoteCommit, state.nextRemoteCommit].find((commit) => commit?.txid === txid);
    const outgoing = kind === 'cooperative' ? [] : this.pendingOutgoing(candidate?.spec);
    // What an earlier resolution (our own commitment, which this one beat) learned and settled stays learned and settled.
    for (const htlc of outgoing) {
      const before = this.subject.onchain?.outgoing?.find((earlier) => earlier.id === htlc.id);
      if (before?.preimage) htlc.preimage = before.preimage;
      if (before?.resolved) htlc.resolved = before.resolved;
    }
    // On a revoked commitment the justice takes their outputs; our own to_remote is ours to sweep, as on theirs.
    // The justice transactions are claims too: broadcast again until one confirms (a mempool may drop them), voided by what spends their outputs first.
    const justice = kind === 'revoked' ? (remedies ?? []).map((bytes, i) => justiceClaim(bytes, i, tx)) : [];
    const ourToRemote = kind === 'revoked' ? toRemote : undefined;
    this.subject.onchain = { commitmentTxid: txid, ours: false, kind, claims: [...[...(claims ?? []), ...(ourToRemote ? [ourToRemote] : [])].map(pendingClaim), ...justice], confirmed: {}, outgoing, ...((kind === 'theirs' || kind === 'revoked') && { commitment: tx.toBuffer() }) };
    if (kind !== 'cooperative') this.watchCommitmentOutputs(tx);
    // Their commitment's view of our money; for a revoked or unknown one, our last balance (the justice, or nothing, decides the rest).
    const stakeMsat = candidate ? this.stakeMsat(candidate.spec) : state.localCommit.spec.toLocalMsat;
    this.host.logger.log(kind === 'revoked' ? 'warn' : 'info', 'the funding output is spent', { kind, txid, claims: this.subject.onchain.claims.length });
    const reason = kind === 'revoked' && !remedies ? 'the peer broadcast a revoked commitment with nothing of its own on it: our balance on it is swept' : closeReasons[kind];
    return { kind, reason, stakeMsat };
  }

  /** The fee estimator's rates for the claims we build now. */
  private claimFeerates(): ClaimFeerates {
    return { claim: this.host.fees.feeratePerKw('claim'), sweep: this.host.fees.feeratePerKw('sweep') };
  }

  /**
   * Our own close: our latest commitment, signed, and the claim of its
   * `to_local` (the HTLC claims follow, `completeClaims`, as the wallet can
   * pay their fees). Written into the resolution before anything leaves;
   * the caller persists, then broadcasts the commitment.
   */
  closeOurs(): Transaction {
    const { channel } = this.subject;
    // to_local first, with no HTLC: nothing can keep the commitment from leaving. The HTLC transactions
    // (whose fee, with anchors, the wallet pays) are added right after, and again at each block until they are built.
    const { commitment, claims } = claimsAfterOurClose(channel.state, channel.signer, this.host.sweepScript(), this.host.fees.feeratePerKw('sweep'), () => undefined, undefined, () => false);
    this.subject.onchain = {
      commitmentTxid: commitment.getId(),
      ours: true,
      kind: 'ours',
      claims: claims.map(pendingClaim),
      commitment: commitment.toBuffer(),
      confirmed: {},
      // Every HTLC we offered in any commitment: those not in ours are failed back once ours is deep enough.
      outgoing: this.pendingOutgoing(),
    };
    this.watchCommitmentOutputs(commitment);
    return commitment;
  }
}

export function pendingClaim(claim: Claim, feeratePerKw?: number): PendingClaim {
  return {
    description: claim.description,
    transaction: claim.transaction.toBuffer(),
    spends: claim.outpoint.txid,
    ...(claim.notBeforeHeight !== undefined && { notBeforeHeight: claim.notBeforeHeight }),
    ...(claim.relativeDelay !== undefined && { relativeDelay: claim.relativeDelay }),
    ...(claim.then && { then: pendingClaim(claim.then) }),
    ...(claim.htlc && { htlc: claim.htlc }),
    satoshis: claim.satoshis,
    ...(feeratePerKw !== undefined && { feeratePerKw }),
  };
}

export function onchainSummary(onchain: OnchainResolution): OnchainSummary {
  // What a void claim was to make possible (the sweep of its output after a delay) is void with it.
  const voidWithParent = new Set(allClaims(onchain.claims).flatMap((claim) => (claim.conflicted && claim.then ? allClaims([claim.then]) : [])));
  const claims = allClaims(onchain.claims).map((claim): ClaimSummary => {
    const tx = Transaction.fromBuffer(claim.transaction);
    const unlocksAt = claimUnlocksAt(claim, onchain);
    const state = claim.confirmedAt !== undefined ? 'confirmed' : claim.conflicted || voidWithParent.has(claim) ? 'void' : claim.broadcast ? 'broadcast' : 'waiting';
    return {
      description: claim.description,
      txid: tx.getId(),
      satoshis: Number(tx.outs[0]?.value ?? 0),
      ...(claim.satoshis !== undefined && { inputSatoshis: claim.satoshis }),
      state,
      ...(unlocksAt !== undefined && { unlocksAt }),
      ...(claim.confirmedAt !== undefined && { confirmedAt: claim.confirmedAt }),
    };
  });
  const confirmedAt = onchain.confirmed[onchain.commitmentTxid];
  return { kind: onchain.kind ?? (onchain.ours ? 'ours' : 'theirs'), commitmentTxid: onchain.commitmentTxid, ...(confirmedAt !== undefined && { confirmedAt }), claims };
}

/**
 * The first block that may include a claim: after its absolute lock (a
 * transaction is valid in the block after its locktime) and its relative
 * one (counted from the block of what it spends, which counts as one).
 * Undefined while what it spends is not in the chain.
 */
export function claimUnlocksAt(claim: PendingClaim, onchain: OnchainResolution): number | undefined {
  const spentAt = onchain.confirmed[claim.spends];
  if (spentAt === undefined) return undefined;
  return Math.max((claim.notBeforeHeight ?? -1) + 1, spentAt + (claim.relativeDelay ?? 1));
}

/** A justice transaction on a revoked commitment, as a claim: the whole one first (`index` 0), then one per output. */
function justiceClaim(bytes: Uint8Array, index: number, breach: Transaction): PendingClaim {
  const tx = Transaction.fromBuffer(bytes);
  const satoshis = tx.ins.reduce((sum, input) => sum + Number(breach.outs[input.index]?.value ?? 0), 0);
  return { description: index === 0 ? 'justice' : 'justice (one output)', transaction: bytes, spends: breach.getId(), satoshis };
}

/** The outputs a transaction spends, as one key. */
function outpointsOf(tx: Transaction): string {
  return tx.ins.map(spentOutpoint).join();
}

/** A commitment's locktime carries 0x20 in its top byte (BOLT 3's obscured number); a closing transaction's is 0. */
function isCooperativeClose(tx: Transaction): boolean {
  return tx.locktime >>> 24 !== 0x20;
}

/** What `channel_force_closed` says of a close we did not make. */
const closeReasons: Record<CloseKind, string> = {
  ours: 'we broadcast our commitment',
  theirs: 'the peer broadcast its commitment',
  revoked: 'the peer broadcast a revoked commitment: justice broadcast',
  cooperative: 'closed cooperatively',
  unknown: 'the funding output was spent by a transaction this node does not recognise (one of our own old states?)',
};

/** Claims and the claims that follow them, flattened. */
export function allClaims(claims: readonly PendingClaim[]): PendingClaim[] {
  return claims.flatMap((claim) => [claim, ...(claim.then ? allClaims([claim.then]) : [])]);
}

/** A claim signed again at a higher feerate; `followed`: its second stage is built again for it. */
interface Replacement {
  readonly transaction: Transaction;
  readonly feeratePerKw: number;
  readonly followed?: boolean;
}
