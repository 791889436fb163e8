/**
 * The gateway's verbs for the full `lnmesh` (node/program/lnmesh.ts): the
 * daemon, a checkpoint for a node's config, and the regtest helpers on a running gateway (blocks on demand, a
 * reorg, coins for the nodes' wallets), and `lnmesh ln ...`, the gateway's
 * Lightning node. The device's lnmesh has none of them.
 */
import type { Command } from 'commander';
import { registerCheckpointVerb } from './checkpoint.js';
import { registerFaucetVerb } from './faucet.js';
import { registerGatewayCommand } from './gateway-command.js';
import { registerMineVerb } from './mine.js';
import { registerReorgVerb } from './reorg.js';
import { registerLnVerbs } from './ln-verbs.js';

export function registerGatewayVerbs(program: Command): void {
  registerGatewayCommand(program);
  registerCheckpointVerb(program);
  registerMineVerb(program);
  registerReorgVerb(program);
  registerFaucetVerb(program);
  registerLnVerbs(program);
}
