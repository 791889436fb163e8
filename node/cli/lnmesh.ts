#!/usr/bin/env node
/**
 * The `lnmesh` command line: one entry point for the node, the gateway, the
 * simulator and the inspection verbs. Each verb lives in its own file.
 */
import { Command, CommanderError } from 'commander';
import { InvalidInputError } from '../input.js';
import { registerAirtimeCommand } from './airtime.js';
import { registerSeedCommand } from './seed.js';
import { registerVectorsCommand } from './vectors.js';
import { registerSimCommand } from '../../sim/cli.js';
import { ScenarioError } from '../../sim/scenario.js';

const program = new Command();
program
  .name('lnmesh')
  .description('Lightning payment channels for mesh networks that are offline most of the time.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerVectorsCommand(program);
registerSeedCommand(program);
registerAirtimeCommand(program);
registerSimCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    // Errors reach the user as one line that says what to fix, never as a stack trace.
    console.error(`lnmesh: ${(error as Error)?.message ?? String(error)}`);
    process.exitCode = error instanceof InvalidInputError || error instanceof ScenarioError ? 2 : 1;
  }
}
