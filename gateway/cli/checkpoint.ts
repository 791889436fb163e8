/**
 * `lnmesh checkpoint [--depth N]` on the gateway: a block a few below the
 * tip, printed as the `checkpoint:` a node's `gateway:` section takes. A
 * node starting there fetches only the headers since over its link, not
 * the whole header chain from genesis (80 bytes a block: about 70 MB on
 * mainnet, out of reach over a radio).
 */
import type { Command } from 'commander';
import { integerArgument } from '../../node/cli/verbs/arguments.js';
import { type DaemonOptions, ask } from '../../node/cli/verbs/daemon-socket.js';
import { daemonVerb, show } from '../../node/cli/verbs/daemon-verb.js';
import { DEFAULT_CHECKPOINT_DEPTH, MAX_CHECKPOINT_DEPTH } from '../daemon/gateway-control.js';

export function registerCheckpointVerb(program: Command): void {
  daemonVerb(program, 'checkpoint', "gateway: a recent block for a node's gateway.checkpoint")
    .description(
      `Prints a block ${DEFAULT_CHECKPOINT_DEPTH} below the gateway's tip (or --depth), as the checkpoint: a node's gateway: section takes. ` +
        'A node starting from it fetches only the headers since over its link, not the whole chain from genesis. Trust: the node takes the block as given; get it from your own gateway.',
    )
    .option('--depth <blocks>', `blocks below the tip, 0 to ${MAX_CHECKPOINT_DEPTH}`, integerArgument('depth', 0, MAX_CHECKPOINT_DEPTH), DEFAULT_CHECKPOINT_DEPTH)
    .action(async (options: DaemonOptions & { depth: number }) => {
      show(options, await ask(options, 'checkpoint', { depth: options.depth }), (checkpoint) =>
        [`# under gateway: in the node's config`, '  checkpoint:', `    height: ${checkpoint.height}`, `    header: ${checkpoint.header}`].join('\n'),
      );
    });
}
