#!/usr/bin/env node
/**
 * The `lnmesh` of the device bundle (`lnmesh bundle`): the node's verbs only,
 * so that the bundle carries neither bcoin nor the simulator.
 */
import { registerDeviceCommands } from './device-commands.js';
import { newProgram, runProgram } from './run-program.js';

const program = newProgram('Lightning payment channels for mesh networks: the mesh device.');

registerDeviceCommands(program);

await runProgram(program, process.argv);
