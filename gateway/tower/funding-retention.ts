/**
 * How long a tag's appointments are kept when the node revealed its
 * channel's funding outpoint: until that output is spent (by any close,
 * honest or not) and the spend is buried. After that no commitment of the
 * channel can reach the chain any more, and the appointments are dropped.
 *
 * The outpoints are held in memory, indexed by the first four bytes of
 * their txid, so that checking every input of every block costs one map
 * lookup each. Spends are recorded in the store with their block's hash, so
 * that a reorg (seen live or after a restart) undoes them.
 */
import { equalBytes } from '@noble/curves/utils.js';
import type { ChainBlock } from '../chain/chain-source.js';
import type { AppointmentStore, FundingWatch } from './appointment-store.js';

interface Watched {
  readonly watch: FundingWatch;
  /** The funding txid in internal byte order, as inputs name it. */
  readonly hash: Uint8Array;
}

export interface RetiredTag {
  readonly nodeId: string;
  readonly tag: Uint8Array;
  /** Appointments dropped with it. */
  readonly appointments: number;
}

export class FundingRetention {
  private readonly byTxidPrefix = new Map<number, Watched[]>();

  constructor(
    private readonly store: AppointmentStore,
    /** Confirmations of the spend after which the tag's appointments go. */
    private readonly buriedDepth: number,
  ) {
    for (const watch of store.fundingWatches()) this.remember(watch);
  }

  watch(nodeId: string, tag: Uint8Array, outpoint: FundingWatch['outpoint']): void {
    this.store.watchFunding(nodeId, tag, outpoint);
    this.forget(nodeId, tag);
    this.remember({ nodeId, tag: Uint8Array.from(tag), outpoint });
  }

  /** The tag was dropped (by the node, or here): stop watching its outpoint. */
  forget(nodeId: string, tag: Uint8Array): void {
    for (const [prefix, watched] of this.byTxidPrefix) {
      const kept = watched.filter(({ watch }) => watch.nodeId !== nodeId || !equalBytes(watch.tag, tag));
      if (kept.length === 0) this.byTxidPrefix.delete(prefix);
      else if (kept.length !== watched.length) this.byTxidPrefix.set(prefix, kept);
    }
  }

  /** Records the spends of watched outpoints in `block`. */
  blockConnected(block: ChainBlock): void {
    if (this.byTxidPrefix.size === 0) return;
    for (const tx of block.transactions) {
      for (const input of tx.ins) {
        const candidates = this.byTxidPrefix.get(prefixOf(input.hash));
        if (!candidates) continue;
        for (const [i, { watch, hash }] of candidates.entries()) {
          if (watch.outpoint.vout !== input.index || !equalBytes(hash, input.hash)) continue;
          const spent = { height: block.height, blockHash: block.hash };
          this.store.setFundingSpent(watch.nodeId, watch.tag, spent);
          candidates[i] = { watch: { ...watch, spent }, hash };
        }
      }
    }
  }

  /** Undoes the spends recorded at `height` or above: those blocks left the best chain. */
  blockDisconnected(height: number): void {
    for (const candidates of this.byTxidPrefix.values()) {
      for (const [i, { watch, hash }] of candidates.entries()) {
        if (!watch.spent || watch.spent.height < height) continue;
        this.store.setFundingSpent(watch.nodeId, watch.tag, undefined);
        const { spent: _undone, ...unspent } = watch;
        candidates[i] = { watch: unspent, hash };
      }
    }
  }

  /** Drops the tags whose funding spend is buried at a tip of `tipHeight`. */
  retireBuried(tipHeight: number): RetiredTag[] {
    const retired: RetiredTag[] = [];
    for (const candidates of [...this.byTxidPrefix.values()]) {
      for (const { watch } of candidates) {
        if (!watch.spent || tipHeight - watch.spent.height + 1 < this.buriedDepth) continue;
        retired.push({ nodeId: watch.nodeId, tag: watch.tag, appointments: this.store.dropTag(watch.nodeId, watch.tag) });
        this.forget(watch.nodeId, watch.tag);
      }
    }
    return retired;
  }

  private remember(watch: FundingWatch): void {
    const hash = Buffer.from(watch.outpoint.txid, 'hex').reverse();
    const prefix = prefixOf(hash);
    this.byTxidPrefix.set(prefix, [...(this.byTxidPrefix.get(prefix) ?? []), { watch, hash }]);
  }
}

function prefixOf(hash: Uint8Array): number {
  return (hash[0]! | (hash[1]! << 8) | (hash[2]! << 16) | (hash[3]! << 24)) >>> 0;
}
