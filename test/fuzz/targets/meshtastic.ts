/**
 * What a Meshtastic radio's serial port gives the node (transports/meshtastic/):
 * the 0x94 0xC3 stream with debug-console bytes between frames, each frame a
 * FromRadio protobuf; and what a client gives a radio (ToRadio, which the
 * radio model decodes). The stream decoder must never throw, keep its
 * bounds, and cut the same items however the port chunks it; the protobuf
 * decoders refuse with MeshtasticDecodeError only.
 */
import { PortNum } from '../../../transports/meshtastic/client-messages.js';
import type { FromRadio, ToRadio } from '../../../transports/meshtastic/client-messages.js';
import { MeshtasticDecodeError } from '../../../transports/meshtastic/decode-error.js';
import { decodeFromRadio, encodeFromRadio } from '../../../transports/meshtastic/from-radio.js';
import { FrameDecoder, MAX_PACKET_LENGTH, START1, START2, encodeFrame } from '../../../transports/meshtastic/stream-framing.js';
import { decodeToRadio, encodeToRadio } from '../../../transports/meshtastic/to-radio.js';
import { BrokenPromiseError, type FuzzTarget, canon } from '../target.js';
import { counting } from './fixtures.js';

/** Chunk sizes taken from the input's own bytes, so the split is part of the input and replays with it. */
function chunks(input: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, step = 1 + ((input[input.length - 1] ?? 0) % 7); at < input.length; step = 1 + ((input[at] ?? 0) % 13)) {
    out.push(input.subarray(at, at + step));
    at += out[out.length - 1]!.length;
  }
  return out;
}

const aPacket = { from: 0x0a0b0c0d, to: 0x01020304, id: 77, hopLimit: 2, hopStart: 3, decoded: { portnum: PortNum.privateApp, payload: counting(219) } };
const fromRadioSeeds = (): Uint8Array[] => [
  encodeFromRadio({ id: 1, kind: 'packet', packet: aPacket }),
  encodeFromRadio({ id: 2, kind: 'myInfo', myNodeNum: 0x0a0b0c0d }),
  encodeFromRadio({ id: 3, kind: 'configCompleteId', nonce: 0x12345678 }),
  encodeFromRadio({ id: 4, kind: 'queueStatus', queueStatus: { res: 0, free: 15, maxlen: 16, meshPacketId: 77 } }),
];

/** Items of a stream, and each packet decoded as FromRadio (or the decoder's refusal), as the transport reads them. */
type StreamRead = { items: string; messages: (FromRadio | string)[] };

export const meshtasticStream: FuzzTarget<StreamRead> = {
  name: 'meshtastic/stream',
  exercises: 'FrameDecoder.push, decodeFromRadio (transports/meshtastic/)',
  weight: 3,
  seeds: () => [
    Uint8Array.from([...new TextEncoder().encode('DEBUG | boot\r\n'), ...fromRadioSeeds().flatMap((packet) => [...encodeFrame(packet)])]),
    Uint8Array.of(START1, START2, 0x7f, 0xff, START1, START2, 0, 1, 0x2a),
  ],
  dictionary: [Uint8Array.of(START1, START2), Uint8Array.of(START1, START2, 0x02, 0x00), Uint8Array.of(START1, START2, 0x02, 0x01), Uint8Array.of(0x0a), Uint8Array.of(0x12), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f)],
  maxInputBytes: 4 * (MAX_PACKET_LENGTH + 4),
  decode: (input) => {
    const whole = new FrameDecoder().push(input);
    const split = new FrameDecoder();
    const pieces = chunks(input).flatMap((chunk) => split.push(chunk));
    const packets = whole.filter((item) => item.kind === 'packet');
    const splitPackets = pieces.filter((item) => item.kind === 'packet');
    if (canon(splitPackets) !== canon(packets)) throw new BrokenPromiseError(`${packets.length} packets in one push, ${splitPackets.length} in chunks`);
    const messages = packets.map((item) => {
      if (item.packet.length > MAX_PACKET_LENGTH) throw new BrokenPromiseError(`a packet of ${item.packet.length} bytes, over ${MAX_PACKET_LENGTH}`);
      try {
        return decodeFromRadio(item.packet);
      } catch (error) {
        if (error instanceof MeshtasticDecodeError) return error.message;
        throw error;
      }
    });
    return { items: canon(packets), messages };
  },
  refuses: () => false,
};

export const meshtasticToRadio: FuzzTarget<ToRadio> = {
  name: 'meshtastic/to-radio',
  exercises: 'decodeToRadio (transports/meshtastic/to-radio.ts), as a radio reads a client',
  weight: 2,
  seeds: () => [encodeToRadio({ kind: 'packet', packet: aPacket }), encodeToRadio({ kind: 'wantConfigId', nonce: 0x12345678 }), encodeToRadio({ kind: 'heartbeat', nonce: 1 })],
  dictionary: [Uint8Array.of(0x0a), Uint8Array.of(0x18), Uint8Array.of(0x3a, 0x00), Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x10)],
  maxInputBytes: MAX_PACKET_LENGTH + 16,
  decode: (input) => decodeToRadio(input),
  refuses: (error) => error instanceof MeshtasticDecodeError,
  roundTrip: (message) => {
    const again = decodeToRadio(encodeToRadio(message));
    return canon(again) === canon(message) ? undefined : `encodeToRadio: ${canon(message)} came back as ${canon(again)}`;
  },
};
