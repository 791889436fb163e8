/** `lnmesh node --config FILE`: the node daemon, in the foreground. */
import type { Command } from 'commander';
import { loadNodeConfig } from '../config/node-config.js';
import { createLogger } from '../daemon/logger.js';
import { runUntilSignalled } from './daemon-runner.js';

export const DEFAULT_NODE_CONFIG = '/etc/lnmesh/node.yaml';

export function registerNodeCommand(program: Command): void {
  program
    .command('node')
    .summary('run the node daemon')
    .description(
      [
        'Runs the mesh node in the foreground until SIGINT or SIGTERM: its channels, its',
        'links (LoRa, serial, MQTT) and its uplink to the gateway, with the stores in the',
        "config's dataDir (locked: one daemon per directory). Other lnmesh verbs talk to it",
        'through its control socket. Logs go to standard output (readable on a terminal,',
        'JSON otherwise). Write a starting config with `lnmesh init node`.',
      ].join('\n'),
    )
    .option('-c, --config <file>', 'the config file', process.env.LNMESH_CONFIG ?? DEFAULT_NODE_CONFIG)
    .action(async (options: { config: string }) => {
      const config = loadNodeConfig(options.config);
      const logger = createLogger(config.log, { base: { daemon: 'node' } });
      const { NodeDaemon } = await import('../daemon/node-daemon.js'); // loaded here: the other verbs start faster without it
      await runUntilSignalled(() => NodeDaemon.start(config, { logger }), logger);
    });
}
