/** The link layer (transports/link): frames, sealed bodies, reassembly of fragments, the BOLT 8 handshake acts and BOLT 8 messages. */
import { nodeKeyFromSecret } from '../../../node/core/node-key.js';
import { Bolt8CipherState, Bolt8MessageError, decryptMessage, encryptMessage } from '../../../transports/link/bolt8-message.js';
import { Reassembly } from '../../../transports/link/fragment.js';
import { FLAG_ACK, FLAG_ACK_ENTRIES, FLAG_FRAGMENT, FLAG_WHOLE, FRAME_SEALED, type Fragment, LinkDecodeError, type LinkFrame, type SealedBody, decodeFrame, decodeSealedBody, encodeFrame, encodeSealedBody } from '../../../transports/link/frame.js';
import { neighbourTagKey, neighbourTagMatches } from '../../../transports/link/neighbour-tag.js';
import { HandshakeError, HandshakeInitiator, HandshakeResponder } from '../../../transports/link/noise.js';
import { LinkSession } from '../../../transports/link/session.js';
import { BrokenPromiseError, type FuzzTarget, fromHex, refusedWith, sameBytes } from '../target.js';
import { counting, nodeId, nodeSecret } from './fixtures.js';

const LEB128_DICTIONARY = ['7f', '8001', 'ff7f', 'ffff7f', '808080', 'ffffffffffffff0f', 'ffffffffffffff7f', '8080808080808080', '00', '10', '11', '12', '13', '14', '01', '02', '03'].map(fromHex);

const session = (): LinkSession => new LinkSession({ sendingKey: counting(32, 1), receivingKey: counting(32, 1), sendingSessionId: 5, receivingSessionId: 5 });

function sealedSeeds(): Uint8Array[] {
  const sealer = session();
  return [
    sealer.seal({ fragment: { seq: 1, index: 0, last: true, data: counting(40) } }),
    sealer.seal({ ack: { deliveredUpTo: 3, entries: [] } }),
    sealer.seal({ ack: { deliveredUpTo: 200, entries: [{ seq: 202, receivedPrefix: 1, bitmap: Uint8Array.of(5) }] }, fragment: { seq: 9000, index: 8191, last: false, data: counting(3) } }),
  ];
}

const TAG_KEY = neighbourTagKey(counting(32, 77));

export const frame: FuzzTarget<LinkFrame> = {
  name: 'link/frame',
  exercises: 'decodeFrame, LinkSession.open (transports/link/frame.ts, session.ts)',
  weight: 8,
  seeds: () => [
    encodeFrame({ kind: 'act-one', initiatorSessionId: 3, act: counting(50), neighbourTag: counting(8, 200) }),
    encodeFrame({ kind: 'act-two', initiatorSessionId: 3, responderSessionId: 127, act: counting(50) }),
    encodeFrame({ kind: 'act-three', responderSessionId: 127, act: counting(66) }),
    ...sealedSeeds(),
  ],
  dictionary: LEB128_DICTIONARY,
  decode: (input) => {
    const decoded = decodeFrame(input);
    // What a receiver does next: checks an act one's neighbour tag, opens a sealed frame (a fresh session: only the tag decides).
    if (decoded.kind === 'act-one') neighbourTagMatches(TAG_KEY, decoded.initiatorSessionId, decoded.act, decoded.neighbourTag);
    if (decoded.kind === 'sealed') session().open(decoded);
    return decoded;
  },
  refuses: refusedWith(LinkDecodeError),
  roundTrip: (decoded, input) => sameBytes('encodeFrame', input, encodeFrame(decoded)),
};

/** The first byte is the frame type (its flags, the low 5 bits); the rest is the decrypted body. */
export const sealedBody: FuzzTarget<SealedBody> = {
  name: 'link/sealed-body',
  exercises: 'decodeSealedBody (transports/link/frame.ts)',
  weight: 8,
  seeds: () => [
    Uint8Array.of(FRAME_SEALED | FLAG_FRAGMENT | FLAG_WHOLE, ...encodeSealedBody({ fragment: { seq: 1, index: 0, last: true, data: counting(40) } })),
    Uint8Array.of(FRAME_SEALED | FLAG_ACK, ...encodeSealedBody({ ack: { deliveredUpTo: 3, entries: [] } })),
    Uint8Array.of(
      FRAME_SEALED | FLAG_ACK | FLAG_ACK_ENTRIES | FLAG_FRAGMENT,
      ...encodeSealedBody({
        ack: { deliveredUpTo: 2 ** 40, entries: [1, 2, 3, 4].map((i) => ({ seq: 2 ** 40 + i * 1000, receivedPrefix: 8192, bitmap: counting(8 - i) })) },
        fragment: { seq: 2 ** 53 - 1, index: 8191, last: true, data: new Uint8Array(0) },
      }),
    ),
  ],
  dictionary: LEB128_DICTIONARY,
  decode: (input) => decodeSealedBody(input.subarray(1), (input[0] ?? 0) & 0x1f),
  refuses: refusedWith(LinkDecodeError),
  roundTrip: (body, input) => sameBytes('encodeSealedBody', input.subarray(1), encodeSealedBody(body)),
};

const REASSEMBLY_LIMITS = { maxMessageBytes: 1000, maxBufferedBytes: 4000, maxMessagesAhead: 8 };

/**
 * Fragments as a flood of them would arrive, four bytes each: the message
 * (low 4 bits of the first byte: 0 to 15 after the last delivered), the
 * index (12 bits: the first byte's high 4, then the second byte), whether it
 * is the last (bit 0 of the third), and its data length in 4-byte units
 * (the fourth). The bounds must hold whatever arrives: never more held than
 * `maxBufferedBytes`, never a message over `maxMessageBytes` handed up.
 */
export const reassembly: FuzzTarget<number> = {
  name: 'link/reassembly',
  exercises: 'Reassembly.add, takeComplete (transports/link/fragment.ts)',
  weight: 2,
  seeds: () => [
    fromHex('01000150' + '02020020' + '02010020' + '02000040'),
    fromHex('0100ff00' + '01010000' + '0f00ffff' + '03000110' + 'f1ff0100'),
  ],
  decode: (input) => {
    const held = new Reassembly(REASSEMBLY_LIMITS);
    let deliveredUpTo = 0;
    let delivered = 0;
    for (let at = 0; at + 4 <= input.length; at += 4) {
      const [first, second, flags, size] = [input[at]!, input[at + 1]!, input[at + 2]!, input[at + 3]!];
      const fragment: Fragment = { seq: deliveredUpTo + (first & 0x0f), index: ((first >> 4) << 8) | second, last: (flags & 1) === 1, data: counting(size * 4, at) };
      const outcome = held.add(fragment, deliveredUpTo);
      if (held.bufferedBytes > REASSEMBLY_LIMITS.maxBufferedBytes) throw new BrokenPromiseError(`${held.bufferedBytes} bytes held, over the ${REASSEMBLY_LIMITS.maxBufferedBytes} allowed`);
      if (outcome !== 'complete') continue;
      const message = held.takeComplete(fragment.seq);
      if (!message) throw new BrokenPromiseError(`message ${fragment.seq} complete but not taken`);
      if (message.length > REASSEMBLY_LIMITS.maxMessageBytes) throw new BrokenPromiseError(`a message of ${message.length} bytes handed up, over ${REASSEMBLY_LIMITS.maxMessageBytes}`);
      if (fragment.seq === deliveredUpTo + 1) {
        deliveredUpTo++;
        held.forgetThrough(deliveredUpTo);
      }
      delivered++;
    }
    return delivered;
  },
  refuses: () => false,
};

const initiatorEphemeral = new Uint8Array(32).fill(0x44);
const responderEphemeral = new Uint8Array(32).fill(0x55);
const initiatorStatic = nodeKeyFromSecret(new Uint8Array(32).fill(0x66));
const responderStatic = nodeKeyFromSecret(nodeSecret);
const initiator = () => new HandshakeInitiator({ localStaticKey: initiatorStatic, remoteStaticKey: nodeId, ephemeralSecretKey: initiatorEphemeral });
const responder = () => new HandshakeResponder({ localStaticKey: responderStatic, ephemeralSecretKey: responderEphemeral });

/** The three acts of one handshake between fixed keys. */
function acts(): { one: Uint8Array; two: Uint8Array; three: Uint8Array } {
  const side = initiator();
  const one = side.actOne();
  const two = responder().actTwo(one);
  return { one, two, three: side.actThree(two).actThree };
}

/** A valid handshake's acts, for a side that must be past one of them. */
const ACTS = acts();

export const noiseActOne: FuzzTarget<Uint8Array> = {
  name: 'link/noise-act-one',
  exercises: 'HandshakeResponder.actTwo (transports/link/noise.ts)',
  weight: 1,
  seeds: () => [ACTS.one],
  maxInputBytes: 128,
  decode: (input) => responder().actTwo(input),
  refuses: refusedWith(HandshakeError),
};

export const noiseActTwo: FuzzTarget<unknown> = {
  name: 'link/noise-act-two',
  exercises: 'HandshakeInitiator.actThree (transports/link/noise.ts)',
  weight: 0.5,
  seeds: () => [ACTS.two],
  maxInputBytes: 128,
  decode: (input) => {
    const side = initiator();
    side.actOne();
    return side.actThree(input);
  },
  refuses: refusedWith(HandshakeError),
};

/**
 * An act three for a responder waiting for one; then the genuine act three,
 * which must still complete the handshake (a stranger who copied the session
 * id off the air must not end a neighbour's handshake with a forged one).
 */
export const noiseActThree: FuzzTarget<unknown> = {
  name: 'link/noise-act-three',
  exercises: 'HandshakeResponder.finish (transports/link/noise.ts)',
  weight: 0.5,
  seeds: () => [ACTS.three],
  maxInputBytes: 128,
  decode: (input) => {
    const side = responder();
    side.actTwo(ACTS.one);
    try {
      return side.finish(input);
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      try {
        side.finish(ACTS.three);
      } catch (after) {
        throw new BrokenPromiseError(`after a refused act three (${error.message}), the genuine one failed: ${(after as Error).message}`);
      }
      throw error;
    }
  },
  refuses: refusedWith(HandshakeError),
};

const bolt8State = () => new Bolt8CipherState(counting(32, 7), counting(32, 9));

export const bolt8Message: FuzzTarget<Uint8Array> = {
  name: 'link/bolt8-message',
  exercises: 'decryptMessage (transports/link/bolt8-message.ts)',
  weight: 1,
  seeds: () => [encryptMessage(bolt8State(), counting(100)), encryptMessage(bolt8State(), new Uint8Array(0))],
  decode: (input) => decryptMessage(bolt8State(), input),
  refuses: refusedWith(Bolt8MessageError),
};
