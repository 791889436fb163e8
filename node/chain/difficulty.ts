/**
 * The difficulty a header must claim, given its ancestors: Bitcoin Core's
 * `GetNextWorkRequired` and `CalculateNextWorkRequired` (pow.cpp), so that a
 * gateway cannot feed a node a chain of cheap headers that merely meet
 * their own, easier, targets.
 */
import { bitsFromTarget, targetFromBits } from './block-header.js';
import type { NetworkParams } from './network-params.js';

/** What the rules read of an ancestor. */
export interface AncestorTimes {
  readonly height: number;
  readonly time: number;
  readonly bits: number;
}

/**
 * Returns the ancestor at a height at or below the parent's, or undefined
 * when it is older than what the node holds (below its checkpoint).
 */
export type AncestorLookup = (height: number) => AncestorTimes | undefined;

/** Thrown when the rules need an ancestor older than the node's checkpoint. */
export class MissingAncestorError extends Error {
  override name = 'MissingAncestorError';
  constructor(readonly height: number) {
    super(`the difficulty rules need the header at height ${height}, below the checkpoint`);
  }
}

/** The compact bits the child of `parent`, with timestamp `time`, must carry. */
export function expectedBits(params: NetworkParams, parent: AncestorTimes, time: number, ancestorAt: AncestorLookup): number {
  const powLimitBits = bitsFromTarget(params.powLimit);
  const childHeight = parent.height + 1;
  if (childHeight % params.retargetInterval !== 0) {
    if (!params.minDifficultyBlocks) return parent.bits;
    // Testnet: a block 20 minutes late may be as easy as allowed...
    if (time > parent.time + 2 * params.targetSpacing) return powLimitBits;
    // ...and the next ones return to the last difficulty that was not such an exception.
    let ancestor = parent;
    while (ancestor.height % params.retargetInterval !== 0 && ancestor.bits === powLimitBits) {
      const previous = ancestorAt(ancestor.height - 1);
      // Below the checkpoint: only regtest gets here (its checkpoint may sit anywhere), where every block has the same bits.
      if (!previous) break;
      ancestor = previous;
    }
    return ancestor.bits;
  }
  if (!params.retargeting) return parent.bits;
  const firstHeight = parent.height - (params.retargetInterval - 1);
  const first = ancestorAt(firstHeight);
  if (!first) throw new MissingAncestorError(firstHeight);
  return retargetBits(params, parent.bits, parent.time - first.time);
}

/**
 * The new difficulty at a retarget: the old target scaled by how long the
 * last interval actually took (clamped to a quarter and four times the
 * intended timespan), never easier than the limit. Like Core, the timespan
 * is measured over 2015 intervals, not 2016.
 */
export function retargetBits(params: NetworkParams, lastBits: number, actualTimespan: number): number {
  const timespan = Math.min(Math.max(actualTimespan, Math.floor(params.targetTimespan / 4)), params.targetTimespan * 4);
  const target = (targetFromBits(lastBits) * BigInt(timespan)) / BigInt(params.targetTimespan);
  return bitsFromTarget(target > params.powLimit ? params.powLimit : target);
}
