/**
 * Fixed keys and values the targets build their seeds from: the same every
 * run, so that a seed (and any input made from it) is the same every run.
 */
import { publicKeyOf } from '../../../node/core/curve.js';

/** `length` bytes counting up from `start`: distinct, recognisable fields. */
export function counting(length: number, start = 1): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
}

export const nodeSecret = new Uint8Array(32).fill(0x11);
export const nodeId = publicKeyOf(nodeSecret);
export const gatewaySecret = new Uint8Array(32).fill(0x22);
export const gatewayId = publicKeyOf(gatewaySecret);
export const otherId = publicKeyOf(new Uint8Array(32).fill(0x33));

/** A compressed point (valid) for fields that want one. */
export const point = otherId;
export const signature = counting(64, 0x40);
export const hash32 = counting(32, 0xa0);
