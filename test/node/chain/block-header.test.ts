// Block headers: the real mainnet genesis and blocks 1 and 2 decode, hash
// to their well-known hashes and meet their targets (a misremembered header
// could not); compact bits read and write as Bitcoin Core does (its own
// test values, and bcoin's implementation on random inputs); work is
// 2^256 / (target + 1).
import t from 'tap';
import fc from 'fast-check';
import bcoin from 'bcoin';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
  bitsFromTarget,
  decodeHeader,
  encodeHeader,
  hashMeetsTarget,
  hashToHex,
  headerHash,
  hexToHash,
  targetFromBits,
  workOfTarget,
} from '../../../node/chain/block-header.js';
import { NETWORKS } from '../../../node/chain/network-params.js';

const consensus = (bcoin as any).consensus;
/** bcoin's big-number class (bn.js), reached through a value it returns. */
const BN = consensus.fromCompact(1).constructor;
/** bcoin's work of a header with these bits (ChainEntry.getProof). */
function bcoinWork(bits: number): bigint {
  const entry = new (bcoin as any).ChainEntry();
  entry.bits = bits;
  return BigInt(`0x${entry.getProof().toString(16)}`);
}

// Mainnet blocks 1 and 2, as every block explorer shows them.
const MAINNET_BLOCK_1 = '010000006fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000982051fd1e4ba744bbbe680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e61bc6649ffff001d01e36299';
const MAINNET_BLOCK_2 = '010000004860eb18bf1b1620e37e9490fc8a427514416fd75159ab86688e9a8300000000d5fdcc541e25de1c7a5addedf24858b8bb665c9f36ef744ee42c316022c90f9bb0bc6649ffff001d08d2bd61';

t.test('the mainnet genesis header', async (t) => {
  const raw = NETWORKS.mainnet.genesisHeader;
  const header = decodeHeader(raw);
  t.equal(header.version, 1);
  t.equal(bytesToHex(header.prevHash), '00'.repeat(32), 'no parent');
  t.equal(hashToHex(header.merkleRoot), '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b', 'the merkle root of its one coinbase');
  t.equal(header.time, 1231006505, '2009-01-03 18:15:05 UTC');
  t.equal(header.bits, 0x1d00ffff);
  t.equal(header.nonce, 2083236893);
  t.equal(hashToHex(headerHash(raw)), '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
  t.equal(bytesToHex(encodeHeader(header)), bytesToHex(raw), 'encodes back to the same 80 bytes');
  t.ok(hashMeetsTarget(headerHash(raw), targetFromBits(header.bits)), 'meets its target');
  t.equal(workOfTarget(targetFromBits(header.bits)), 0x100010001n, 'its work, as the chainwork Core reports for block 0');
});

t.test('mainnet blocks 1 and 2 link to genesis and meet their targets', async (t) => {
  const block1 = hexToBytes(MAINNET_BLOCK_1);
  const block2 = hexToBytes(MAINNET_BLOCK_2);
  t.equal(hashToHex(headerHash(block1)), '00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048');
  t.equal(hashToHex(headerHash(block2)), '000000006a625f06636b8bb6ac7b960a8d03705d1ace08b1a19da3fdcc99ddbd');
  t.equal(hashToHex(decodeHeader(block1).prevHash), hashToHex(headerHash(NETWORKS.mainnet.genesisHeader)));
  t.equal(hashToHex(decodeHeader(block2).prevHash), hashToHex(headerHash(block1)));
  for (const raw of [block1, block2]) t.ok(hashMeetsTarget(headerHash(raw), targetFromBits(decodeHeader(raw).bits)));
  const tampered = block1.slice();
  tampered[76]! ^= 1; // the nonce
  t.notOk(hashMeetsTarget(headerHash(tampered), targetFromBits(0x1d00ffff)), 'another nonce does not');
});

t.test('decoding checks the length; hex hashes are display order', async (t) => {
  t.throws(() => decodeHeader(new Uint8Array(79)), { name: 'InvalidInputError' });
  t.throws(() => decodeHeader(new Uint8Array(81)), { name: 'InvalidInputError' });
  t.equal(bytesToHex(hexToHash('00'.repeat(31) + 'ff')), 'ff' + '00'.repeat(31), 'reversed into internal order');
  t.throws(() => hexToHash('abc'), { name: 'InvalidInputError' });
  t.throws(() => encodeHeader({ ...decodeHeader(NETWORKS.mainnet.genesisHeader), time: 2 ** 32 }), { name: 'InvalidInputError' });
});

t.test('compact bits, with the values of Bitcoin Core\'s arith_uint256 tests', async (t) => {
  const cases: [number, bigint | 'zero' | 'negative' | 'overflow'][] = [
    [0x00000000, 'zero'],
    [0x00123456, 'zero'],
    [0x01003456, 'zero'],
    [0x02000056, 'zero'],
    [0x03000000, 'zero'],
    [0x04000000, 'zero'],
    [0x00923456, 'zero'],
    [0x01803456, 'zero'],
    [0x02800056, 'zero'],
    [0x03800000, 'zero'],
    [0x04800000, 'zero'],
    [0x01123456, 0x12n],
    [0x01fedcba, 'negative'],
    [0x02123456, 0x1234n],
    [0x03123456, 0x123456n],
    [0x04123456, 0x12345600n],
    [0x04923456, 'negative'],
    [0x05009234, 0x92340000n],
    [0x20123456, 0x123456n << 232n],
    [0xff123456, 'overflow'],
    [0x1d00ffff, 0xffffn << 208n],
  ];
  for (const [bits, expected] of cases) {
    const name = `0x${bits.toString(16).padStart(8, '0')}`;
    if (typeof expected === 'bigint') t.equal(targetFromBits(bits), expected, name);
    else t.throws(() => targetFromBits(bits), { name: 'InvalidInputError', message: new RegExp(expected === 'overflow' ? 'above 2\\^256' : expected) }, `${name}: ${expected}`);
  }
  t.equal(bitsFromTarget(0x80n), 0x02008000, 'a mantissa with its top bit set moves up a byte');
  t.equal(bitsFromTarget(0x12345600n), 0x04123456);
  t.equal(bitsFromTarget(NETWORKS.mainnet.powLimit), 0x1d00ffff, 'precision beyond three bytes is dropped');
});

t.test('compact bits agree with bcoin on random targets and encodings', async (t) => {
  const targets = fc.bigInt({ min: 1n, max: (1n << 256n) - 1n });
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(targets, (target) => {
        const ours = bitsFromTarget(target);
        const theirs = consensus.toCompact(new BN(target.toString(16), 16));
        return ours === theirs && targetFromBits(ours) <= target;
      }),
    ), 'bits from a target: as bcoin, and never easier than the target');
  // Encodings that are valid targets: a positive mantissa, a size that fits.
  const valid = fc.tuple(fc.integer({ min: 4, max: 32 }), fc.integer({ min: 1, max: 0x7fffff })).map(([size, mantissa]) => ((size << 24) | mantissa) >>> 0);
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(valid, (bits) => {
        const theirs = BigInt(`0x${consensus.fromCompact(bits).toString(16)}`);
        const ours = targetFromBits(bits);
        return ours === theirs && workOfTarget(ours) === bcoinWork(bits);
      }),
    ), 'target and work from bits: as bcoin');
});

t.test('headers encode and decode to the same fields', async (t) => {
  const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const uint32 = fc.integer({ min: 0, max: 0xffffffff });
  t.doesNotThrow(() => fc.assert(
    fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), hash, hash, uint32, uint32, uint32, (version, prevHash, merkleRoot, time, bits, nonce) => {
      const raw = encodeHeader({ version, prevHash, merkleRoot, time, bits, nonce });
      const back = decodeHeader(raw);
      return (
        raw.length === 80 &&
        back.version === version &&
        bytesToHex(back.prevHash) === bytesToHex(prevHash) &&
        bytesToHex(back.merkleRoot) === bytesToHex(merkleRoot) &&
        back.time === time &&
        back.bits === bits &&
        back.nonce === nonce &&
        bytesToHex(encodeHeader(back)) === bytesToHex(raw)
      );
    }),
  ), 'any field values round-trip through 80 bytes');
});
