#!/usr/bin/env node
/**
 * `lnmesh check` on its own, as the bundle's check.mjs (bin/lnmesh runs it
 * for `lnmesh check`). The device's lnmesh imports lmdb and serialport as
 * it starts, so when their native code cannot load here (another
 * architecture, an older glibc) every verb stops before it runs; this
 * program imports nothing native until the check itself, so it can report
 * which module fails, and why.
 */
import { registerCheckCommand } from './check.js';
import { newProgram, runProgram } from './run-program.js';

const program = newProgram("Checks that lnmesh's native modules work on this machine.");

registerCheckCommand(program);

await runProgram(program, process.argv);
