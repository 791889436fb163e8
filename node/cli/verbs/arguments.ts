/** Argument and option parsers the daemon verbs share: commander shows the value, these say what is wrong with it. */
import { InvalidArgumentError, Option } from 'commander';
import { DurationError, parseDuration } from '../../config/duration.js';
import { messageOf } from '../../control/control-protocol.js';
import { nodeIdProblem } from '../../keys/node-id.js';

export function integerArgument(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < min || number > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return number;
  };
}

export function nodeIdArgument(value: string): string {
  const problem = nodeIdProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value.toLowerCase();
}

/** `--wait`, for the verbs whose work goes on after the daemon answered. */
export function waitOption(until: string): Option {
  return new Option('-w, --wait', `wait ${until}`);
}

/** How long `--wait` waits: an hour unless told. */
export function timeoutOption(): Option {
  return new Option('--timeout <duration>', 'how long --wait waits').argParser(durationArgument).default(3_600_000, '1h');
}

function durationArgument(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    // Commander shows the value already: only the reason.
    throw new InvalidArgumentError(error instanceof DurationError ? error.reason : messageOf(error));
  }
}
