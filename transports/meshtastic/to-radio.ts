/**
 * ToRadio (mesh.proto): what a client sends the radio. lnmesh sends packets,
 * `want_config_id` to start a session, heartbeats, and `disconnect`; the
 * radio model decodes them.
 */
import { InvalidInputError, checkObject } from '../../node/core/input.js';
import type { MeshPacket, ToRadio, ToRadioInit } from './client-messages.js';
import { OPAQUE_TO_RADIO, ToRadioType } from './client-schema.js';
import { integerProblem, meshPacketFromWire, meshPacketProblem, meshPacketToWire, meshPacketWithDefaults } from './mesh-packet.js';
import { decodeMessage, encodeMessage, refuseDecoded, refuseInput } from './protobuf-codec.js';

const UINT32_MAX = 0xffffffff;
const OPAQUE_BY_NAME = new Map(Object.entries(OPAQUE_TO_RADIO).map(([field, name]) => [name, Number(field)]));

/** The protobuf bytes of a ToRadio (frame them with `encodeFrame`). Bad input: an InvalidInputError, nothing encoded. */
export function encodeToRadio(message: ToRadioInit): Uint8Array {
  checkObject('message', message);
  return encodeMessage(ToRadioType, 'ToRadio', toWire(message));
}

function toWire(message: ToRadioInit): Record<string, unknown> {
  switch (message.kind) {
    case 'packet': {
      const packet = meshPacketWithDefaults(checkObject('packet', message.packet));
      refuseInput(meshPacketProblem(packet), 'packet.');
      return { packet: meshPacketToWire(packet) };
    }
    case 'wantConfigId':
      refuseInput(integerProblem('nonce', message.nonce, 0, UINT32_MAX));
      return { wantConfigId: message.nonce };
    case 'heartbeat':
      refuseInput(integerProblem('nonce', message.nonce, 0, UINT32_MAX));
      return { heartbeat: message.nonce === 0 ? {} : { nonce: message.nonce } };
    case 'disconnect':
      return { disconnect: true };
    case 'opaque':
      return opaqueToWire(message.field, message.name, message.bytes);
    case 'none':
      return {};
    default:
      throw new InvalidInputError('message.kind', `not a ToRadio variant: ${String((message as { kind: unknown }).kind)}`);
  }
}

function opaqueToWire(field: number, name: string, bytes: Uint8Array): Record<string, unknown> {
  if (OPAQUE_BY_NAME.get(name) !== field) throw new InvalidInputError('message.name', `not an opaque ToRadio variant: ${String(name)} (field ${String(field)})`);
  if (!(bytes instanceof Uint8Array)) throw new InvalidInputError('message.bytes', 'expected bytes');
  return { [name]: bytes };
}

/** A ToRadio from its protobuf bytes; a MeshtasticDecodeError for anything malformed or out of range. */
export function decodeToRadio(bytes: Uint8Array): ToRadio {
  const wire = decodeMessage(ToRadioType, 'ToRadio', bytes);
  const variant: string | undefined = wire.payloadVariant;
  switch (variant) {
    case 'packet': {
      const packet: MeshPacket = meshPacketFromWire(wire.packet);
      refuseDecoded('ToRadio', meshPacketProblem(packet), 'packet.');
      return { kind: 'packet', packet };
    }
    case 'wantConfigId':
      return { kind: 'wantConfigId', nonce: wire.wantConfigId };
    case 'heartbeat':
      return { kind: 'heartbeat', nonce: wire.heartbeat.nonce };
    case 'disconnect':
      return { kind: 'disconnect' };
    case undefined:
      return { kind: 'none' };
    default: {
      const field = OPAQUE_BY_NAME.get(variant)!;
      return { kind: 'opaque', field, name: variant, bytes: Uint8Array.from(wire[variant]) };
    }
  }
}
