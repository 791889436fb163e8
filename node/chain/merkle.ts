/**
 * Block merkle trees: the root a header commits to, the branch that proves
 * one transaction is in a block (the gateway builds it from the block), and
 * its check (the node runs it against a header it verified itself).
 *
 * Bitcoin pairs hashes level by level and, when a level has an odd count,
 * pairs the last hash with itself. Two known weaknesses follow, and what
 * is done about each:
 *
 * - CVE-2012-2459: duplicating the last transactions of a block gives a
 *   different transaction list with the same root. `merkleRoot` refuses a
 *   list where a level pairs two equal hashes that are not the odd one out
 *   (Core's "mutated" block). `verifyMerkleProof` refuses a branch that
 *   climbs as a right child next to an equal left sibling: that position is
 *   only the padding copy of the last transaction, never a real one.
 * - 64-byte transactions (CVE-2017-12842): an inner node is the double
 *   SHA-256 of 64 bytes, as is the txid of a 64-byte transaction, so a
 *   branch could stop one level early or go one level deeper. The depth is
 *   capped at 15, the most a valid block can need (4,000,000 weight units /
 *   240 per smallest transaction = 16,666 transactions), but it is not tied
 *   to the block's transaction count (a header does not commit to it). What
 *   makes this acceptable here: the node proves only txids it computed
 *   itself from transactions it holds (its funding and closing
 *   transactions). A forged branch for a given txid needs a mined 64-byte
 *   transaction that contains the txid as one half: as its first half, it
 *   must spend an output whose txid matches 27 bytes of it; as its second
 *   half, several bytes of the txid must happen to equal fixed fields
 *   (input and output counts, script lengths), odds near 2^-56, and then a
 *   40-bit grind. A funder grinding its own funding transaction to fit
 *   still needs tens of bits of work on both transactions and a miner
 *   willing to mine a non-standard one. Callers that hold a transaction's
 *   bytes should also refuse one of 64 bytes (without witness) as proven.
 */
import { equalBytes } from '@noble/curves/utils.js';
import { InvalidInputError, checkBytes, checkInteger } from '../core/input.js';
import { doubleSha256 } from './block-header.js';

const HASH_LENGTH = 32;
/** The deepest tree a valid block can have (see above). */
export const MAX_MERKLE_DEPTH = 15;
/** 2^15: no valid block has more transactions. */
export const MAX_BLOCK_TRANSACTIONS = 1 << MAX_MERKLE_DEPTH;

/** Thrown for a transaction list no valid block can have: empty, too long, or mutated (CVE-2012-2459). */
export class MerkleError extends Error {
  override name = 'MerkleError';
}

function parent(left: Uint8Array, right: Uint8Array): Uint8Array {
  const pair = new Uint8Array(2 * HASH_LENGTH);
  pair.set(left, 0);
  pair.set(right, HASH_LENGTH);
  return doubleSha256(pair);
}

function checkTxids(txids: readonly Uint8Array[]): void {
  if (txids.length === 0) throw new MerkleError('a block has at least one transaction (its coinbase)');
  if (txids.length > MAX_BLOCK_TRANSACTIONS) throw new MerkleError(`${txids.length} transactions: more than any valid block holds`);
  txids.forEach((txid, index) => checkBytes(`txids[${index}]`, txid, HASH_LENGTH));
}

/** The levels of the tree, leaves first, root last. Throws `MerkleError` if the list is mutated. */
function levels(txids: readonly Uint8Array[]): Uint8Array[][] {
  checkTxids(txids);
  const tree: Uint8Array[][] = [txids.slice()];
  for (let level = tree[0]!; level.length > 1; ) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1];
      if (right !== undefined && equalBytes(left, right)) {
        throw new MerkleError(`equal hashes paired at positions ${i} and ${i + 1} of a level: a mutated transaction list (CVE-2012-2459)`);
      }
      next.push(parent(left, right ?? left));
    }
    tree.push(next);
    level = next;
  }
  return tree;
}

/** The merkle root of a block's txids (internal order, coinbase first). */
export function merkleRoot(txids: readonly Uint8Array[]): Uint8Array {
  const tree = levels(txids);
  return tree[tree.length - 1]![0]!;
}

/** The sibling hashes from the leaf at `index` up to the root, leaf level first: what proves that transaction. */
export function merkleProof(txids: readonly Uint8Array[], index: number): Uint8Array[] {
  const tree = levels(txids);
  checkInteger('index', index, 0, txids.length - 1);
  const branch: Uint8Array[] = [];
  let position = index;
  for (const level of tree.slice(0, -1)) {
    const sibling = position ^ 1;
    branch.push(level[sibling] ?? level[position]!);
    position >>= 1;
  }
  return branch;
}

/**
 * Whether `branch` proves that `txid` is the transaction at `index` of the
 * block whose header carries `merkleRoot` (all hashes internal order). False
 * for a wrong proof, one deeper than any valid block, an index the branch
 * cannot reach, or a position that is only padding. Wrongly sized
 * arguments throw `InvalidInputError`: a decoder should have caught them.
 */
export function verifyMerkleProof(txid: Uint8Array, index: number, branch: readonly Uint8Array[], merkleRoot: Uint8Array): boolean {
  checkBytes('txid', txid, HASH_LENGTH);
  checkBytes('merkleRoot', merkleRoot, HASH_LENGTH);
  if (!Array.isArray(branch)) throw new InvalidInputError('branch', 'expected an array of hashes');
  branch.forEach((hash, level) => checkBytes(`branch[${level}]`, hash, HASH_LENGTH));
  if (typeof index !== 'number') throw new InvalidInputError('index', 'expected an integer');
  // An index no block can have is a proof that does not check out, as a wrong branch is: it comes from a peer.
  if (!Number.isSafeInteger(index) || index < 0 || index >= MAX_BLOCK_TRANSACTIONS) return false;
  if (branch.length > MAX_MERKLE_DEPTH) return false;
  if (index >= 2 ** branch.length) return false;
  let hash = txid;
  let position = index;
  for (const sibling of branch) {
    const isRightChild = (position & 1) === 1;
    // A right child equal to its left sibling is the padding copy of an odd level's last hash.
    if (isRightChild && equalBytes(sibling, hash)) return false;
    hash = isRightChild ? parent(sibling, hash) : parent(hash, sibling);
    position >>= 1;
  }
  return equalBytes(hash, merkleRoot);
}
