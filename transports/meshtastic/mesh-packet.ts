/**
 * MeshPacket and Data between our shapes and protobufjs's objects, with the
 * range checks both directions share: an encoder refuses what the firmware
 * would reject or clamp, and a decoder refuses what no firmware sends.
 */
import { DATA_PAYLOAD_LEN, ENCRYPTED_PAYLOAD_LEN, HOP_MAX, MAX_CHANNEL_INDEX, MAX_PRIORITY, PortNum } from './client-messages.js';
import type { MeshData, MeshDataInit, MeshPacket, MeshPacketInit } from './client-messages.js';

/** The field at fault and why, or undefined. */
export type Problem = readonly [field: string, reason: string] | undefined;

const UINT32_MAX = 0xffffffff;
const INT32 = [-0x80000000, 0x7fffffff] as const;

/** Where an integer must lie, by field: uint32s, and the fields the firmware keeps in fewer bits. */
const PACKET_INTEGERS: readonly (readonly [keyof MeshPacket, number, number])[] = [
  ['from', 0, UINT32_MAX], ['to', 0, UINT32_MAX], ['id', 0, UINT32_MAX], ['rxTime', 0, UINT32_MAX],
  ['hopLimit', 0, HOP_MAX], ['hopStart', 0, HOP_MAX], ['priority', 0, MAX_PRIORITY], ['rxRssi', ...INT32],
];

export function integerProblem(field: string, value: unknown, min: number, max: number): Problem {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return [field, `expected an integer, got ${typeof value === 'number' ? value : typeof value}`];
  return value < min || value > max ? [field, `${value} is outside [${min}, ${max}]`] : undefined;
}

function bytesProblem(field: string, value: unknown, max: number): Problem {
  if (!(value instanceof Uint8Array)) return [field, 'expected bytes'];
  return value.length > max ? [field, `${value.length} bytes, over the ${max} allowed`] : undefined;
}

function booleanProblem(field: string, value: unknown): Problem {
  return typeof value === 'boolean' ? undefined : [field, 'expected true or false'];
}

export function dataProblem(data: MeshData): Problem {
  if (typeof data !== 'object' || data === null) return ['decoded', 'expected an object'];
  return (
    integerProblem('decoded.portnum', data.portnum, 0, PortNum.max) ??
    bytesProblem('decoded.payload', data.payload, DATA_PAYLOAD_LEN) ??
    booleanProblem('decoded.wantResponse', data.wantResponse) ??
    integerProblem('decoded.requestId', data.requestId, 0, UINT32_MAX)
  );
}

/** The first field of `packet` out of range, or undefined. */
export function meshPacketProblem(packet: MeshPacket): Problem {
  for (const [field, min, max] of PACKET_INTEGERS) {
    const problem = integerProblem(field, packet[field], min, max);
    if (problem) return problem;
  }
  // A decrypted packet names a channel index; one the radio could not decrypt keeps the channel's hash byte.
  const channelMax = packet.encrypted ? 0xff : MAX_CHANNEL_INDEX;
  const channel = integerProblem('channel', packet.channel, 0, channelMax);
  if (channel) return channel;
  if (typeof packet.rxSnr !== 'number' || !Number.isFinite(packet.rxSnr)) return ['rxSnr', 'expected a finite number'];
  const flag = booleanProblem('wantAck', packet.wantAck) ?? booleanProblem('pkiEncrypted', packet.pkiEncrypted);
  if (flag) return flag;
  if (packet.decoded && packet.encrypted) return ['decoded', 'a packet is either decoded or encrypted, not both'];
  if (packet.encrypted) return bytesProblem('encrypted', packet.encrypted, ENCRYPTED_PAYLOAD_LEN);
  return packet.decoded ? dataProblem(packet.decoded) : undefined;
}

export function dataWithDefaults(init: MeshDataInit): MeshData {
  return { wantResponse: false, requestId: 0, ...init };
}

export function meshPacketWithDefaults(init: MeshPacketInit): MeshPacket {
  const { decoded, ...rest } = init;
  return {
    from: 0, to: 0, channel: 0, encrypted: undefined, id: 0, hopLimit: 0, hopStart: 0, wantAck: false, priority: 0,
    rxTime: 0, rxSnr: 0, rxRssi: 0, pkiEncrypted: false, ...rest,
    decoded: decoded === undefined ? undefined : dataWithDefaults(decoded),
  };
}

/** The object protobufjs encodes (it leaves out fields at their default; a oneof member is written when set). */
export function meshPacketToWire(packet: MeshPacket): Record<string, unknown> {
  const { decoded, encrypted, ...scalars } = packet;
  return {
    ...scalars,
    ...(decoded && { decoded: { ...decoded } }),
    ...(encrypted && { encrypted }),
  };
}

// `any`: what protobufjs decoded, to be read field by field and checked.
export function meshPacketFromWire(wire: any): MeshPacket {
  const variant: unknown = wire.payloadVariant;
  const data = wire.decoded;
  return {
    from: wire.from, to: wire.to, channel: wire.channel, id: wire.id, hopLimit: wire.hopLimit, hopStart: wire.hopStart,
    wantAck: wire.wantAck, priority: wire.priority, rxTime: wire.rxTime, rxSnr: wire.rxSnr, rxRssi: wire.rxRssi,
    pkiEncrypted: wire.pkiEncrypted,
    decoded: variant === 'decoded'
      ? { portnum: data.portnum, payload: Uint8Array.from(data.payload), wantResponse: data.wantResponse, requestId: data.requestId }
      : undefined,
    // A copy: protobufjs hands out views into the frame it decoded.
    encrypted: variant === 'encrypted' ? Uint8Array.from(wire.encrypted) : undefined,
  };
}
