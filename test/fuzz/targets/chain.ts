/** The node's chain view (node/chain): block headers, their targets, compact headers and merkle proofs. */
import { InvalidInputError } from '../../../node/core/input.js';
import { type BlockHeader, decodeHeader, encodeHeader, hashMeetsTarget, headerHash, targetFromBits } from '../../../node/chain/block-header.js';
import { CompactHeaderError, decodeCompactHeaders, encodeCompactHeaders } from '../../../node/chain/compact-headers.js';
import { MAX_BLOCK_TRANSACTIONS, MerkleError, merkleProof, merkleRoot, verifyMerkleProof } from '../../../node/chain/merkle.js';
import { MAX_HEADERS_PER_MESSAGE } from '../../../node/gateway-protocol/gateway-messages.js';
import { BrokenPromiseError, type FuzzTarget, fromHex, refusedWith, sameBytes, sameValue } from '../target.js';
import { counting } from './fixtures.js';

/** Bitcoin's genesis header: the first header of every seed chain. */
export const GENESIS = fromHex(
  '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c',
);

/** `count` headers after `previous`, each linked to the one before, with a time step and a version or bits change now and then. */
export function headerChain(previous: Uint8Array, count: number, roots: readonly Uint8Array[] = []): Uint8Array[] {
  const headers: Uint8Array[] = [];
  let before = previous;
  for (let i = 0; i < count; i++) {
    const last = decodeHeader(before);
    const raw = encodeHeader({
      version: i % 3 === 2 ? 0x20000000 + i : last.version,
      prevHash: headerHash(before),
      merkleRoot: roots[i] ?? counting(32, i),
      time: i === 4 ? last.time - 7200 : last.time + 600,
      bits: i === 5 ? 0x1d00fffe : last.bits,
      nonce: 0xffffffff - i,
    });
    headers.push(raw);
    before = raw;
  }
  return headers;
}

const BITS_DICTIONARY = ['ffff001d', '00000000', 'ffff7f22', '00008020', '01000001', 'ffffff23', 'ffff0004'].map(fromHex);

export const blockHeader: FuzzTarget<BlockHeader> = {
  name: 'chain/block-header',
  exercises: 'decodeHeader, targetFromBits, hashMeetsTarget (node/chain/block-header.ts)',
  weight: 4,
  seeds: () => [GENESIS, ...headerChain(GENESIS, 3)],
  dictionary: BITS_DICTIONARY,
  maxInputBytes: 160,
  decode: (input) => {
    const header = decodeHeader(input);
    // What a header chain does next: read the target and check the work (bits a peer chose: InvalidInputError if impossible).
    try {
      hashMeetsTarget(headerHash(input), targetFromBits(header.bits));
    } catch (error) {
      if (!(error instanceof InvalidInputError && error.field === 'bits')) throw error;
    }
    return header;
  },
  refuses: refusedWith(InvalidInputError),
  roundTrip: (header, input) => sameBytes('encodeHeader', input, encodeHeader(header)),
};

export const compactHeaders: FuzzTarget<Uint8Array[]> = {
  name: 'chain/compact-headers',
  exercises: 'decodeCompactHeaders (node/chain/compact-headers.ts)',
  weight: 5,
  seeds: () => [encodeCompactHeaders(GENESIS, headerChain(GENESIS, 8)), encodeCompactHeaders(GENESIS, headerChain(GENESIS, 1))],
  dictionary: [...BITS_DICTIONARY, fromHex('ffffffff1f'), fromHex('feffffff1f'), fromHex('03')],
  maxInputBytes: 8000,
  decode: (input) => decodeCompactHeaders(GENESIS, input, MAX_HEADERS_PER_MESSAGE),
  refuses: refusedWith(CompactHeaderError),
  // Not byte for byte: a flag may say "changes" for a field that does not.
  roundTrip: (headers) => sameValue('encodeCompactHeaders', headers, decodeCompactHeaders(GENESIS, encodeCompactHeaders(GENESIS, headers), MAX_HEADERS_PER_MESSAGE)),
};

/**
 * A proof as it comes off the air: txid (32), index (4, little-endian),
 * root (32), then the branch, 32 bytes a hash (a short last one included,
 * as a decoder that let it through would hand it over).
 */
export const merkleProofCheck: FuzzTarget<boolean> = {
  name: 'chain/merkle-proof',
  exercises: 'verifyMerkleProof (node/chain/merkle.ts)',
  weight: 3,
  seeds: () => {
    const txids = Array.from({ length: 5 }, (_, i) => counting(32, i * 7));
    const root = merkleRoot(txids);
    return [3, 4].map((index) => Uint8Array.from([...txids[index]!, index, 0, 0, 0, ...root, ...merkleProof(txids, index).flatMap((hash) => [...hash])]));
  },
  dictionary: [fromHex('ff7f0000'), fromHex('00800000'), fromHex('ffffffff')],
  decode: (input) => {
    const index = input.length >= 36 ? new DataView(input.buffer, input.byteOffset + 32, 4).getUint32(0, true) : 0;
    const branch: Uint8Array[] = [];
    for (let at = 68; at < input.length; at += 32) branch.push(input.slice(at, at + 32));
    return verifyMerkleProof(input.slice(0, 32), index, branch, input.slice(36, 68));
  },
  // Wrongly sized hashes and an index past any block: InvalidInputError, as documented.
  refuses: refusedWith(InvalidInputError),
};

/** A block's txids (32 bytes each): the root, and the proof of each of a few, which must verify against it. */
export const merkleTree: FuzzTarget<void> = {
  name: 'chain/merkle-tree',
  exercises: 'merkleRoot, merkleProof (node/chain/merkle.ts)',
  weight: 2,
  seeds: () => [Uint8Array.from(Array.from({ length: 7 }, (_, i) => [...counting(32, i)]).flat()), counting(32)],
  maxInputBytes: 32 * 64,
  decode: (input) => {
    const txids: Uint8Array[] = [];
    for (let at = 0; at < input.length; at += 32) txids.push(input.slice(at, at + 32));
    if (txids.length > MAX_BLOCK_TRANSACTIONS) return;
    const root = merkleRoot(txids);
    for (const index of new Set([0, txids.length - 1, txids.length >> 1])) {
      if (!verifyMerkleProof(txids[index]!, index, merkleProof(txids, index), root)) throw new BrokenPromiseError(`the proof of transaction ${index} of ${txids.length} does not verify`);
    }
  },
  refuses: refusedWith(MerkleError, InvalidInputError),
};
