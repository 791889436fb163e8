/**
 * Assertions for the project's input rule: bad input throws a typed error
 * (an `InvalidInputError` or a subclass) whose `field` names what to fix.
 */
import type { Test } from 'tap';
import { InvalidInputError } from '../../node/core/input.js';

/** The error `fn` throws, or undefined when it returns. */
export function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Asserts that `fn` throws an `InvalidInputError` (or the given subclass) naming `field`. */
export function throwsField(
  t: Pick<Test, 'ok' | 'equal'>,
  fn: () => unknown,
  field: string | RegExp,
  message: string,
  type: abstract new (...args: never[]) => InvalidInputError = InvalidInputError,
): void {
  const error = caught(fn);
  t.ok(error instanceof type, `${message}: throws ${type.name}`, { caught: String(error) });
  const named = (error as InvalidInputError | undefined)?.field;
  if (typeof field === 'string') t.equal(named, field, `${message}: field is ${field}`);
  else t.ok(named !== undefined && field.test(named), `${message}: field ${named} matches ${field}`);
}
