// BOLT 8's Noise_XK handshake between two lnmesh nodes: who learns what, and how every bad act is refused.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import {
  ACT_ONE_LENGTH,
  ACT_THREE_LENGTH,
  ACT_TWO_LENGTH,
  HandshakeError,
  HandshakeInitiator,
  HandshakeResponder,
  newEphemeralKey,
} from '../../../transports/link/noise.js';
import { nodeKeyFromSecret } from '../../../node/core/node-key.js';
import { SeedSigner } from '../../../node/keys/signer.js';

const random = (length: number) => new Uint8Array(randomBytes(length));

/** Two nodes with fresh static keys; the initiator knows the responder's node key in advance. */
function pair() {
  const initiatorStatic = newEphemeralKey(random); // any valid private key will do as a node key here
  const responderStatic = newEphemeralKey(random);
  const initiator = new HandshakeInitiator({
    localStaticKey: nodeKeyFromSecret(initiatorStatic),
    remoteStaticKey: publicKeyOf(responderStatic),
    ephemeralSecretKey: newEphemeralKey(random),
  });
  const responder = new HandshakeResponder({ localStaticKey: nodeKeyFromSecret(responderStatic), ephemeralSecretKey: newEphemeralKey(random) });
  return { initiator, responder, initiatorStatic, responderStatic };
}

/** Runs `act` and returns its HandshakeError; fails the test if it throws anything else or nothing. */
function handshakeError(t: Test, act: () => unknown): HandshakeError | undefined {
  try {
    act();
  } catch (error) {
    if (error instanceof HandshakeError) return error;
    t.fail(`threw ${(error as Error)?.name}: ${(error as Error)?.message}`);
    return undefined;
  }
  t.fail('no error');
  return undefined;
}

const flipped = (bytes: Uint8Array, at: number) => {
  const copy = Uint8Array.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
};

t.test('a full handshake: both sides agree, and the responder learns who called', async (t) => {
  const { initiator, responder, initiatorStatic, responderStatic } = pair();
  const actOne = initiator.actOne();
  t.equal(actOne.length, ACT_ONE_LENGTH);
  const actTwo = responder.actTwo(actOne);
  t.equal(actTwo.length, ACT_TWO_LENGTH);
  const { actThree, session: initiatorSession } = initiator.actThree(actTwo);
  t.equal(actThree.length, ACT_THREE_LENGTH);
  const responderSession = responder.finish(actThree);

  t.equal(bytesToHex(initiatorSession.sendingKey), bytesToHex(responderSession.receivingKey), "the initiator's sending key is the responder's receiving key");
  t.equal(bytesToHex(initiatorSession.receivingKey), bytesToHex(responderSession.sendingKey), "the responder's sending key is the initiator's receiving key");
  t.not(bytesToHex(initiatorSession.sendingKey), bytesToHex(initiatorSession.receivingKey), 'the two directions use different keys');
  t.equal(bytesToHex(initiatorSession.chainingKey), bytesToHex(responderSession.chainingKey), 'same chaining key');
  t.equal(bytesToHex(initiatorSession.handshakeHash), bytesToHex(responderSession.handshakeHash), 'same transcript hash');
  t.equal(bytesToHex(responderSession.remoteStaticKey), bytesToHex(publicKeyOf(initiatorStatic)), "the responder learnt the initiator's node key");
  t.equal(bytesToHex(initiatorSession.remoteStaticKey), bytesToHex(publicKeyOf(responderStatic)), 'the initiator talked to the node it meant to');
});

t.test("two handshakes between the same nodes give different keys (fresh ephemeral keys)", async (t) => {
  const initiatorStatic = newEphemeralKey(random);
  const responderStatic = newEphemeralKey(random);
  const run = () => {
    const initiator = new HandshakeInitiator({ localStaticKey: nodeKeyFromSecret(initiatorStatic), remoteStaticKey: publicKeyOf(responderStatic), ephemeralSecretKey: newEphemeralKey(random) });
    const responder = new HandshakeResponder({ localStaticKey: nodeKeyFromSecret(responderStatic), ephemeralSecretKey: newEphemeralKey(random) });
    return initiator.actThree(responder.actTwo(initiator.actOne())).session.sendingKey;
  };
  t.not(bytesToHex(run()), bytesToHex(run()));
});

t.test('calling a node whose key is not the one expected fails at act one', async (t) => {
  const someoneElse = newEphemeralKey(random);
  const initiator = new HandshakeInitiator({ localStaticKey: nodeKeyFromSecret(newEphemeralKey(random)), remoteStaticKey: publicKeyOf(someoneElse), ephemeralSecretKey: newEphemeralKey(random) });
  const responder = new HandshakeResponder({ localStaticKey: nodeKeyFromSecret(newEphemeralKey(random)), ephemeralSecretKey: newEphemeralKey(random) });
  const error = handshakeError(t, () => responder.actTwo(initiator.actOne()));
  t.equal(error?.act, 1);
  t.equal(error?.reason, 'bad-tag');
  t.equal(error?.specCode, 'ACT1_BAD_TAG');
  t.match(error?.message, /^handshake act 1: /);
});

t.test('every changed byte of every act is refused, with the act and the reason', async (t) => {
  t.test('act one, as the responder reads it', async (t) => {
    const { initiator, responderStatic } = pair();
    const actOne = initiator.actOne();
    for (let at = 0; at < actOne.length; at++) {
      // The responder must be the one the initiator meant, or even the genuine act one fails.
      const responder = new HandshakeResponder({ localStaticKey: nodeKeyFromSecret(responderStatic), ephemeralSecretKey: newEphemeralKey(random) });
      const error = handshakeError(t, () => responder.actTwo(flipped(actOne, at)));
      t.equal(error?.act, 1, `byte ${at}: act 1`);
      // A changed key byte may still be a point (then the tag fails) or not.
      const expected = at === 0 ? ['bad-version'] : at < ACT_ONE_LENGTH - 16 ? ['bad-public-key', 'bad-tag'] : ['bad-tag'];
      t.ok(expected.includes(error?.reason ?? ''), `byte ${at}: ${error?.reason}`);
    }
    const untouched = new HandshakeResponder({ localStaticKey: nodeKeyFromSecret(responderStatic), ephemeralSecretKey: newEphemeralKey(random) });
    t.equal(untouched.actTwo(actOne).length, ACT_TWO_LENGTH, 'the unchanged act one is accepted');
  });

  t.test('act two, as the initiator reads it', async (t) => {
    for (let at = 0; at < ACT_TWO_LENGTH; at++) {
      const { initiator, responder } = pair();
      const actTwo = responder.actTwo(initiator.actOne());
      const error = handshakeError(t, () => initiator.actThree(flipped(actTwo, at)));
      t.equal(error?.act, 2, `byte ${at}: act 2`);
      t.ok(['bad-version', 'bad-public-key', 'bad-tag'].includes(error?.reason ?? ''), `byte ${at}: ${error?.reason}`);
    }
  });

  t.test('act three, as the responder reads it', async (t) => {
    for (let at = 0; at < ACT_THREE_LENGTH; at++) {
      const { initiator, responder } = pair();
      const { actThree } = initiator.actThree(responder.actTwo(initiator.actOne()));
      const error = handshakeError(t, () => responder.finish(flipped(actThree, at)));
      t.equal(error?.act, 3, `byte ${at}: act 3`);
      const expected = at === 0 ? 'bad-version' : at < ACT_THREE_LENGTH - 16 ? 'bad-ciphertext' : 'bad-tag';
      t.equal(error?.reason, expected, `byte ${at}: ${expected}`);
    }
  });

  t.test('a short or long act is refused as wrong-length', async (t) => {
    const { initiator, responder } = pair();
    const actOne = initiator.actOne();
    for (const wrong of [actOne.subarray(0, 49), new Uint8Array([...actOne, 0]), new Uint8Array(0)]) {
      const error = handshakeError(t, () => pair().responder.actTwo(wrong));
      t.equal(error?.reason, 'wrong-length', `${wrong.length} bytes`);
      t.equal(error?.specCode, 'ACT1_READ_FAILED');
    }
    const actTwo = responder.actTwo(actOne);
    t.equal(handshakeError(t, () => initiator.actThree(actTwo.subarray(1)))?.specCode, 'ACT2_READ_FAILED');
  });
});

t.test('the handshake is over after a failure, and acts run once and in order', async (t) => {
  const { initiator, responder } = pair();
  const actOne = initiator.actOne();
  t.equal(handshakeError(t, () => initiator.actOne())?.reason, 'out-of-order', 'act one twice');
  const tooEarly = handshakeError(t, () => responder.finish(new Uint8Array(ACT_THREE_LENGTH)));
  t.equal(tooEarly?.reason, 'out-of-order', 'finish before act two');
  t.match(tooEarly?.message, /called out of order/);
  t.equal(handshakeError(t, () => responder.actTwo(flipped(actOne, 49)))?.reason, 'bad-tag');
  const afterFailure = handshakeError(t, () => responder.actTwo(actOne));
  t.equal(afterFailure?.reason, 'out-of-order', 'the genuine act one is refused after a failure');
  t.match(afterFailure?.message, /an earlier act failed/);
});

t.test('an act three that does not check out leaves the responder waiting for the genuine one', async (t) => {
  // On a radio anyone can copy the responder's session id off the air and send an act three first.
  const { initiator, responder, initiatorStatic } = pair();
  const { actThree, session } = initiator.actThree(responder.actTwo(initiator.actOne()));
  t.equal(handshakeError(t, () => responder.finish(random(ACT_THREE_LENGTH)))?.act, 3, 'random bytes fail');
  t.equal(handshakeError(t, () => responder.finish(flipped(actThree, 40)))?.reason, 'bad-ciphertext', 'an altered copy fails');
  t.equal(handshakeError(t, () => responder.finish(flipped(actThree, ACT_THREE_LENGTH - 1)))?.reason, 'bad-tag', 'and so does one with a bad tag');
  const learned = responder.finish(actThree);
  t.equal(bytesToHex(learned.remoteStaticKey), bytesToHex(publicKeyOf(initiatorStatic)), 'the genuine act three still finishes it');
  t.equal(bytesToHex(learned.receivingKey), bytesToHex(session.sendingKey), 'with the keys the initiator has');
  t.equal(handshakeError(t, () => responder.finish(actThree))?.reason, 'out-of-order', 'and only once');
});

t.test('keys that are not keys are refused when the handshake is set up', async (t) => {
  const valid = newEphemeralKey(random);
  t.throws(() => new HandshakeResponder({ localStaticKey: nodeKeyFromSecret(new Uint8Array(32)), ephemeralSecretKey: valid }), { name: 'InvalidKeyError' });
  t.throws(() => new HandshakeInitiator({ localStaticKey: nodeKeyFromSecret(valid), remoteStaticKey: Uint8Array.of(2, ...new Uint8Array(32).fill(0xff)), ephemeralSecretKey: valid }), { name: 'InvalidKeyError' });
});

t.test('newEphemeralKey draws from the given source until it gets a valid key', async (t) => {
  const draws = [new Uint8Array(32), new Uint8Array(32).fill(0xff), new Uint8Array(32).fill(7)];
  t.equal(bytesToHex(newEphemeralKey(() => draws.shift()!)), '07'.repeat(32), 'zero and n or more are skipped');
  t.throws(() => newEphemeralKey(() => new Uint8Array(32)), { name: 'InvalidInputError', message: /randomBytes: gave no valid secp256k1 private key/ });
});

t.test('the BOLT 8 example: act one from the spec keys', async (t) => {
  const initiator = new HandshakeInitiator({
    localStaticKey: nodeKeyFromSecret(hexToBytes('11'.repeat(32))),
    remoteStaticKey: hexToBytes('028d7500dd4c12685d1f568b4c2b5048e8534b873319f3a8daa612b469132ec7f7'),
    ephemeralSecretKey: hexToBytes('12'.repeat(32)),
  });
  t.equal(bytesToHex(initiator.actOne()), '00036360e856310ce5d294e8be33fc807077dc56ac80d95d9cd4ddbd21325eff73f70df6086551151f58b8afe6c195782c6a');
});

t.test('any bytes a peer sends end in a result or a HandshakeError, never another exception', async (t) => {
  const onlyHandshakeErrors = (act: () => unknown) => {
    try {
      act();
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
    }
  };
  /** Acts of the right length and version with a real point as key, so the checks past the length reach ECDH and the tag. */
  const plausible = (length: number) =>
    fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: length - 34, maxLength: length - 34 })).map(([seed, rest]) => {
      const key = seed.some((byte) => byte !== 0) && seed[0] !== 0xff ? publicKeyOf(seed) : new Uint8Array(33);
      return new Uint8Array([0, ...key, ...rest]);
    });
  const anyBytes = fc.uint8Array({ minLength: 0, maxLength: 140 });
  const sized = (length: number) => fc.oneof(anyBytes, fc.uint8Array({ minLength: length, maxLength: length }), plausible(length));

  fc.assert(fc.property(sized(ACT_ONE_LENGTH), (bytes) => onlyHandshakeErrors(() => pair().responder.actTwo(bytes))), { numRuns: 200 });
  fc.assert(
    fc.property(sized(ACT_TWO_LENGTH), (bytes) => {
      const { initiator } = pair();
      initiator.actOne();
      onlyHandshakeErrors(() => initiator.actThree(bytes));
    }),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(sized(ACT_THREE_LENGTH), (bytes) => {
      const { initiator, responder } = pair();
      responder.actTwo(initiator.actOne());
      onlyHandshakeErrors(() => responder.finish(bytes));
    }),
    { numRuns: 200 },
  );
  t.pass('200 inputs per act');
});

t.test('the node key can stay in the Signer: a handshake between two seed signers', async (t) => {
  const alice = new SeedSigner(new Uint8Array(32).fill(1));
  const bob = new SeedSigner(new Uint8Array(32).fill(2));
  const initiator = new HandshakeInitiator({ localStaticKey: alice, remoteStaticKey: bob.nodeId, ephemeralSecretKey: newEphemeralKey(random) });
  const responder = new HandshakeResponder({ localStaticKey: bob, ephemeralSecretKey: newEphemeralKey(random) });
  const { actThree, session } = initiator.actThree(responder.actTwo(initiator.actOne()));
  const learned = responder.finish(actThree);
  t.equal(bytesToHex(learned.remoteStaticKey), bytesToHex(alice.nodeId), 'Bob learns Alice\'s node id');
  t.equal(bytesToHex(learned.receivingKey), bytesToHex(session.sendingKey), 'and they share keys');
  t.throws(() => new HandshakeResponder({ localStaticKey: { nodeId: new Uint8Array(33) } as never, ephemeralSecretKey: newEphemeralKey(random) }), { name: 'InvalidInputError' }, 'a node key without ECDH is refused');
});
