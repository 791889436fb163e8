/** `lnmesh wallet`: the node's on-chain wallet: its address, balance, coins and deposits not yet proven. */
import type { Command } from 'commander';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { formatKeyValues, formatTable } from './table.js';
import { short } from './ids.js';

export function registerWalletVerb(program: Command): void {
  daemonVerb(program, 'wallet', "the node's on-chain wallet: address, balance, coins").action(async (options: DaemonOptions) => {
    show(options, await ask(options, 'wallet'), (wallet) => {
      const coins = wallet.coins.map((coin) => ({ outpoint: `${short(coin.txid)}:${coin.vout}`, satoshis: coin.satoshis }));
      const waiting = wallet.depositsWaiting;
      const summary = formatKeyValues({ address: wallet.address, satoshis: wallet.satoshis, depositsWaiting: waiting.length === 0 ? 'none' : waiting.join(', ') });
      return [summary, '', formatTable(coins, [{ key: 'outpoint', header: 'COIN' }, { key: 'satoshis', header: 'SAT' }])].join('\n');
    });
  });
}
