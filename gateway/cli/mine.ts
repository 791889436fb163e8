/** `lnmesh mine [BLOCKS]`: blocks now, on a regtest gateway with the embedded chain. */
import type { Command } from 'commander';
import { integerArgument } from '../../node/cli/verbs/arguments.js';
import { type DaemonOptions, ask } from '../../node/cli/verbs/daemon-socket.js';
import { daemonVerb, show } from '../../node/cli/verbs/daemon-verb.js';
import { MAX_BLOCKS_PER_MINE } from '../daemon/gateway-control-regtest.js';

export function registerMineVerb(program: Command): void {
  daemonVerb(program, 'mine', `regtest gateway: mine blocks now (at most ${MAX_BLOCKS_PER_MINE} per call)`)
    .description(`Mines blocks now on a regtest gateway with the embedded chain: at most ${MAX_BLOCKS_PER_MINE} per call (call again for more).`)
    .argument('[blocks]', `how many, 1 to ${MAX_BLOCKS_PER_MINE}`, integerArgument('blocks', 1, MAX_BLOCKS_PER_MINE), 1)
    .action(async (blocks: number, options: DaemonOptions) => {
      show(options, await ask(options, 'mine', { blocks }), (result) => `mined ${blocks}; height ${result.height}`);
    });
}
