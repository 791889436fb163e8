/** The gateway's regtest control handlers: blocks on demand, a reorg, and coins from the miner's. */
import type { ControlHandlers } from '../../node/control/control-api.js';
import type { GatewayControlApi } from '../../node/control/gateway-api.js';
import { InvalidInputError, checkInteger } from '../../node/core/input.js';
import { addressToScript } from '../../node/wallet/address.js';
import type { GatewayDaemonParts } from './gateway-daemon-parts.js';

/** The most blocks one `mine` call makes: the answer stays well within the CLI's 30 s wait; call again for more. */
export const MAX_BLOCKS_PER_MINE = 1000;
/** The deepest `reorg`: a day of blocks, far deeper than any test of a node's reorg handling needs. */
export const MAX_REORG_DEPTH = 144;

type RegtestHandlers = Pick<ControlHandlers<GatewayControlApi>, 'mine' | 'reorg' | 'faucet'>;

export function regtestHandlers(parts: GatewayDaemonParts): RegtestHandlers {
  const { chain, logger } = parts;
  const regtest = () => {
    if (!parts.regtest) throw new InvalidInputError('network', 'only a regtest gateway with the embedded chain mines and has a faucet');
    return parts.regtest;
  };
  return {
    mine: async (params) => {
      const blocks = checkInteger('blocks', params.blocks ?? 1, 1, MAX_BLOCKS_PER_MINE);
      const hashes = await regtest().chain.mine(blocks);
      const tip = await chain.tip();
      logger.info({ blocks, height: tip.height }, 'mined');
      return { blocks: hashes.length, height: tip.height };
    },

    /** Replaces the last `depth` blocks with a longer branch of empty blocks; their transactions go back to the mempool. */
    reorg: async (params) => {
      const depth = checkInteger('depth', params.depth, 1, MAX_REORG_DEPTH);
      const { chain: regtestChain } = regtest();
      const before = await chain.tip();
      if (depth >= before.height) throw new InvalidInputError('depth', `the chain has only ${before.height} blocks above genesis`);
      const hashes = await regtestChain.reorg(depth);
      const tip = await chain.tip();
      logger.info({ depth, from: before.height, height: tip.height }, 'reorganized');
      return { depth, blocks: hashes.length, height: tip.height, forkHeight: before.height - depth };
    },

    faucet: async (params) => {
      const { faucet } = regtest();
      if (typeof params.address !== 'string') throw new InvalidInputError('address', 'expected a regtest address (bcrt1...)');
      const script = addressToScript(params.address, 'regtest');
      const satoshis = checkInteger('satoshis', params.satoshis, 1_000, 1_000_000_000);
      const { txid } = await faucet.send(script, satoshis);
      logger.info({ txid, satoshis }, 'faucet paid');
      return { txid, satoshis, address: params.address };
    },
  };
}
