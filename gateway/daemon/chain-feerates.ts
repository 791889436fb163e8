/**
 * The gateway's Lightning node's `FeeEstimator`: the chain backend's
 * estimate (bcoin's or Core's `estimateFeerate`), asked again after each
 * block, since LDK asks synchronously. The mesh channels take the same
 * estimate after each block (gateway/channels/channel-chain-feed.ts).
 * Unlike a mesh node's `ObservedFeerates`, the commitment rate follows the
 * estimate: the gateway's Lightning peers are online and agree on fee
 * updates (and refuse a channel whose feerate is far below theirs).
 */
import { DEFAULT_JUSTICE_FEERATE_PER_KW, type ConfirmationTarget, type FeeEstimator } from '../../node/chain/fee-estimator.js';
import { MIN_FEERATE_PER_KW } from '../../node/core/bolt-limits.js';
import type { Logger } from '../../node/core/logger.js';
import type { ChainSource } from '../chain/chain-source.js';

/** Blocks to confirm within, as the nodes' chain feed and the mesh channels ask it. */
export const FEE_TARGET_BLOCKS = 6;

export class ChainFeerates implements FeeEstimator {
  private latest: number | undefined;
  private readonly onBlock = () => void this.refresh();

  constructor(
    private readonly chain: ChainSource,
    private readonly logger: Logger,
  ) {}

  /** Asks the backend now, then after each block. */
  async start(): Promise<void> {
    this.chain.on('connect', this.onBlock);
    await this.refresh();
  }

  close(): void {
    this.chain.off('connect', this.onBlock);
  }

  /** The backend's latest estimate, if it has one. */
  get estimate(): number | undefined {
    return this.latest;
  }

  feeratePerKw(target: ConfirmationTarget): number {
    switch (target) {
      case 'commitment':
        return this.latest ?? MIN_FEERATE_PER_KW;
      case 'sweep':
        return this.latest ?? DEFAULT_JUSTICE_FEERATE_PER_KW;
      // Claims race the counterparty: never below the justice rate.
      case 'claim':
      case 'justice':
        return Math.max(DEFAULT_JUSTICE_FEERATE_PER_KW, this.latest ?? 0);
    }
  }

  private async refresh(): Promise<void> {
    try {
      const estimate = await this.chain.estimateFeerate(FEE_TARGET_BLOCKS);
      if (estimate !== undefined) this.latest = Math.max(MIN_FEERATE_PER_KW, Math.ceil(estimate));
    } catch (error) {
      this.logger.log('warn', 'the chain backend gave no fee estimate; keeping the last one', { error: (error as Error).message });
    }
  }
}
