/**
 * `lnmesh wallet`: the node's on-chain wallet: its address, balance, coins and deposits not yet proven.
 * On a gateway, its mesh channels' wallet, and `lnmesh wallet fund-channels SATOSHIS` moves coins into it
 * from the gateway's on-chain wallet, so that `lnmesh open` can fund channels to nodes.
 */
import type { Command } from 'commander';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { formatKeyValues, formatTable } from './table.js';
import { short } from './ids.js';
import { integerArgument } from './arguments.js';
import { InvalidInputError } from '../../core/input.js';
import { MAX_SATOSHIS } from '../../bolt3/transaction.js';

export function registerWalletVerb(program: Command): void {
  const wallet = daemonVerb(program, 'wallet', "the node's on-chain wallet (a gateway's: its mesh channels' wallet): address, balance, coins").action(async (options: DaemonOptions) => {
    show(options, await ask(options, 'wallet'), (wallet) => {
      const coins = wallet.coins.map((coin) => ({ outpoint: `${short(coin.txid)}:${coin.vout}`, satoshis: coin.satoshis }));
      const waiting = wallet.depositsWaiting;
      const summary = formatKeyValues({ address: wallet.address, satoshis: wallet.satoshis, depositsWaiting: waiting.length === 0 ? 'none' : waiting.join(', ') });
      return [summary, '', formatTable(coins, [{ key: 'outpoint', header: 'COIN' }, { key: 'satoshis', header: 'SAT' }])].join('\n');
    });
  });
  registerFundChannels(wallet);
}

function registerFundChannels(wallet: Command): void {
  daemonVerb(wallet, 'fund-channels', "on a gateway: send coins from its on-chain wallet to its mesh channels' wallet")
    .description("On a gateway with a lightning: section: sends SATOSHIS from its on-chain wallet (lnmesh ln address, lnmesh ln info) to its mesh channels' wallet, which funds the channels lnmesh open opens to nodes (their inbound liquidity). The coin counts at once; a channel may spend it before it confirms.")
    .argument('<satoshis>', 'how much to move', integerArgument('satoshis', 1, MAX_SATOSHIS))
    .action(async (satoshis: number, _options: DaemonOptions, command: Command) => {
      // The parent's --config, --socket and --json are taken on either side of the sub-verb.
      const options = command.optsWithGlobals<DaemonOptions>();
      const funded = await ask(options, 'fundChannels', { satoshis }).catch((error: unknown) => {
        if (error instanceof InvalidInputError && error.field === 'fundChannels') throw new InvalidInputError('fundChannels', "only a gateway has a mesh channels' wallet to fund (a node's wallet takes deposits: lnmesh deposit)");
        throw error;
      });
      show(options, funded, (result) => `sent ${result.satoshis} sat in ${result.txid}: the mesh channels' wallet holds ${result.walletSatoshis} sat`);
    });
}
