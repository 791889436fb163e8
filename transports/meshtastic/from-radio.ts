/**
 * FromRadio (mesh.proto): what the radio sends its client. lnmesh reads
 * packets, its own node number (`my_info`), the end of the config download
 * (`config_complete_id`), reboots and queue status; node infos only for
 * their numbers; every other variant (config, channels, logs, ...) is kept
 * opaque and ignored upstream. The radio model encodes them.
 */
import { InvalidInputError, checkObject } from '../../node/core/input.js';
import type { FromRadio, FromRadioInit, QueueStatus } from './client-messages.js';
import { FromRadioType, OPAQUE_FROM_RADIO } from './client-schema.js';
import { integerProblem, meshPacketFromWire, meshPacketProblem, meshPacketToWire, meshPacketWithDefaults } from './mesh-packet.js';
import type { Problem } from './mesh-packet.js';
import { decodeMessage, encodeMessage, refuseDecoded, refuseInput } from './protobuf-codec.js';

const UINT32_MAX = 0xffffffff;
const OPAQUE_BY_NAME = new Map(Object.entries(OPAQUE_FROM_RADIO).map(([field, name]) => [name, Number(field)]));

/** The protobuf bytes of a FromRadio (frame them with `encodeFrame`). Bad input: an InvalidInputError, nothing encoded. */
export function encodeFromRadio(message: FromRadioInit): Uint8Array {
  checkObject('message', message);
  const id = message.id ?? 0;
  refuseInput(integerProblem('id', id, 0, UINT32_MAX));
  return encodeMessage(FromRadioType, 'FromRadio', { ...(id !== 0 && { id }), ...variantToWire(message) });
}

function variantToWire(message: FromRadioInit): Record<string, unknown> {
  switch (message.kind) {
    case 'packet': {
      const packet = meshPacketWithDefaults(checkObject('packet', message.packet));
      refuseInput(meshPacketProblem(packet), 'packet.');
      return { packet: meshPacketToWire(packet) };
    }
    case 'myInfo':
      return uint32Variant('myInfo', 'myNodeNum', message.myNodeNum);
    case 'nodeInfo':
      return uint32Variant('nodeInfo', 'num', message.num);
    case 'configCompleteId':
      refuseInput(integerProblem('nonce', message.nonce, 0, UINT32_MAX));
      return { configCompleteId: message.nonce };
    case 'rebooted':
      if (typeof message.rebooted !== 'boolean') throw new InvalidInputError('rebooted', 'expected true or false');
      return { rebooted: message.rebooted };
    case 'queueStatus':
      refuseInput(queueStatusProblem(checkObject('queueStatus', message.queueStatus)), 'queueStatus.');
      return { queueStatus: { ...message.queueStatus } };
    case 'opaque':
      if (OPAQUE_BY_NAME.get(message.name) !== message.field) throw new InvalidInputError('name', `not an opaque FromRadio variant: ${String(message.name)} (field ${String(message.field)})`);
      if (!(message.bytes instanceof Uint8Array)) throw new InvalidInputError('bytes', 'expected bytes');
      return { [message.name]: message.bytes };
    case 'none':
      return {};
    default:
      throw new InvalidInputError('message.kind', `not a FromRadio variant: ${String((message as { kind: unknown }).kind)}`);
  }
}

function uint32Variant(variant: string, field: string, value: number): Record<string, unknown> {
  refuseInput(integerProblem(field, value, 0, UINT32_MAX));
  return { [variant]: value === 0 ? {} : { [field]: value } };
}

function queueStatusProblem(status: QueueStatus): Problem {
  return (
    integerProblem('res', status.res, -0x80000000, 0x7fffffff) ??
    integerProblem('free', status.free, 0, UINT32_MAX) ??
    integerProblem('maxlen', status.maxlen, 0, UINT32_MAX) ??
    integerProblem('meshPacketId', status.meshPacketId, 0, UINT32_MAX)
  );
}

/** A FromRadio from its protobuf bytes; a MeshtasticDecodeError for anything malformed or out of range. */
export function decodeFromRadio(bytes: Uint8Array): FromRadio {
  const wire = decodeMessage(FromRadioType, 'FromRadio', bytes);
  const id: number = wire.id;
  const variant: string | undefined = wire.payloadVariant;
  switch (variant) {
    case 'packet': {
      const packet = meshPacketFromWire(wire.packet);
      refuseDecoded('FromRadio', meshPacketProblem(packet), 'packet.');
      return { id, kind: 'packet', packet };
    }
    case 'myInfo':
      return { id, kind: 'myInfo', myNodeNum: wire.myInfo.myNodeNum };
    case 'nodeInfo':
      return { id, kind: 'nodeInfo', num: wire.nodeInfo.num };
    case 'configCompleteId':
      return { id, kind: 'configCompleteId', nonce: wire.configCompleteId };
    case 'rebooted':
      return { id, kind: 'rebooted', rebooted: wire.rebooted };
    case 'queueStatus': {
      const { res, free, maxlen, meshPacketId } = wire.queueStatus;
      return { id, kind: 'queueStatus', queueStatus: { res, free, maxlen, meshPacketId } };
    }
    case undefined:
      return { id, kind: 'none' };
    default:
      return { id, kind: 'opaque', field: OPAQUE_BY_NAME.get(variant)!, name: variant, bytes: Uint8Array.from(wire[variant]) };
  }
}
