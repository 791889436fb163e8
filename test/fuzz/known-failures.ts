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

export const KNOWN_FAILURES: readonly KnownFailure[] = [
  {
    target: 'chain/feed-messages',
    kind: 'crash',
    detail: /^(Error|RangeError|TypeError): /,
    stack: /Transaction\.fromBuffer|fromBuffer/,
    why: "ChainFeedClient.handle parses the transaction of a push's match, of a tx_proof and of a mempool_tx with Transaction.fromBuffer unguarded (node/uplink/chain-feed-client.ts): a malformed one throws bitcoinjs's untyped Error (in onBlocks, after the push's headers were added). handle() says it throws for a malformed message and Uplink.handleMessage reports it as a warning, but the error is not the feed's own and the push is never acknowledged. Not owned by any helper of issue 15: for the lead",
  },
  {
    target: 'chain/feed-messages',
    kind: 'crash',
    detail: /^InvalidInputError: index: \d+ is outside \[0, 32767\]/,
    stack: /verifyMerkleProof/,
    why: "the gateway-message layouts let a match's (and tx_proof's) index be up to 2^32 - 1 (node/wire/gateway-messages.ts), but verifyMerkleProof throws InvalidInputError above 32767, expecting the decoder to have bounded it; ChainFeedClient (onBlocks, onLateProof) lets it out (as above). Not owned by any helper of issue 15: for the lead",
  },
];

export function knownFailure(target: string, failure: Failure, list: readonly KnownFailure[] = KNOWN_FAILURES): KnownFailure | undefined {
  return list.find(
    (known) => known.target === target && known.kind === failure.kind && known.detail.test(failure.detail) && (!known.stack || known.stack.test(failure.stack ?? '')),
  );
}
