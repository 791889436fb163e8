/**
 * The gateway's control handlers for its mesh channels' wallet
 * (gateway/channels/channel-wallet.ts): what it holds (`wallet`, as a node
 * shows its own), coins moved into it from the on-chain wallet
 * (`fundChannels`, with a `lightning:` section), from which `open`
 * (gateway-control-channels.ts) funds channels to nodes. Bad input is
 * refused naming the parameter before anything moves.
 */
import type { ControlHandlers } from '../../node/control/control-api.js';
import { ControlError } from '../../node/control/control-protocol.js';
import type { GatewayControlApi } from '../../node/control/gateway-api.js';
import { InvalidInputError, checkInteger } from '../../node/core/input.js';
import { scriptToAddress } from '../../node/wallet/address.js';
import { ChannelWalletFundingError, fundChannelWallet } from '../channels/fund-channel-wallet.js';
import { WalletError } from '../wallet/on-chain-wallet.js';
import type { GatewayDaemonParts } from './gateway-daemon-parts.js';

type WalletHandlers = Pick<ControlHandlers<GatewayControlApi>, 'wallet' | 'fundChannels'>;

/** How a user adds coins to the channel wallet, for the errors that need it. */
export const FUND_VERB = 'lnmesh wallet fund-channels SATOSHIS';

export function walletHandlers(parts: GatewayDaemonParts): WalletHandlers {
  const { channelWallet, config } = parts;
  return {
    wallet: () => ({ address: scriptToAddress(channelWallet.script, config.network), satoshis: channelWallet.balance(), coins: channelWallet.coins(), depositsWaiting: [] }),
    fundChannels: (params) => fundChannels(parts, params.satoshis),
  };
}

async function fundChannels(parts: GatewayDaemonParts, value: unknown) {
  const { channelWallet, lightning } = parts;
  const satoshis = checkInteger('satoshis', value, 1, Number.MAX_SAFE_INTEGER);
  if (!lightning) {
    throw new ControlError('lightning_disabled', `the mesh channels' wallet is funded from the gateway's on-chain wallet, which runs with a lightning: section: add one to ${parts.config.file} (lnmesh init gateway's template documents it) and restart the gateway`);
  }
  try {
    const funded = await fundChannelWallet({ onChain: lightning.wallet, channelWallet, chain: parts.chain, feeratePerKw: lightning.feerates.feeratePerKw('sweep') }, satoshis);
    parts.logger.info({ txid: funded.txid, satoshis }, "coins sent to the mesh channels' wallet");
    return { ...funded, walletSatoshis: channelWallet.balance() };
  } catch (error) {
    if (error instanceof WalletError) throw new InvalidInputError('satoshis', `${error.message} (lnmesh ln address, lnmesh ln info)`);
    if (error instanceof ChannelWalletFundingError) throw new ControlError('broadcast_refused', error.message);
    throw error;
  }
}
