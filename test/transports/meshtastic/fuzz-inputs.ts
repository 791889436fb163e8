/**
 * Inputs for fuzzing the Meshtastic stream decoder and the FromRadio decoder: random bytes, valid frames mutated,
 * truncated frames, and protobuf-shaped noise (random tags of the fields FromRadio and MeshPacket use, random wire
 * types and values), all drawn from one seeded generator so a failure replays from its seed and index.
 */
import type { SeededRandom } from '../../../sim/random.js';
import type { FromRadioInit } from '../../../transports/meshtastic/client-messages.js';
import { encodeFromRadio } from '../../../transports/meshtastic/from-radio.js';
import { START1, START2, encodeFrame } from '../../../transports/meshtastic/stream-framing.js';

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
/** Byte values worth splicing in: the magic, varint and length extremes, newline. */
const DICTIONARY = [START1, START2, 0x00, 0x01, 0x02, 0x7f, 0x80, 0xff, 0x0a, 0x08, 0x12, 0x22, 0x48];

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** A valid FromRadio of some variant, with random values in range. */
export function validFromRadio(random: SeededRandom): Uint8Array {
  const u32 = () => random.uint32();
  const choices: (() => FromRadioInit)[] = [
    () => ({ id: u32(), kind: 'packet', packet: {
      from: u32(), to: u32(), channel: random.int(0, 7), id: u32(), hopLimit: random.int(0, 7), hopStart: random.int(0, 7), wantAck: random.chance(0.5),
      priority: random.int(0, 127), rxTime: u32(), rxSnr: random.int(-80, 40) / 4, rxRssi: random.int(-140, 0),
      decoded: { portnum: random.pick([1, 3, 4, 5, 67, 256, 300, 511]), payload: random.bytes(random.int(0, 233)), requestId: random.chance(0.3) ? u32() : 0 },
    } }),
    () => ({ kind: 'packet', packet: { from: u32(), channel: random.int(0, 255), encrypted: random.bytes(random.int(1, 256)) } }),
    () => ({ kind: 'myInfo', myNodeNum: u32() }),
    () => ({ kind: 'nodeInfo', num: u32() }),
    () => ({ id: u32(), kind: 'configCompleteId', nonce: u32() }),
    () => ({ kind: 'rebooted', rebooted: true }),
    () => ({ kind: 'queueStatus', queueStatus: { res: random.int(-5, 40), free: random.int(0, 16), maxlen: 16, meshPacketId: u32() } }),
    () => ({ kind: 'opaque', field: 5, name: 'config', bytes: random.bytes(random.int(0, 60)) }),
    () => ({ kind: 'opaque', field: 10, name: 'channel', bytes: random.bytes(random.int(0, 60)) }),
  ];
  return encodeFromRadio(random.pick(choices)());
}

/** Random fields of the numbers FromRadio and MeshPacket use, with random wire types and values. */
function protobufNoise(random: SeededRandom): Uint8Array {
  const out: number[] = [];
  const fields = random.int(1, 8);
  for (let i = 0; i < fields; i++) {
    const wireType = random.pick([0, 0, 1, 2, 2, 5, random.int(0, 7)]);
    out.push(...varint(random.int(1, 20) * 8 + wireType));
    if (wireType === 0) out.push(...varint(random.pick([0, 1, 7, 8, 127, 128, 233, 511, 512, random.uint32()])));
    else if (wireType === 1) out.push(...random.bytes(8));
    else if (wireType === 5) out.push(...random.bytes(4));
    else if (wireType === 2) {
      const inner = random.chance(0.5) ? protobufNoise(random) : random.bytes(random.int(0, 240));
      out.push(...varint(random.chance(0.9) ? inner.length : random.int(0, 600)), ...inner);
    }
  }
  return Uint8Array.from(out);
}

function mutate(input: Uint8Array, random: SeededRandom): Uint8Array {
  const bytes = [...input];
  const edits = random.int(1, 4);
  for (let i = 0; i < edits; i++) {
    const at = random.int(0, bytes.length);
    const what = random.int(0, 4);
    if (what === 0 && bytes.length > 0) bytes[at % bytes.length]! ^= 1 << random.int(0, 7);
    else if (what === 1) bytes.splice(at, 0, random.pick(DICTIONARY));
    else if (what === 2) bytes.splice(at, random.int(1, 8));
    else if (what === 3 && bytes.length > 0) bytes[at % bytes.length] = random.pick(DICTIONARY);
    else bytes.splice(at, 0, ...random.bytes(random.int(1, 16)));
  }
  return Uint8Array.from(bytes);
}

/** One input for the stream: a kind chosen at random, its bytes, and a protobuf for the FromRadio decoder directly. */
export function fuzzInput(random: SeededRandom): { stream: Uint8Array; protobuf: Uint8Array } {
  const protobuf = random.chance(0.5) ? protobufNoise(random) : mutate(validFromRadio(random), random);
  const valid = encodeFrame(validFromRadio(random));
  const choices: (() => Uint8Array)[] = [
    () => random.bytes(random.int(0, 600)),
    () => mutate(valid, random),
    () => concat(valid.subarray(0, random.int(0, valid.length)), encodeFrame(validFromRadio(random))),
    () => concat(new TextEncoder().encode('DEBUG | noise\r\n'), encodeFrame(protobuf.subarray(0, 512))),
    () => concat(Uint8Array.of(START1, START2, random.int(2, 255), random.int(0, 255)), valid),
  ];
  return { stream: random.pick(choices)(), protobuf };
}
