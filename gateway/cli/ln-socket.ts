/**
 * What the `lnmesh ln` verbs share: the `ln` command they hang from, and a
 * call to the gateway that may wait longer than the control client's 30 s
 * (a payment, a channel open), its refusals turned into the CLI's errors as
 * `ask` turns them (node/cli/verbs/daemon-socket.ts).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ControlError } from '../../node/control/control-protocol.js';
import { callControl } from '../../node/control/control-client.js';
import type { GatewayControlApi } from '../../node/control/gateway-api.js';
import { InvalidInputError } from '../../node/core/input.js';
import { type DaemonOptions, socketOf } from '../../node/cli/verbs/daemon-socket.js';
import { DurationError, parseDuration } from '../../node/config/duration.js';

type LnMethod = keyof GatewayControlApi & `ln${string}`;

/** Calls `method` on the gateway, waiting up to `timeoutMs` for the answer; `onTimeout` says what to do when none came in time. */
export async function askGateway<M extends LnMethod>(options: DaemonOptions, method: M, params: GatewayControlApi[M]['params'], timeoutMs = 30_000, onTimeout?: string): Promise<GatewayControlApi[M]['result']> {
  try {
    return (await callControl(socketOf(options), method, params, { timeoutMs })) as GatewayControlApi[M]['result'];
  } catch (error) {
    // The gateway goes on with what it was asked: say where to see how it ends.
    if (error instanceof ControlError && error.code === 'timeout' && onTimeout) throw new ControlError('timeout', `${error.message}; ${onTimeout}`);
    if (error instanceof ControlError && error.code === 'unknown_method') {
      throw new ControlError(error.code, `the daemon at ${socketOf(options)} has no Lightning verbs: is it a gateway (lnmesh gateway), of this version?`);
    }
    if (error instanceof ControlError && (error.code === 'invalid_params' || error.code === 'bad_request')) {
      const field = error.field ?? method;
      throw new InvalidInputError(field, error.message.startsWith(`${field}: `) ? error.message.slice(field.length + 2) : error.message);
    }
    throw error;
  }
}

/** `--timeout DURATION`: how long a verb waits for the gateway's answer. */
export function timeoutOption(what: string, defaultMs: number, shown: string): Option {
  return new Option('--timeout <duration>', `how long to wait for ${what}`)
    .argParser((value) => {
      try {
        return parseDuration(value);
      } catch (error) {
        throw new InvalidArgumentError(error instanceof DurationError ? error.reason : String(error));
      }
    })
    .default(defaultMs, shown);
}

/** A 32-byte id in hex (a channel id). */
export function hex32Argument(name: string): (value: string) => string {
  return (value) => {
    if (!/^[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError(`${name} must be 64 hex characters (as lnmesh ln channels shows it)`);
    return value.toLowerCase();
  };
}

/** The `lnmesh ln` command, under which each Lightning verb registers. */
export function lnCommand(program: Command): Command {
  return program
    .command('ln')
    .summary("the gateway's Lightning node: info, address, connect, open, channels, close, pay, invoice, payments")
    .description(
      [
        "The gateway's own node on the Lightning Network (rust-lightning), on a running gateway whose config has a",
        'lightning: section. Its channels are funded from the gateway\'s on-chain wallet (lnmesh ln address), with',
        'Lightning nodes on the internet (lnmesh ln connect, then open). Each verb takes --config or --socket to',
        'find the gateway, and --json for scripts.',
      ].join(' '),
    );
}
