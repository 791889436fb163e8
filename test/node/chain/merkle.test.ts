// Merkle proofs: for every transaction of a real regtest block (25 of
// them: odd levels pad with the last hash), the branch built from the txids
// verifies against the merkle root in the block's header and fails when
// anything in it is altered; duplicated-transaction lists (CVE-2012-2459)
// and padding positions are refused; random trees behave the same.
import t from 'tap';
import fc from 'fast-check';
import { bytesToHex } from '@noble/hashes/utils.js';
import { decodeHeader, doubleSha256, hashToHex } from '../../../node/chain/block-header.js';
import { MAX_MERKLE_DEPTH, MerkleError, merkleProof, merkleRoot, verifyMerkleProof } from '../../../node/chain/merkle.js';
import { BcoinRegtest } from './bcoin-regtest.js';

const hex = (bytes: Uint8Array) => bytesToHex(bytes);
const flipped = (bytes: Uint8Array, at = 0) => {
  const copy = bytes.slice();
  copy[at]! ^= 1;
  return copy;
};
const txidList = (count: number) => Array.from({ length: count }, (_, i) => doubleSha256(Uint8Array.of(i >> 8, i & 0xff)));

t.test('every transaction of a real regtest block is proven against its header', async (t) => {
  const regtest = await BcoinRegtest.start();
  t.teardown(() => regtest.close());
  await regtest.mine(101);
  await regtest.fillMempool(24);
  await regtest.mine(1);
  const txids = await regtest.txids(regtest.height);
  const header = decodeHeader(await regtest.headerAt(regtest.height));
  t.equal(txids.length, 25, 'a coinbase and 24 transactions');
  t.equal(hashToHex(merkleRoot(txids)), hashToHex(header.merkleRoot), 'the root of the txids is the one bcoin put in the header');

  let verified = 0;
  let refused = 0;
  txids.forEach((txid, index) => {
    const branch = merkleProof(txids, index);
    if (branch.length === 5 && verifyMerkleProof(txid, index, branch, header.merkleRoot)) verified++;
    const alterations = [
      verifyMerkleProof(flipped(txid), index, branch, header.merkleRoot),
      verifyMerkleProof(txid, index ^ 1, branch, header.merkleRoot),
      verifyMerkleProof(txid, index, branch, flipped(header.merkleRoot)),
      verifyMerkleProof(txid, index, branch.slice(0, -1), header.merkleRoot),
      verifyMerkleProof(txid, index, [...branch, branch[0]!], header.merkleRoot),
      ...branch.map((_, level) => verifyMerkleProof(txid, index, branch.map((hash, at) => (at === level ? flipped(hash, 31) : hash)), header.merkleRoot)),
    ];
    if (alterations.every((accepted) => !accepted)) refused++;
  });
  t.equal(verified, 25, 'each of the 25 proofs, five levels deep, verifies');
  t.equal(refused, 25, 'and each fails with its txid, index, root or any branch hash altered, or a level missing or added');
  t.notOk(verifyMerkleProof(txids[3]!, 4, merkleProof(txids, 3), header.merkleRoot), 'a proof does not move to another position');
});

t.test('the odd one out pairs with itself; a duplicated list is refused (CVE-2012-2459)', async (t) => {
  const txids = txidList(3);
  const padded = [...txids, txids[2]!];
  // Without the check, both lists would give this root.
  const naive = doubleSha256(new Uint8Array([...doubleSha256(new Uint8Array([...txids[0]!, ...txids[1]!])), ...doubleSha256(new Uint8Array([...txids[2]!, ...txids[2]!]))]));
  t.equal(hex(merkleRoot(txids)), hex(naive), 'three transactions: the third is paired with itself');
  t.throws(() => merkleRoot(padded), MerkleError, 'the same list with the last one repeated is refused');
  t.throws(() => merkleRoot([...txidList(6), ...txidList(6).slice(4)]), { name: 'MerkleError', message: /CVE-2012-2459/ }, 'as is a repeated pair, caught a level up');
  const branch = merkleProof(txids, 2);
  t.equal(hex(branch[0]!), hex(txids[2]!), 'the last transaction\'s sibling is itself');
  t.ok(verifyMerkleProof(txids[2]!, 2, branch, merkleRoot(txids)), 'and its proof verifies');
  t.notOk(verifyMerkleProof(txids[2]!, 3, branch, merkleRoot(txids)), 'but not at the padding position 3, where no transaction is');
  t.throws(() => merkleRoot([]), MerkleError, 'a block has at least a coinbase');
  t.equal(hex(merkleRoot(txids.slice(0, 1))), hex(txids[0]!), 'a block of one transaction: the root is its txid');
  t.same(merkleProof(txids.slice(0, 1), 0), [], 'proven with an empty branch');
});

t.test('limits: depth, index, sizes', async (t) => {
  const txid = txidList(1)[0]!;
  const deep = Array.from({ length: MAX_MERKLE_DEPTH + 1 }, (_, i) => txidList(i + 2)[i + 1]!);
  let root = txid;
  for (const sibling of deep) root = doubleSha256(new Uint8Array([...root, ...sibling]));
  t.notOk(verifyMerkleProof(txid, 0, deep, root), `a branch deeper than ${MAX_MERKLE_DEPTH} levels is refused even when it hashes to the root`);
  t.notOk(verifyMerkleProof(txid, 4, merkleProof(txidList(4), 0), merkleRoot(txidList(4))), 'an index the branch cannot reach');
  t.throws(() => verifyMerkleProof(txid.slice(1), 0, [], txid), { name: 'InvalidInputError' }, 'a txid that is not 32 bytes');
  t.throws(() => verifyMerkleProof(txid, 0, [new Uint8Array(31)], txid), { name: 'InvalidInputError', message: /branch\[0\]/ });
  // An index no block can have comes from a peer: the proof does not check out, as a wrong branch would not.
  t.equal(verifyMerkleProof(txid, -1, [], txid), false, 'a negative index');
  t.equal(verifyMerkleProof(txid, 2 ** 32 - 1, [], txid), false, 'an index past any block');
  t.throws(() => verifyMerkleProof(txid, '0' as never, [], txid), { name: 'InvalidInputError' }, 'an index that is not a number is our bug');
  t.throws(() => merkleProof(txidList(4), 4), { name: 'InvalidInputError' });
});

t.test('property: in any tree, every proof verifies and no altered one does', async (t) => {
  const trees = fc
    .integer({ min: 1, max: 300 })
    .chain((count) => fc.record({ count: fc.constant(count), index: fc.integer({ min: 0, max: count - 1 }), salt: fc.integer(), level: fc.nat() }));
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(trees, ({ count, index, salt, level }) => {
        const txids = Array.from({ length: count }, (_, i) => doubleSha256(new TextEncoder().encode(`${salt}/${i}`)));
        const root = merkleRoot(txids);
        const branch = merkleProof(txids, index);
        if (branch.length !== Math.ceil(Math.log2(count))) return false;
        if (!verifyMerkleProof(txids[index]!, index, branch, root)) return false;
        if (branch.length === 0) return true;
        const at = level % branch.length;
        const altered = branch.map((hash, i) => (i === at ? flipped(hash, level % 32) : hash));
        return !verifyMerkleProof(txids[index]!, index, altered, root) && !verifyMerkleProof(flipped(txids[index]!), index, branch, root);
      }),
      { numRuns: 300 },
    ),
  );
});
