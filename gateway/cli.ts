/** `lnmesh gateway --config FILE`: the gateway daemon, in the foreground. */
import type { Command } from 'commander';
import { integerArgument } from '../node/cli/verbs/arguments.js';
import { daemonVerb, show } from '../node/cli/verbs/daemon-verb.js';
import { runUntilSignalled } from '../node/cli/daemon-runner.js';
import { type DaemonOptions, ask } from '../node/cli/verbs/daemon-socket.js';
import { createLogger } from '../node/daemon/logger.js';
import { loadGatewayConfig } from './daemon/gateway-config.js';
import { MAX_BLOCKS_PER_MINE, MAX_REORG_DEPTH } from './daemon/gateway-control-regtest.js';

export const DEFAULT_GATEWAY_CONFIG = '/etc/lnmesh/gateway.yaml';

export function registerGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .summary('run the gateway daemon')
    .description(
      [
        'Runs the gateway in the foreground until SIGINT or SIGTERM: the chain backend',
        '(bcoin embedded in the dataDir, or Bitcoin Core), the watchtower, the relay mailbox',
        'and the links to the mesh. Other lnmesh verbs talk to it through its control socket',
        '(status, peers, routes, outbox, tower; on regtest also mine and faucet).',
        'Write a starting config with `lnmesh init gateway`.',
      ].join('\n'),
    )
    .option('-c, --config <file>', 'the config file', process.env.LNMESH_CONFIG ?? DEFAULT_GATEWAY_CONFIG)
    .action(async (options: { config: string }) => {
      const config = loadGatewayConfig(options.config);
      const logger = createLogger(config.log, { base: { daemon: 'gateway' } });
      const { GatewayDaemon } = await import('./daemon/gateway-daemon.js'); // bcoin and the rest: loaded only for this verb
      await runUntilSignalled(() => GatewayDaemon.start(config, { logger }), logger);
    });
}

/** Regtest helpers on a running gateway: blocks on demand, and coins for the nodes' wallets. */
export function registerRegtestCommands(program: Command): void {
  daemonVerb(program, 'mine', `regtest gateway: mine blocks now (at most ${MAX_BLOCKS_PER_MINE} per call)`)
    .description(`Mines blocks now on a regtest gateway with the embedded chain: at most ${MAX_BLOCKS_PER_MINE} per call (call again for more).`)
    .argument('[blocks]', `how many, 1 to ${MAX_BLOCKS_PER_MINE}`, integerArgument('blocks', 1, MAX_BLOCKS_PER_MINE), 1)
    .action(async (blocks: number, options: DaemonOptions) => {
      show(options, await ask(options, 'mine', { blocks }), (result) => `mined ${blocks}; height ${result.height}`);
    });

  daemonVerb(program, 'reorg', `regtest gateway: replace the last blocks with a longer branch (at most ${MAX_REORG_DEPTH} deep)`)
    .description(
      `Replaces the last <depth> blocks of a regtest gateway's embedded chain with a branch one block longer, of empty blocks (at most ${MAX_REORG_DEPTH} deep). ` +
        'Their transactions go back to the mempool and confirm again in the next block mined: a way to watch the nodes follow a reorg.',
    )
    .argument('<depth>', `how many blocks leave the best chain, 1 to ${MAX_REORG_DEPTH}`, integerArgument('depth', 1, MAX_REORG_DEPTH))
    .action(async (depth: number, options: DaemonOptions) => {
      show(options, await ask(options, 'reorg', { depth }), (result) => `reorganized from height ${result.forkHeight}: ${depth} blocks replaced; height ${result.height}`);
    });

  daemonVerb(program, 'faucet', "regtest gateway: pay an address from the miner's coins")
    .argument('<address>', 'a regtest address (bcrt1..., e.g. from lnmesh wallet on a node)')
    .argument('<satoshis>', 'how much', integerArgument('satoshis', 1_000, 1_000_000_000))
    .action(async (address: string, satoshis: number, options: DaemonOptions) => {
      show(options, await ask(options, 'faucet', { address, satoshis }), (result) => result.txid);
    });
}
