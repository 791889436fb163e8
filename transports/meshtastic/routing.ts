/**
 * Routing (mesh.proto): the payload of a packet on ROUTING_APP (port 5).
 * The radio tells its client about a packet it sent this way: an ack
 * (`error_reason` NONE, `Data.request_id` naming the packet) or a nak with
 * the reason (NO_RESPONSE, MAX_RETRANSMIT, DUTY_CYCLE_LIMIT, TOO_LARGE, ...).
 * Route discovery variants are kept opaque.
 */
import { InvalidInputError, checkObject } from '../../node/core/input.js';
import type { Routing } from './client-messages.js';
import { RoutingType } from './client-schema.js';
import { MeshtasticDecodeError } from './decode-error.js';
import { integerProblem } from './mesh-packet.js';
import { decodeMessage, encodeMessage, refuseInput } from './protobuf-codec.js';

/** Routing.Error is an enum, an int32 on the wire; no firmware sends a negative one. */
const MAX_ERROR_REASON = 0x7fffffff;

export function encodeRouting(routing: Routing): Uint8Array {
  checkObject('routing', routing);
  switch (routing.kind) {
    case 'error':
      refuseInput(integerProblem('errorReason', routing.errorReason, 0, MAX_ERROR_REASON));
      return encodeMessage(RoutingType, 'Routing', { errorReason: routing.errorReason });
    case 'routeRequest':
    case 'routeReply':
      if (!(routing.bytes instanceof Uint8Array)) throw new InvalidInputError('bytes', 'expected bytes');
      return encodeMessage(RoutingType, 'Routing', { [routing.kind]: routing.bytes });
    case 'none':
      return new Uint8Array(0);
    default:
      throw new InvalidInputError('routing.kind', `not a Routing variant: ${String((routing as { kind: unknown }).kind)}`);
  }
}

/** A Routing from a port 5 packet's payload; a MeshtasticDecodeError for anything malformed or out of range. */
export function decodeRouting(payload: Uint8Array): Routing {
  const wire = decodeMessage(RoutingType, 'Routing', payload);
  const variant: string | undefined = wire.variant;
  if (variant === 'errorReason') {
    const errorReason: number = wire.errorReason;
    if (errorReason < 0) throw new MeshtasticDecodeError('Routing', `errorReason: ${errorReason} is negative`);
    return { kind: 'error', errorReason };
  }
  if (variant === 'routeRequest' || variant === 'routeReply') return { kind: variant, bytes: Uint8Array.from(wire[variant]) };
  return { kind: 'none' };
}
