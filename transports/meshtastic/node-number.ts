/**
 * Meshtastic node numbers: a uint32 per radio (MeshPacket.from and .to,
 * MyNodeInfo.my_node_num in mesh.proto), written `!aabbccdd` (8 lowercase
 * hex digits, as the firmware prints them). 0xffffffff is broadcast
 * (NODENUM_BROADCAST, firmware src/mesh/MeshTypes.h; the Python client
 * writes it `^all`). 0 is no node: in a packet from the client it means
 * "the radio itself", and the firmware complains of a packet to 0.
 */
import { InvalidInputError, checkInteger, describe } from '../../node/core/input.js';

export const BROADCAST_NODE_NUMBER = 0xffffffff;
/** NODENUM_BROADCAST_NO_LORA (MeshTypes.h): reserved for transports other than LoRa; no radio has it. */
export const NO_LORA_BROADCAST_NODE_NUMBER = 1;

const TEXT = /^!([0-9a-fA-F]{8})$/;

/** A node number that may name a radio or broadcast: a uint32 other than 0. */
export function checkNodeNumber(field: string, value: unknown): number {
  const number = checkInteger(field, value, 0, 0xffffffff);
  if (number === 0) throw new InvalidInputError(field, '0 is not a node number');
  return number;
}

/** A node number that names one radio: not 0, not broadcast, not the reserved 1. */
export function checkRadioNodeNumber(field: string, value: unknown): number {
  const number = checkNodeNumber(field, value);
  if (number === BROADCAST_NODE_NUMBER) throw new InvalidInputError(field, '!ffffffff is broadcast, not a radio');
  if (number === NO_LORA_BROADCAST_NODE_NUMBER) throw new InvalidInputError(field, '!00000001 is reserved, not a radio');
  return number;
}

/** `!aabbccdd`. */
export function nodeNumberText(number: number): string {
  checkInteger('node number', number, 0, 0xffffffff);
  return `!${number.toString(16).padStart(8, '0')}`;
}

/** `!aabbccdd` (either case) or `^all`, as a node number. */
export function parseNodeNumber(text: unknown): number {
  if (typeof text !== 'string') throw new InvalidInputError('node number', `expected text like "!aabbccdd", got ${describe(text)}`);
  if (text === '^all') return BROADCAST_NODE_NUMBER;
  const match = TEXT.exec(text);
  if (!match) throw new InvalidInputError('node number', `expected "!" and 8 hex digits (like "!aabbccdd") or "^all", got ${describe(text)}`);
  return checkNodeNumber('node number', parseInt(match[1]!, 16));
}

export function isBroadcast(number: number): boolean {
  return number === BROADCAST_NODE_NUMBER;
}
