/**
 * A named node of a link-layer test (a key, its id, a name that is also its
 * address on a memory medium), and ways to read what its link received.
 */
import { bytesToHex } from '../../node/core/hex.js';
import { publicKeyOf } from '../../node/core/curve.js';
import type { Link } from '../../transports/link/link.js';
import { newEphemeralKey } from '../../transports/link/noise.js';
import { randomBytes } from './random.js';

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

export interface Node {
  readonly name: string;
  readonly secretKey: Uint8Array;
  readonly id: string;
}

export function makeNode(name: string): Node {
  const secretKey = newEphemeralKey(randomBytes);
  return { name, secretKey, id: bytesToHex(publicKeyOf(secretKey)) };
}

/** What a link received, as "peerName:seq:hex", in order. */
export function inbox(link: Link, nodes: readonly Node[]): string[] {
  const received: string[] = [];
  link.on('message', (peer, message, seq) => received.push(`${nodes.find((node) => node.id === peer)?.name ?? peer}:${seq}:${hex(message)}`));
  return received;
}

/** Every drop counter of a link that is not zero. */
export function nonZeroDrops(link: Link): Record<string, number> {
  return Object.fromEntries(Object.entries(link.counters.dropped).filter(([, count]) => count > 0));
}
