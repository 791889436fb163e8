/**
 * The tag the tower keeps a channel's appointments under: opaque to it (a
 * hash of our funding key, which the chain shows only once the channel is
 * closed), the same for every appointment of the channel, so that the node
 * can have them dropped together.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';

const TOWER_TAG_DOMAIN = new TextEncoder().encode('lnmesh/tower-tag/1');
const TOWER_TAG_BYTES = 16;

export function towerTagOf(localFundingPubkey: Uint8Array): Uint8Array {
  return sha256(concatBytes(TOWER_TAG_DOMAIN, localFundingPubkey)).slice(0, TOWER_TAG_BYTES);
}
