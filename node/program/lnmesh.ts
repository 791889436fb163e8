#!/usr/bin/env node
/**
 * The `lnmesh` command line: one entry point for the node, the gateway, the
 * simulator and the inspection verbs. Each verb lives in its own file.
 * The only file of node/ that imports the gateway and the simulator: it sits
 * above the CLI's folders (node/cli, gateway/cli, sim/cli.ts), which import
 * none of it.
 */
import { registerGatewayVerbs } from '../../gateway/cli/gateway-verbs.js';
import { gatewayConfigTemplate } from '../../gateway/daemon/gateway-template.js';
import { registerSimCommand } from '../../sim/cli.js';
import { registerBundleCommand } from '../cli/bundle.js';
import { registerDeviceCommands } from '../cli/device-commands.js';
import { newProgram, runProgram } from '../cli/run-program.js';
import { registerVectorsCommand } from '../cli/vectors.js';

const program = newProgram('Lightning payment channels for mesh networks that are offline most of the time.');

registerVectorsCommand(program);
registerDeviceCommands(program, { gateway: gatewayConfigTemplate });
registerGatewayVerbs(program);
registerSimCommand(program);
registerBundleCommand(program);

await runProgram(program, process.argv);
