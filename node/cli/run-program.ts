/**
 * Runs a commander program the way every `lnmesh` entry point does: a
 * usage error exits with commander's code, any other error reaches the user
 * as one line that says what to fix (never a stack trace), exit 2 for bad
 * input and 1 for anything else.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/yaml-reader.js';
import { InvalidInputError } from '../core/input.js';

/** Errors that are the user's input (a file, an argument): exit 2. */
const INPUT_ERRORS = [InvalidInputError, ConfigError] as const;

/** The `lnmesh` program, before its verbs: settings made here are inherited by every verb registered after. */
export function newProgram(description: string): Command {
  return new Command().name('lnmesh').description(description).version('0.1.0').showHelpAfterError().exitOverride();
}

export async function runProgram(program: Command, argv: readonly string[]): Promise<void> {
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
    } else {
      console.error(`lnmesh: ${(error as Error)?.message ?? String(error)}`);
      process.exitCode = INPUT_ERRORS.some((errorClass) => error instanceof errorClass) ? 2 : 1;
    }
  }
}
