/** `lnmesh deposit TXID`: a transaction that paid the wallet counts once the gateway proves it confirmed. */
import { type Command, InvalidArgumentError } from 'commander';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';

export function registerDepositVerb(program: Command): void {
  daemonVerb(program, 'deposit', 'count a transaction that paid the wallet, once the gateway proves it confirmed')
    .argument('<txid>', 'the transaction id', txidArgument)
    .action(async (txid: string, options: DaemonOptions) => {
      show(options, await ask(options, 'deposit', { txid }), () => `watching ${txid}: its outputs to this wallet count once the gateway proves it in a block (lnmesh wallet)`);
    });
}

function txidArgument(value: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError('expected a transaction id: 64 hex characters');
  return value.toLowerCase();
}
