/**
 * The neighbour tag on an act one: proof, checkable before any reply, that
 * the act one comes from a neighbour we know.
 *
 * BOLT 8's act one proves only that its sender knows our static key, which
 * is public. On a shared radio channel anyone in range can send act ones,
 * and each would cost us an act two on the air (and a responder slot). So
 * the initiator adds a short tag: HMAC-SHA256 keyed by the ECDH of the two
 * static keys, which only the two neighbours can compute, over the frame's
 * session id and the act. The responder answers only act ones whose tag
 * matches one of its known peers; a stranger's costs it a few hashes and no
 * airtime, and cannot take a known neighbour's handshake slot.
 *
 * The tag identifies the pair only to the pair: a listener learns nothing
 * from it (fresh per act, keyed). A captured act one can be replayed with its
 * tag; the link answers repeats sparingly (see `link.ts`).
 *
 * 8 bytes: a forger's chance per try is 2^-64, and act one stays well inside
 * the smallest MTU the link works over.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

export const NEIGHBOUR_TAG_LENGTH = 8;

/**
 * Names the link's framing too: a node framing otherwise (0x10, before issue 19) computes other tags,
 * so each takes the other's act one for a stranger's and no session forms to carry frames it would misread.
 */
const KEY_LABEL = utf8ToBytes('lnmesh act one neighbour tag, frames 0x20');

/** The pair's tag key, from the ECDH of the two static keys (the same on both sides). */
export function neighbourTagKey(staticEcdh: Uint8Array): Uint8Array {
  return hmac(sha256, staticEcdh, KEY_LABEL);
}

/** The tag of act one `act`, sent under `initiatorSessionId`. */
export function neighbourTag(key: Uint8Array, initiatorSessionId: number, act: Uint8Array): Uint8Array {
  const message = new Uint8Array(1 + act.length);
  message[0] = initiatorSessionId;
  message.set(act, 1);
  return hmac(sha256, key, message).subarray(0, NEIGHBOUR_TAG_LENGTH);
}

/** Whether `tag` is right for the act, in time independent of where it differs. */
export function neighbourTagMatches(key: Uint8Array, initiatorSessionId: number, act: Uint8Array, tag: Uint8Array): boolean {
  const expected = neighbourTag(key, initiatorSessionId, act);
  if (tag.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= expected[i]! ^ tag[i]!;
  return difference === 0;
}
