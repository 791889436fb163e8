/**
 * Byte streams off a serial port (transports/lora/kiss.ts, transports/serial):
 * KISS frames from an RNode, COBS-stuffed frames with a CRC from a serial
 * line. A stream decoder must never throw, must keep its bounds, and must cut
 * the same frames out of a stream however the port chunks it.
 */
import { FEND, FESC, KissDecoder, type KissFrame, encodeKissFrame } from '../../../transports/lora/kiss.js';
import { CobsDecodeError, cobsDecode, cobsEncode } from '../../../transports/serial/cobs.js';
import { SerialFrameDecoder, type SerialFrameResult, encodeSerialFrame } from '../../../transports/serial/serial-framing.js';
import { BrokenPromiseError, type FuzzTarget, canon, sameBytes, sameValue } from '../target.js';
import { counting } from './fixtures.js';

/** Chunk sizes taken from the input's own bytes, so the split is part of the input and replays with it. */
function chunks(input: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let step = 1 + ((input[input.length - 1] ?? 0) % 7);
  for (let at = 0; at < input.length; ) {
    out.push(input.subarray(at, at + step));
    step = 1 + ((input[at] ?? 0) % 13);
    at += out[out.length - 1]!.length;
  }
  return out;
}

const KISS_MAX_PAYLOAD = 300;

export const kiss: FuzzTarget<KissFrame[]> = {
  name: 'lora/kiss',
  exercises: 'KissDecoder.push (transports/lora/kiss.ts)',
  weight: 3,
  seeds: () => [
    Uint8Array.from([...encodeKissFrame(0x00, counting(200)), ...encodeKissFrame(0x21, Uint8Array.of(FEND, FESC, 1)), ...encodeKissFrame(0x48, Uint8Array.of(0xff, 0xff))]),
    Uint8Array.of(1, 2, FEND, FEND, ...encodeKissFrame(0x00, new Uint8Array(KISS_MAX_PAYLOAD).fill(FEND))),
  ],
  dictionary: [Uint8Array.of(FEND), Uint8Array.of(FESC), Uint8Array.of(FESC, 0xdc), Uint8Array.of(FESC, 0xdd), Uint8Array.of(FEND, FEND), Uint8Array.of(FESC, FEND)],
  decode: (input) => {
    const whole = new KissDecoder(KISS_MAX_PAYLOAD).push(input);
    const split = new KissDecoder(KISS_MAX_PAYLOAD);
    const pieces = chunks(input).flatMap((chunk) => split.push(chunk));
    if (canon(pieces) !== canon(whole)) throw new BrokenPromiseError(`${whole.length} frames in one push, ${pieces.length} in chunks`);
    for (const frame of whole) if (frame.payload.length > KISS_MAX_PAYLOAD) throw new BrokenPromiseError(`a payload of ${frame.payload.length} bytes, over ${KISS_MAX_PAYLOAD}`);
    return whole;
  },
  refuses: () => false,
  roundTrip: (frames) => {
    for (const frame of frames) {
      const again = new KissDecoder(KISS_MAX_PAYLOAD).push(encodeKissFrame(frame.command, frame.payload));
      const problem = sameValue('encodeKissFrame', [frame], again);
      if (problem) return problem;
    }
    return undefined;
  },
};

const SERIAL_MAX_PAYLOAD = 255;

export const serialFraming: FuzzTarget<SerialFrameResult[]> = {
  name: 'serial/serial-framing',
  exercises: 'SerialFrameDecoder.push (transports/serial/serial-framing.ts)',
  weight: 3,
  seeds: () => [
    Uint8Array.from([...encodeSerialFrame(counting(100)), ...encodeSerialFrame(new Uint8Array(0)), ...encodeSerialFrame(new Uint8Array(SERIAL_MAX_PAYLOAD))]),
    Uint8Array.from([5, 6, 0, ...encodeSerialFrame(Uint8Array.of(0, 0, 1, 0))]),
  ],
  dictionary: [Uint8Array.of(0), Uint8Array.of(0xff), Uint8Array.of(1), Uint8Array.of(2, 1, 0)],
  decode: (input) => {
    const whole = new SerialFrameDecoder(SERIAL_MAX_PAYLOAD).push(input);
    const split = new SerialFrameDecoder(SERIAL_MAX_PAYLOAD);
    const pieces = chunks(input).flatMap((chunk) => split.push(chunk));
    if (canon(pieces) !== canon(whole)) throw new BrokenPromiseError(`${whole.length} results in one push, ${pieces.length} in chunks`);
    for (const result of whole) if (result.kind === 'frame' && result.payload.length > SERIAL_MAX_PAYLOAD) throw new BrokenPromiseError(`a payload of ${result.payload.length} bytes, over ${SERIAL_MAX_PAYLOAD}`);
    return whole;
  },
  refuses: () => false,
  roundTrip: (results) => {
    for (const result of results) {
      if (result.kind !== 'frame') continue;
      const again = new SerialFrameDecoder(SERIAL_MAX_PAYLOAD).push(encodeSerialFrame(result.payload));
      const problem = sameValue('encodeSerialFrame', [result], again);
      if (problem) return problem;
    }
    return undefined;
  },
};

export const cobs: FuzzTarget<Uint8Array> = {
  name: 'serial/cobs',
  exercises: 'cobsDecode (transports/serial/cobs.ts)',
  weight: 4,
  seeds: () => [cobsEncode(counting(300)), cobsEncode(Uint8Array.of(0, 0, 1, 0)), cobsEncode(new Uint8Array(254).fill(7)), cobsEncode(new Uint8Array(0))],
  dictionary: [Uint8Array.of(0xff), Uint8Array.of(0x01), Uint8Array.of(0x02), Uint8Array.of(0xfe)],
  decode: cobsDecode,
  refuses: (error) => error instanceof CobsDecodeError,
  // One encoding per data: anything else lets two frames on the wire stand for the same bytes.
  roundTrip: (decoded, input) => sameBytes('cobsEncode', input, cobsEncode(decoded)),
};
