/** `lnmesh close PEER HANDLE [--force]`: a cooperative close, or our commitment on chain. */
import type { Command } from 'commander';
import { integerArgument, nodeIdArgument, timeoutOption, waitOption } from './arguments.js';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { waitForChannel } from './wait-for-channel.js';

type CloseOptions = DaemonOptions & { force?: boolean; wait?: boolean; timeout: number };

export function registerCloseVerb(program: Command): void {
  daemonVerb(program, 'close', 'close a channel: cooperatively, or unilaterally with --force')
    .argument('<peer>', "the peer's node id", nodeIdArgument)
    .argument('<handle>', 'the channel handle (lnmesh channels)', integerArgument('handle', 0, 0xffffffff))
    .option('-f, --force', 'broadcast our commitment now (funds wait for the CSV delay)')
    .addOption(waitOption('until the closing (or commitment) transaction is signed and handed to the gateway'))
    .addOption(timeoutOption())
    .action(async (peer: string, handle: number, options: CloseOptions) => {
      const closing = await ask(options, 'close', { peer, handle, force: options.force === true });
      if (options.wait) await waitForChannel(options, { peer, handle }, options.force ? 'force_closed' : 'closed', options.timeout);
      show(options, closing, () => `channel ${handle} with ${peer}: ${options.force ? 'force close' : 'cooperative close'} ${options.wait ? 'done' : 'started'}`);
    });
}
