/** `lnmesh reorg DEPTH`: a longer branch replaces the last blocks of a regtest gateway's chain. */
import type { Command } from 'commander';
import { integerArgument } from '../../node/cli/verbs/arguments.js';
import { type DaemonOptions, ask } from '../../node/cli/verbs/daemon-socket.js';
import { daemonVerb, show } from '../../node/cli/verbs/daemon-verb.js';
import { MAX_REORG_DEPTH } from '../daemon/gateway-control-regtest.js';

export function registerReorgVerb(program: Command): void {
  daemonVerb(program, 'reorg', `regtest gateway: replace the last blocks with a longer branch (at most ${MAX_REORG_DEPTH} deep)`)
    .description(
      `Replaces the last <depth> blocks of a regtest gateway's embedded chain with a branch one block longer, of empty blocks (at most ${MAX_REORG_DEPTH} deep). ` +
        'Their transactions go back to the mempool and confirm again in the next block mined: a way to watch the nodes follow a reorg.',
    )
    .argument('<depth>', `how many blocks leave the best chain, 1 to ${MAX_REORG_DEPTH}`, integerArgument('depth', 1, MAX_REORG_DEPTH))
    .action(async (depth: number, options: DaemonOptions) => {
      show(options, await ask(options, 'reorg', { depth }), (result) => `reorganized from height ${result.forkHeight}: ${depth} blocks replaced; height ${result.height}`);
    });
}
