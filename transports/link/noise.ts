/**
 * BOLT 8's handshake, Noise_XK_secp256k1_ChaChaPoly_SHA256 with the prologue
 * "lightning": three acts (50, 50 and 66 bytes) after which both sides hold
 * a pair of symmetric keys, and the responder has learnt the initiator's
 * static key (the initiator knew the responder's from the start).
 *
 * lnmesh keeps this handshake byte for byte, so it is checked by BOLT 8's
 * published vectors, but not BOLT 8's length-prefixed stream: what the keys
 * encrypt afterwards is the link session's business.
 *
 * The acts take whatever bytes the medium delivered. Any input a peer can
 * send ends in a result or a `HandshakeError` naming the act and the reason,
 * never another exception; after an error the handshake is over (BOLT 8:
 * close the connection), and every further call fails too.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { checkPublicKey, checkSecretKey, isPublicKey, publicKeyOf } from '../../node/core/curve.js';
import { InvalidInputError } from '../../node/core/input.js';
import type { NodeKey } from '../../node/core/node-key.js';
import type { RandomBytes } from '../../node/core/random.js';
import { TAG_LENGTH, decryptWithAd, ecdh, encryptWithAd, hkdfTwoKeys } from './noise-crypto.js';

export const PROTOCOL_NAME = 'Noise_XK_secp256k1_ChaChaPoly_SHA256';
export const PROLOGUE = 'lightning';
/** The only handshake version BOLT 8 defines; any other first byte is refused. */
export const HANDSHAKE_VERSION = 0;
export const ACT_ONE_LENGTH = 50;
export const ACT_TWO_LENGTH = 50;
export const ACT_THREE_LENGTH = 66;

const EMPTY = new Uint8Array(0);

export type HandshakeAct = 1 | 2 | 3;

/**
 * Why an act failed. `wrong-length`: not exactly the act's size (BOLT 8's
 * READ_FAILED); `bad-ciphertext`: the encrypted static key of act three did
 * not authenticate; `bad-tag`: the act's final tag did not; `out-of-order`:
 * the act was called at the wrong point or after an earlier failure.
 */
export type HandshakeFailure = 'wrong-length' | 'bad-version' | 'bad-public-key' | 'bad-ciphertext' | 'bad-tag' | 'out-of-order';

const SPEC_NAMES: Record<HandshakeFailure, string> = {
  'wrong-length': 'READ_FAILED',
  'bad-version': 'BAD_VERSION',
  'bad-public-key': 'BAD_PUBKEY',
  'bad-ciphertext': 'BAD_CIPHERTEXT',
  'bad-tag': 'BAD_TAG',
  'out-of-order': 'OUT_OF_ORDER',
};

/** A handshake act refused; the peer is not who it claims, or not speaking BOLT 8. */
export class HandshakeError extends Error {
  override name = 'HandshakeError';
  constructor(
    readonly act: HandshakeAct,
    readonly reason: HandshakeFailure,
    detail: string,
  ) {
    super(`handshake act ${act}: ${detail}`);
  }

  /** The error as BOLT 8's test vectors name it, e.g. `ACT2_BAD_VERSION`. */
  get specCode(): string {
    return `ACT${this.act}_${SPEC_NAMES[this.reason]}`;
  }
}

/** What a completed handshake gives the link session. */
export interface HandshakeSession {
  /** Encrypts what this side sends. */
  readonly sendingKey: Uint8Array;
  /** Decrypts what the peer sends: the peer's `sendingKey`. */
  readonly receivingKey: Uint8Array;
  /** BOLT 8 starts both key rotations from it. */
  readonly chainingKey: Uint8Array;
  /** The peer's static public key: given to the initiator, learnt by the responder in act three. */
  readonly remoteStaticKey: Uint8Array;
  /** The transcript hash h, the same on both sides: binds anything signed later to this handshake. */
  readonly handshakeHash: Uint8Array;
}

/** A fresh ephemeral private key from a random source; the source is injected so tests and vectors can fix it. */
export function newEphemeralKey(randomBytes: RandomBytes): Uint8Array {
  // A random 32 bytes fails to be a key with probability about 2^-128; a source that keeps failing is broken.
  for (let attempt = 0; attempt < 8; attempt++) {
    const candidate = randomBytes(32);
    if (candidate instanceof Uint8Array && candidate.length === 32) {
      try {
        return checkSecretKey('ephemeralSecretKey', candidate);
      } catch {
        // draw again
      }
    }
  }
  throw new InvalidInputError('randomBytes', 'gave no valid secp256k1 private key in 8 draws of 32 bytes');
}

/** The running `ck` and `h` of Noise's SymmetricState. */
class Transcript {
  chainingKey: Uint8Array;
  hash: Uint8Array;

  constructor(responderStaticKey: Uint8Array) {
    this.hash = sha256(utf8ToBytes(PROTOCOL_NAME));
    this.chainingKey = this.hash;
    this.mixHash(utf8ToBytes(PROLOGUE));
    this.mixHash(responderStaticKey);
  }

  mixHash(data: Uint8Array): void {
    this.hash = sha256(concatBytes(this.hash, data));
  }

  /** ck, temp_k = HKDF(ck, ECDH(...)); returns temp_k. */
  mixKey(sharedSecret: Uint8Array): Uint8Array {
    const [chainingKey, tempKey] = hkdfTwoKeys(this.chainingKey, sharedSecret);
    this.chainingKey = chainingKey;
    return tempKey;
  }

  /** The two final keys, in the order the initiator uses them: its sending key first. */
  split(): [Uint8Array, Uint8Array] {
    return hkdfTwoKeys(this.chainingKey, EMPTY);
  }
}

/** Splits an act into version, body and tag, after checking its length and version. */
function readAct(act: HandshakeAct, bytes: Uint8Array, length: number): { body: Uint8Array; tag: Uint8Array } {
  if (!(bytes instanceof Uint8Array)) throw new HandshakeError(act, 'wrong-length', `expected ${length} bytes, got something that is not bytes`);
  if (bytes.length !== length) throw new HandshakeError(act, 'wrong-length', `expected ${length} bytes, got ${bytes.length}`);
  if (bytes[0] !== HANDSHAKE_VERSION) throw new HandshakeError(act, 'bad-version', `version ${bytes[0]}, only ${HANDSHAKE_VERSION} is known`);
  return { body: bytes.subarray(1, length - TAG_LENGTH), tag: bytes.subarray(length - TAG_LENGTH) };
}

function checkPeerKey(act: HandshakeAct, key: Uint8Array, which: string): Uint8Array {
  if (!isPublicKey(key)) throw new HandshakeError(act, 'bad-public-key', `the ${which} is not a valid compressed secp256k1 point`);
  return Uint8Array.from(key);
}

function checkTag(act: HandshakeAct, plaintext: Uint8Array | undefined): void {
  if (!plaintext) throw new HandshakeError(act, 'bad-tag', 'the authentication tag does not verify');
}

/** Act one and act two have the same shape: version, an ephemeral key, a tag over nothing. */
function ephemeralAct(ephemeralPublicKey: Uint8Array, tag: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(HANDSHAKE_VERSION), ephemeralPublicKey, tag);
}

type Step = 'start' | 'waiting' | 'done' | 'failed';

/** What both sides share: where the handshake is, so acts run once, in order, and any failure ends it. */
abstract class HandshakeSide {
  private step: Step = 'start';

  protected runAct<T>(act: HandshakeAct, expected: Step, next: Step, run: () => T): T {
    if (this.step !== expected) {
      const why = this.step === 'failed' ? 'the handshake is over: an earlier act failed' : `called out of order (the handshake is at step "${this.step}")`;
      throw new HandshakeError(act, 'out-of-order', why);
    }
    this.step = 'failed';
    const result = run();
    this.step = next;
    return result;
  }

  /** Back to `step` after a failed act that must not end the handshake (see `HandshakeResponder.finish`). */
  protected resumeAt(step: Step): void {
    this.step = step;
  }
}

export interface InitiatorKeys {
  /** Our static key (the node key): a `Signer`, or `nodeKeyFromSecret`. */
  readonly localStaticKey: NodeKey;
  /** The responder's node key, which the initiator must know in advance (the K of XK). */
  readonly remoteStaticKey: Uint8Array;
  /** Fresh for every handshake: `newEphemeralKey(randomBytes)`. */
  readonly ephemeralSecretKey: Uint8Array;
}

/** The side that opens the connection: `actOne()`, then `actThree(actTwo)`. */
export class HandshakeInitiator extends HandshakeSide {
  private readonly localStaticKey: NodeKey;
  private readonly remoteStaticKey: Uint8Array;
  private readonly ephemeralSecretKey: Uint8Array;
  private readonly transcript: Transcript;

  constructor(keys: InitiatorKeys) {
    super();
    this.localStaticKey = checkNodeKey(keys.localStaticKey);
    this.remoteStaticKey = checkPublicKey('remoteStaticKey', keys.remoteStaticKey);
    this.ephemeralSecretKey = checkSecretKey('ephemeralSecretKey', keys.ephemeralSecretKey);
    this.transcript = new Transcript(this.remoteStaticKey);
  }

  /** The 50 bytes to send first: our ephemeral key, proving we know the responder's static key. */
  actOne(): Uint8Array {
    return this.runAct(1, 'start', 'waiting', () => {
      const ephemeralPublicKey = publicKeyOf(this.ephemeralSecretKey);
      this.transcript.mixHash(ephemeralPublicKey);
      const tempKey = this.transcript.mixKey(ecdh(this.ephemeralSecretKey, this.remoteStaticKey));
      const tag = encryptWithAd(tempKey, 0, this.transcript.hash, EMPTY);
      this.transcript.mixHash(tag);
      return ephemeralAct(ephemeralPublicKey, tag);
    });
  }

  /** Checks the responder's act two; returns act three (66 bytes, our encrypted static key) and the session keys. */
  actThree(actTwo: Uint8Array): { actThree: Uint8Array; session: HandshakeSession } {
    return this.runAct(2, 'waiting', 'done', () => {
      const { body, tag } = readAct(2, actTwo, ACT_TWO_LENGTH);
      const remoteEphemeralKey = checkPeerKey(2, body, "responder's ephemeral key");
      this.transcript.mixHash(remoteEphemeralKey);
      const tempKey2 = this.transcript.mixKey(ecdh(this.ephemeralSecretKey, remoteEphemeralKey));
      checkTag(2, decryptWithAd(tempKey2, 0, this.transcript.hash, tag));
      this.transcript.mixHash(tag);

      const encryptedStaticKey = encryptWithAd(tempKey2, 1, this.transcript.hash, this.localStaticKey.nodeId);
      this.transcript.mixHash(encryptedStaticKey);
      const tempKey3 = this.transcript.mixKey(this.localStaticKey.ecdh(remoteEphemeralKey));
      const finalTag = encryptWithAd(tempKey3, 0, this.transcript.hash, EMPTY);
      const [sendingKey, receivingKey] = this.transcript.split();
      return {
        actThree: concatBytes(Uint8Array.of(HANDSHAKE_VERSION), encryptedStaticKey, finalTag),
        session: { sendingKey, receivingKey, chainingKey: this.transcript.chainingKey, remoteStaticKey: this.remoteStaticKey, handshakeHash: this.transcript.hash },
      };
    });
  }
}

export interface ResponderKeys {
  /** Our static key (the node key): a `Signer`, or `nodeKeyFromSecret`. */
  readonly localStaticKey: NodeKey;
  /** Fresh for every handshake: `newEphemeralKey(randomBytes)`. */
  readonly ephemeralSecretKey: Uint8Array;
}

/** The side that accepts: `actTwo(actOne)`, then `finish(actThree)`, which reveals who the initiator is. */
export class HandshakeResponder extends HandshakeSide {
  private readonly localStaticKey: NodeKey;
  private readonly ephemeralSecretKey: Uint8Array;
  private readonly transcript: Transcript;
  private remoteEphemeralKey: Uint8Array = EMPTY;
  private tempKey2: Uint8Array = EMPTY;

  constructor(keys: ResponderKeys) {
    super();
    this.localStaticKey = checkNodeKey(keys.localStaticKey);
    this.ephemeralSecretKey = checkSecretKey('ephemeralSecretKey', keys.ephemeralSecretKey);
    this.transcript = new Transcript(this.localStaticKey.nodeId);
  }

  /** Checks the initiator's act one; returns act two (50 bytes). */
  actTwo(actOne: Uint8Array): Uint8Array {
    return this.runAct(1, 'start', 'waiting', () => {
      const { body, tag } = readAct(1, actOne, ACT_ONE_LENGTH);
      this.remoteEphemeralKey = checkPeerKey(1, body, "initiator's ephemeral key");
      this.transcript.mixHash(this.remoteEphemeralKey);
      const tempKey1 = this.transcript.mixKey(this.localStaticKey.ecdh(this.remoteEphemeralKey));
      checkTag(1, decryptWithAd(tempKey1, 0, this.transcript.hash, tag));
      this.transcript.mixHash(tag);

      const ephemeralPublicKey = publicKeyOf(this.ephemeralSecretKey);
      this.transcript.mixHash(ephemeralPublicKey);
      this.tempKey2 = this.transcript.mixKey(ecdh(this.ephemeralSecretKey, this.remoteEphemeralKey));
      const replyTag = encryptWithAd(this.tempKey2, 0, this.transcript.hash, EMPTY);
      this.transcript.mixHash(replyTag);
      return ephemeralAct(ephemeralPublicKey, replyTag);
    });
  }

  /**
   * Checks act three; returns the session keys and the initiator's static key.
   *
   * An act three that does not check out leaves the handshake waiting for
   * the genuine one: on a shared medium anyone can copy our session id off
   * the air and send one first. (BOLT 8 over TCP disconnects instead; here
   * that would let a stranger end a neighbour's handshake.)
   */
  finish(actThree: Uint8Array): HandshakeSession {
    const { hash, chainingKey } = this.transcript;
    try {
      return this.checkActThree(actThree);
    } catch (error) {
      if (error instanceof HandshakeError && error.reason !== 'out-of-order') {
        this.transcript.hash = hash;
        this.transcript.chainingKey = chainingKey;
        this.resumeAt('waiting');
      }
      throw error;
    }
  }

  private checkActThree(actThree: Uint8Array): HandshakeSession {
    return this.runAct(3, 'waiting', 'done', () => {
      const { body: encryptedStaticKey, tag } = readAct(3, actThree, ACT_THREE_LENGTH);
      const staticKey = decryptWithAd(this.tempKey2, 1, this.transcript.hash, encryptedStaticKey);
      if (!staticKey) throw new HandshakeError(3, 'bad-ciphertext', "the initiator's encrypted static key does not authenticate");
      const remoteStaticKey = checkPeerKey(3, staticKey, "initiator's static key");
      this.transcript.mixHash(encryptedStaticKey);
      const tempKey3 = this.transcript.mixKey(ecdh(this.ephemeralSecretKey, remoteStaticKey));
      checkTag(3, decryptWithAd(tempKey3, 0, this.transcript.hash, tag));
      const [receivingKey, sendingKey] = this.transcript.split();
      return { sendingKey, receivingKey, chainingKey: this.transcript.chainingKey, remoteStaticKey, handshakeHash: this.transcript.hash };
    });
  }
}

/** A node key must at least carry a valid public key and an ECDH function. */
function checkNodeKey(key: NodeKey): NodeKey {
  if (typeof key !== 'object' || key === null || typeof key.ecdh !== 'function') throw new InvalidInputError('localStaticKey', 'expected a node key (a Signer, or nodeKeyFromSecret(secret))');
  checkPublicKey('localStaticKey.nodeId', key.nodeId);
  return key;
}
