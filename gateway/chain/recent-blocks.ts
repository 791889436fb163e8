/**
 * The last few blocks of the best chain as a polling client last saw them:
 * enough to find where a reorg forks (compare our hash at a height with the
 * server's) and to find a recently confirmed transaction when the server
 * keeps no transaction index. Contiguous heights, oldest first.
 */
import { checkInteger } from '../../node/core/input.js';

export interface TrackedBlock {
  readonly height: number;
  readonly hash: string;
  /** Empty for blocks learnt by hash only (those below the tip at start). */
  readonly txids: readonly string[];
}

export class RecentBlocks {
  private readonly blocks: TrackedBlock[] = [];
  private readonly blockOfTransaction = new Map<string, TrackedBlock>();

  constructor(readonly capacity: number) {
    checkInteger('capacity', capacity, 1, 100_000);
  }

  get tip(): TrackedBlock | undefined {
    return this.blocks.at(-1);
  }

  get lowest(): TrackedBlock | undefined {
    return this.blocks[0];
  }

  at(height: number): TrackedBlock | undefined {
    const lowest = this.blocks[0];
    return lowest ? this.blocks[height - lowest.height] : undefined;
  }

  /** Adds the new tip (one above the current tip, or anything when empty), forgetting the oldest past capacity. */
  push(block: TrackedBlock): void {
    const tip = this.tip;
    if (tip && block.height !== tip.height + 1) throw new RangeError(`block ${block.hash} at ${block.height} does not extend the tip at ${tip.height}`);
    this.blocks.push(block);
    for (const txid of block.txids) this.blockOfTransaction.set(txid, block);
    while (this.blocks.length > this.capacity) this.forget(this.blocks.shift()!);
  }

  /** Removes the tip (it left the best chain). */
  popTip(): TrackedBlock | undefined {
    const tip = this.blocks.pop();
    if (tip) this.forget(tip);
    return tip;
  }

  /** The tracked block holding `txid`, if any. */
  blockOf(txid: string): TrackedBlock | undefined {
    return this.blockOfTransaction.get(txid);
  }

  private forget(block: TrackedBlock): void {
    for (const txid of block.txids) {
      if (this.blockOfTransaction.get(txid) === block) this.blockOfTransaction.delete(txid);
    }
  }
}
