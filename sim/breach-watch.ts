/**
 * Follows every revoked commitment a scenario's cheater broadcasts until it
 * is punished: the breach confirms at some height, and a justice transaction
 * (the tower's, or the victim's own once it is back) must confirm before the
 * cheater's CSV delay on its `to_local` output runs out, or the cheater could
 * take the money. Then it counts what the victim got back, and credits the
 * justice to whoever broadcast it first: the tower or the victim.
 */
import type { ChainSource } from '../gateway/chain/chain-source.js';
import type { ResponseRecord } from '../gateway/tower/response-store.js';
import { ANCHOR_OUTPUT_SATOSHIS } from '../node/bolt3/fees.js';
import type { Transaction } from '../node/bolt3/transaction.js';

export interface Breach {
  readonly cheater: string;
  readonly victim: string;
  readonly tx: Transaction;
  readonly txid: string;
  /** When it was broadcast, from the start of the run. */
  readonly atMs: number;
  /** The cheater's `to_local` delay: the victim's announced `to_self_delay`. */
  readonly toSelfDelay: number;
  /** The victim's balance in the channel when the cheater broadcast, in satoshis (rounded down). */
  readonly victimDueSat: number;
  /** Where the victim's justice transaction pays. */
  readonly victimScript: Uint8Array;
  /** The cheater had nothing on the revoked commitment (no balance, no HTLC): nothing to punish, the breach is handled once it confirms. */
  readonly nothingToTake?: boolean;
  confirmedHeight?: number;
  justiceTxid?: string;
  /** Who broadcast the justice that confirmed (the first to, when both did: the victim's own is often the tower's, byte for byte). */
  punishedBy?: JusticeBroadcaster;
  punishedHeight?: number;
  recoveredSat?: number;
}

export type JusticeBroadcaster = 'tower' | 'victim';

/** A justice transaction someone broadcast for a breach, and when (on the run's clock). */
interface JusticeBroadcast {
  readonly justiceTxid: string;
  readonly by: JusticeBroadcaster;
  readonly atMs: number;
}

export interface BreachOutcome {
  readonly breach: Breach;
  readonly kind: 'confirmed' | 'punished';
}

export class BreachWatch {
  private readonly breaches: Breach[] = [];
  /** By breach txid: the justice transactions the victims' nodes broadcast, each at its first broadcast. */
  private readonly victimJustices = new Map<string, JusticeBroadcast[]>();

  constructor(
    private readonly chain: ChainSource,
    /** The tower's responses so far. */
    private readonly towerResponses: () => readonly ResponseRecord[],
  ) {}

  add(breach: Breach): void {
    this.breaches.push(breach);
  }

  all(): readonly Breach[] {
    return this.breaches;
  }

  /** The victim's own node saw the breach and broadcast its justice transaction, at `atMs` (the run's clock, as the tower's). */
  victimJustice(breachTxid: string, justiceTxid: string, atMs: number): void {
    const known = this.victimJustices.get(breachTxid) ?? [];
    if (!known.some((broadcast) => broadcast.justiceTxid === justiceTxid)) known.push({ justiceTxid, by: 'victim', atMs });
    this.victimJustices.set(breachTxid, known);
  }

  /** After each block: what confirmed, and what got punished. */
  async update(): Promise<BreachOutcome[]> {
    const outcomes: BreachOutcome[] = [];
    for (const breach of this.breaches) {
      if (breach.punishedHeight !== undefined) continue;
      const status = await this.chain.status(breach.txid);
      const confirmedHeight = status.state === 'confirmed' ? status.height : undefined;
      if (confirmedHeight !== breach.confirmedHeight) {
        breach.confirmedHeight = confirmedHeight;
        if (confirmedHeight !== undefined) outcomes.push({ breach, kind: 'confirmed' });
      }
      if (confirmedHeight === undefined) continue;
      for (const { justiceTxid, by } of this.broadcastsOf(breach)) {
        const justiceStatus = await this.chain.status(justiceTxid);
        if (justiceStatus.state !== 'confirmed') continue;
        breach.justiceTxid = justiceTxid;
        breach.punishedBy = by;
        breach.punishedHeight = justiceStatus.height;
        breach.recoveredSat = await this.recovered(breach, justiceTxid);
        outcomes.push({ breach, kind: 'punished' });
        break;
      }
    }
    return outcomes;
  }

  /** Every justice broadcast for `breach`, the first broadcast of each transaction only, earliest first (the tower's first at a tie). */
  private broadcastsOf(breach: Breach): JusticeBroadcast[] {
    const tower = this.towerResponses()
      // A record is written just before its first broadcast: `detectedAt` is when the tower broadcast.
      .filter((response) => response.breachTxid === breach.txid && response.justiceTxid !== undefined && response.broadcasts > 0)
      .map((response): JusticeBroadcast => ({ justiceTxid: response.justiceTxid!, by: 'tower', atMs: response.detectedAt }));
    const all = [...tower, ...(this.victimJustices.get(breach.txid) ?? [])].sort((a, b) => a.atMs - b.atMs);
    return all.filter((broadcast, index) => all.findIndex((other) => other.justiceTxid === broadcast.justiceTxid) === index);
  }

  /**
   * What the victim got: the justice transaction's outputs to its wallet,
   * and the breach's outputs the justice left alone that are not anchors
   * (its own `to_remote`).
   */
  private async recovered(breach: Breach, justiceTxid: string): Promise<number> {
    const justice = await this.chain.transaction(justiceTxid);
    if (!justice) return 0;
    const victimScript = Buffer.from(breach.victimScript);
    const toWallet = justice.outs.filter((output) => victimScript.equals(Buffer.from(output.script))).reduce((sum, output) => sum + Number(output.value), 0);
    const spent = new Set(justice.ins.filter((input) => Buffer.from(input.hash).reverse().toString('hex') === breach.txid).map((input) => input.index));
    // The anchors are not the victim's money.
    const leftToVictim = breach.tx.outs.filter((output, index) => !spent.has(index) && Number(output.value) !== ANCHOR_OUTPUT_SATOSHIS).reduce((sum, output) => sum + Number(output.value), 0);
    return toWallet + leftToVictim;
  }
}
