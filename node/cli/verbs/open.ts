/** `lnmesh open PEER SATOSHIS`: a channel with a neighbour, funded from the node's wallet. */
import type { Command } from 'commander';
import { integerArgument, nodeIdArgument, timeoutOption, waitOption } from './arguments.js';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { waitForChannel } from './wait-for-channel.js';
import { MAX_FUNDING_SATOSHIS, MIN_FUNDING_SATOSHIS } from '../../core/bolt-limits.js';

type OpenOptions = DaemonOptions & { push?: number; wait?: boolean; timeout: number };

export function registerOpenVerb(program: Command): void {
  daemonVerb(program, 'open', 'open a channel with a neighbour, funded from the wallet')
    .argument('<peer>', "a neighbour's node id (listed under links: in the node's config; lnmesh peers)", nodeIdArgument)
    .argument('<satoshis>', 'the channel capacity', integerArgument('satoshis', MIN_FUNDING_SATOSHIS, MAX_FUNDING_SATOSHIS))
    .option('--push <msat>', 'give the peer this much of it at once (msat)', integerArgument('push', 0, MAX_FUNDING_SATOSHIS * 1000))
    .addOption(waitOption('until the channel is open, showing its progress'))
    .addOption(timeoutOption())
    .action(async (peer: string, satoshis: number, options: OpenOptions) => {
      const opened = await ask(options, 'open', { peer, satoshis, ...(options.push !== undefined && { pushMsat: options.push }) });
      if (options.wait) await waitForChannel(options, opened, 'open', options.timeout);
      show(options, opened, (result) => `channel ${result.handle} with ${peer} ${options.wait ? 'is open' : 'requested: lnmesh channels shows its progress'}`);
    });
}
