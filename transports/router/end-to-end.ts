/**
 * End-to-end sealing of a routed envelope's payload, so that relays (the
 * gateway's mailbox included) see who talks to whom and how much, never what.
 *
 * Key: HKDF-SHA256 of the ECDH shared secret of the two node keys, with the
 * source and destination ids, in that order, as info. The two directions of
 * a pair thus get different keys, and each key is used by one sender only.
 *
 * Nonce: 4 zero bytes and the envelope's 8-byte message id, drawn from the
 * injected random source. Static-static keys never change, so a nonce must
 * never repeat for a pair; a random id needs no state, where a counter would
 * have to be persisted before each send and would repeat after the node's
 * store is lost or restored from a backup (a failed SD card, a reinstall from
 * the seed), which on these devices is a matter of when. Sixty-four random
 * bits keep a repeat unlikely for any realistic traffic (a million messages
 * from one node to one other: about 3 in 10^8), for 8 bytes on the air
 * instead of the 12 of a whole random nonce. The same id lets the
 * destination recognise an envelope delivered twice.
 *
 * Associated data: the envelope header without the hop limit
 * (`associatedData` in `envelope.ts`), so a relay can neither redirect an
 * envelope nor pass it off as from someone else.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, hexToBytes } from '@noble/hashes/utils.js';
import { bytesToHex } from '../../node/core/hex.js';
import type { NodeKey } from '../../node/core/node-key.js';
import { openChaCha20Poly1305, sealChaCha20Poly1305 } from '../../node/core/aead.js';
import { MESSAGE_ID_LENGTH } from './envelope.js';

const SALT = new TextEncoder().encode('lnmesh router end-to-end v1');
/** Derived keys kept: ECDH costs a point multiplication, and a node talks to a handful of others. */
const MAX_CACHED_KEYS = 256;

export { type NodeKey, nodeKeyFromSecret } from '../../node/core/node-key.js';

/** The key sealing what `source` sends to `destination` (ids in hex); `sharedSecret` is the ECDH of their node keys. */
export function endToEndKey(sharedSecret: Uint8Array, source: string, destination: string): Uint8Array {
  return hkdf(sha256, sharedSecret, SALT, concatBytes(hexToBytes(source), hexToBytes(destination)), 32);
}

function nonceOf(messageId: Uint8Array): Uint8Array {
  if (messageId.length !== MESSAGE_ID_LENGTH) throw new RangeError(`a message id is ${MESSAGE_ID_LENGTH} bytes, got ${messageId.length}`);
  const nonce = new Uint8Array(12);
  nonce.set(messageId, 4);
  return nonce;
}

export function sealPayload(key: Uint8Array, messageId: Uint8Array, associatedData: Uint8Array, payload: Uint8Array): Uint8Array {
  return sealChaCha20Poly1305(key, nonceOf(messageId), associatedData, payload);
}

/** The payload, or undefined when the seal does not verify: altered on the way, or not sealed by the claimed source for us. */
export function openPayload(key: Uint8Array, messageId: Uint8Array, associatedData: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  return openChaCha20Poly1305(key, nonceOf(messageId), associatedData, sealed);
}

/** The end-to-end keys of one node, derived once per correspondent and direction. */
export class EndToEndKeys {
  readonly nodeId: string;
  private readonly cache = new Map<string, Uint8Array>();

  constructor(private readonly nodeKey: NodeKey) {
    this.nodeId = bytesToHex(nodeKey.nodeId);
  }

  /** The key for what we send to `destination`. */
  sending(destination: string): Uint8Array {
    return this.derive(destination, this.nodeId, destination);
  }

  /** The key for what `source` sends us. */
  receiving(source: string): Uint8Array {
    return this.derive(source, source, this.nodeId);
  }

  private derive(other: string, source: string, destination: string): Uint8Array {
    const cacheKey = `${source}>${destination}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const key = endToEndKey(this.nodeKey.ecdh(hexToBytes(other)), source, destination);
    if (this.cache.size >= MAX_CACHED_KEYS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(cacheKey, key);
    return key;
  }
}
