/** `lnmesh faucet ADDRESS SATOSHIS`: coins for a node's wallet, from a regtest gateway's miner. */
import type { Command } from 'commander';
import { integerArgument } from '../../node/cli/verbs/arguments.js';
import { type DaemonOptions, ask } from '../../node/cli/verbs/daemon-socket.js';
import { daemonVerb, show } from '../../node/cli/verbs/daemon-verb.js';

export function registerFaucetVerb(program: Command): void {
  daemonVerb(program, 'faucet', "regtest gateway: pay an address from the miner's coins")
    .argument('<address>', 'a regtest address (bcrt1..., e.g. from lnmesh wallet on a node)')
    .argument('<satoshis>', 'how much', integerArgument('satoshis', 1_000, 1_000_000_000))
    .action(async (address: string, satoshis: number, options: DaemonOptions) => {
      show(options, await ask(options, 'faucet', { address, satoshis }), (result) => result.txid);
    });
}
