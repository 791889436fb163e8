#!/usr/bin/env node
/**
 * The `lnmesh` command line: one entry point for the node, the gateway, the
 * simulator and the inspection verbs. Each verb lives in its own file.
 */
import { registerGatewayCommand, registerRegtestCommands } from '../../gateway/cli.js';
import { registerSimCommand } from '../../sim/cli.js';
import { registerBundleCommand } from './bundle.js';
import { registerDeviceCommands } from './device-commands.js';
import { newProgram, runProgram } from './run-program.js';
import { registerVectorsCommand } from './vectors.js';

const program = newProgram('Lightning payment channels for mesh networks that are offline most of the time.');

registerVectorsCommand(program);
registerDeviceCommands(program);
registerGatewayCommand(program);
registerRegtestCommands(program);
registerSimCommand(program);
registerBundleCommand(program);

await runProgram(program, process.argv);
