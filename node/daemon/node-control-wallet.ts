/** The node's control handlers for its on-chain wallet: what it holds, and a deposit to watch for. */
import type { ControlHandlers } from '../control/control-api.js';
import type { NodeControlApi } from '../control/node-api.js';
import { InvalidInputError } from '../core/input.js';
import { scriptToAddress } from '../wallet/address.js';
import type { NodeDaemonParts } from './node-daemon-parts.js';

type WalletHandlers = Pick<ControlHandlers<NodeControlApi>, 'wallet' | 'deposit'>;

export function walletHandlers(parts: NodeDaemonParts): WalletHandlers {
  const { node, config, wallet, persister } = parts;
  return {
    wallet: () => ({
      address: scriptToAddress(wallet.script, config.network),
      satoshis: wallet.balance(),
      coins: wallet.coins(),
      depositsWaiting: [...persister.getAll('walletDeposit').keys()],
    }),

    deposit: (params) => {
      const txid = typeof params.txid === 'string' ? params.txid.toLowerCase() : '';
      if (!/^[0-9a-f]{64}$/.test(txid)) throw new InvalidInputError('txid', 'expected a transaction id: 64 hex characters');
      if (!node.uplink) throw new InvalidInputError('txid', 'this node has no gateway configured to prove the deposit');
      parts.expectDeposit(txid);
      return { txid, address: scriptToAddress(wallet.script, config.network) };
    },
  };
}
