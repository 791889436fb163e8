/** `lnmesh gateway --config FILE`: the gateway daemon, in the foreground. */
import type { Command } from 'commander';
import { runUntilSignalled } from '../../node/cli/daemon-runner.js';
import { createLogger } from '../../node/daemon/logger.js';
import { loadGatewayConfig } from '../daemon/gateway-config.js';

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
        '(status, peers, routes, outbox, tower; on regtest also mine and faucet). With a lightning:',
        'section it also runs its own Lightning node and on-chain wallet (lnmesh ln --help).',
        'Write a starting config with `lnmesh init gateway`.',
      ].join('\n'),
    )
    .option('-c, --config <file>', 'the config file', process.env.LNMESH_CONFIG ?? DEFAULT_GATEWAY_CONFIG)
    .action(async (options: { config: string }) => {
      const config = loadGatewayConfig(options.config);
      const logger = createLogger(config.log, { base: { daemon: 'gateway' } });
      const { GatewayDaemon } = await import('../daemon/gateway-daemon.js'); // bcoin and the rest: loaded only for this verb
      await runUntilSignalled(() => GatewayDaemon.start(config, { logger }), logger);
    });
}
