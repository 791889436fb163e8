/**
 * KNOWN FAILURES: failures the fuzz finds today in code this test must not
 * change, left to whoever owns that code. A failure that matches an entry is
 * counted and printed, not failed, so that the run stays green meanwhile.
 * Each has a case in the corpus, replayed first: when the code is fixed, that
 * case passes and the test FAILS on purpose, saying to delete the entry here
 * (and to mark the corpus case "expect": "pass").
 *
 * Nothing else belongs here: a new failure fails the test.
 */
import type { Failure, FailureKind } from './target.js';

export interface KnownFailure {
  readonly target: string;
  readonly kind: FailureKind;
  /** Matches the failure's detail (`TypeError: ...`, or what a round trip found). */
  readonly detail: RegExp;
  /** Matches the stack of a crash, when where it comes from matters. */
  readonly stack?: RegExp;
  /** What is wrong, where, and who fixes it. */
  readonly why: string;
}

/** None today: the last ones (issue 15: parseDuration, COBS, decodeBlock, the chain feed client) are fixed on main. */
export const KNOWN_FAILURES: readonly KnownFailure[] = [];

export function knownFailure(target: string, failure: Failure, list: readonly KnownFailure[] = KNOWN_FAILURES): KnownFailure | undefined {
  return list.find(
    (known) => known.target === target && known.kind === failure.kind && known.detail.test(failure.detail) && (!known.stack || known.stack.test(failure.stack ?? '')),
  );
}
