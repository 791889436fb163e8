/**
 * Node ids as people write them: the node's public key, 33 bytes in hex
 * (66 characters, starting 02 or 03). One check for every place that reads
 * one (a config, a command line, a control request), so that all accept
 * and refuse the same texts.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { isPublicKey } from '../core/curve.js';

/** Why `text` is not a node id, or undefined when it is one. */
export function nodeIdProblem(text: unknown): string | undefined {
  if (typeof text !== 'string' || !/^0[23][0-9a-fA-F]{64}$/.test(text)) return 'expected a node id: 66 hex characters starting 02 or 03';
  if (!isPublicKey(hexToBytes(text.toLowerCase()))) return 'not a public key on secp256k1';
  return undefined;
}
