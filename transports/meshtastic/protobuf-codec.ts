/**
 * protobufjs behind two small functions: decoding any bytes gives an object
 * or a MeshtasticDecodeError (never protobufjs's own RangeError or Error),
 * and encoding checks the result fits a frame.
 */
import type protobuf from 'protobufjs/light.js';
import { InvalidInputError, checkBytes } from '../../node/core/input.js';
import { MeshtasticDecodeError } from './decode-error.js';
import type { Problem } from './mesh-packet.js';
import { MAX_PACKET_LENGTH } from './stream-framing.js';

// `any`: protobufjs's decoded message, read field by field by the caller, which checks every value it takes.
export function decodeMessage(type: protobuf.Type, what: string, bytes: Uint8Array): any {
  checkBytes(what, bytes);
  if (bytes.length > MAX_PACKET_LENGTH) throw new MeshtasticDecodeError(what, `${bytes.length} bytes, over the ${MAX_PACKET_LENGTH} a frame may carry`);
  try {
    return type.decode(bytes);
  } catch (error) {
    throw new MeshtasticDecodeError(what, `malformed protobuf (${error instanceof Error ? error.message : String(error)})`);
  }
}

export function encodeMessage(type: protobuf.Type, what: string, message: Record<string, unknown>): Uint8Array {
  const bytes = type.encode(message).finish();
  if (bytes.length > MAX_PACKET_LENGTH) throw new InvalidInputError(what, `encodes to ${bytes.length} bytes, over the ${MAX_PACKET_LENGTH} a frame may carry`);
  return Uint8Array.from(bytes);
}

/** Throws a decode error for a problem found in what was decoded. */
export function refuseDecoded(what: string, problem: Problem, prefix = ''): void {
  if (problem) throw new MeshtasticDecodeError(what, `${prefix}${problem[0]}: ${problem[1]}`);
}

/** Throws an input error for a problem found in what was to be encoded. */
export function refuseInput(problem: Problem, prefix = ''): void {
  if (problem) throw new InvalidInputError(`${prefix}${problem[0]}`, problem[1]);
}
