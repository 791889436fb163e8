// Compact headers: a run of real regtest headers round-trips through about
// half its size; the version and bits travel only when they change, the
// time as a signed difference; anything malformed is refused with a
// CompactHeaderError, never a partial result.
import t from 'tap';
import fc from 'fast-check';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { type BlockHeader, decodeHeader, encodeHeader, headerHash } from '../../../node/chain/block-header.js';
import { COMPACT_HEADER_MIN_BYTES, CompactHeaderError, decodeCompactHeaders, encodeCompactHeaders } from '../../../node/chain/compact-headers.js';

t.test('a run of regtest headers round-trips in about 38 bytes each', async (t) => {
  const chain = new EmbeddedChain({});
  await chain.open();
  t.teardown(() => chain.close());
  await chain.mine(30);
  const headers = await Promise.all(Array.from({ length: 31 }, (_, height) => chain.headerAt(height))) as Uint8Array[];
  const [genesis, ...run] = headers as [Uint8Array, ...Uint8Array[]];
  const compact = encodeCompactHeaders(genesis, run);
  // The first one's time is years after the genesis block's: a longer difference. The rest are 38 bytes each.
  const first = encodeCompactHeaders(genesis, run.slice(0, 1)).length;
  t.equal(compact.length - first, (run.length - 1) * COMPACT_HEADER_MIN_BYTES, `${run.length} headers in ${compact.length} bytes (raw: ${run.length * 80})`);
  const decoded = decodeCompactHeaders(genesis, compact, 144);
  t.same(decoded.map(bytesToHex), run.map(bytesToHex), 'the same headers back, previous hashes rebuilt');
});

t.test('versions, bits and times that change, and times that go back, round-trip', (t) => {
  const header = fc.record({
    version: fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
    merkleRoot: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    time: fc.nat(0xffff_ffff),
    bits: fc.nat(0xffff_ffff),
    nonce: fc.nat(0xffff_ffff),
  });
  fc.assert(
    fc.property(header, fc.array(header, { minLength: 1, maxLength: 20 }), (first, rest) => {
      const previous = encodeHeader({ ...first, prevHash: new Uint8Array(32) });
      const raws: Uint8Array[] = [];
      let before = previous;
      for (const fields of rest) {
        const raw = encodeHeader({ ...fields, prevHash: headerHash(before) } satisfies BlockHeader);
        raws.push(raw);
        before = raw;
      }
      const decoded = decodeCompactHeaders(previous, encodeCompactHeaders(previous, raws), 144);
      return decoded.length === raws.length && decoded.every((raw, i) => bytesToHex(raw) === bytesToHex(raws[i]!));
    }),
    { numRuns: 300 },
  );
  t.pass('300 random runs');
  t.end();
});

t.test('malformed input is a CompactHeaderError; limits hold', (t) => {
  const previous = encodeHeader({ version: 4, prevHash: new Uint8Array(32), merkleRoot: new Uint8Array(32), time: 1000, bits: 0x207fffff, nonce: 0 });
  const one = encodeCompactHeaders(previous, [encodeHeader({ version: 4, prevHash: headerHash(previous), merkleRoot: new Uint8Array(32).fill(1), time: 1600, bits: 0x207fffff, nonce: 7 })]);
  t.throws(() => decodeCompactHeaders(previous, one.slice(0, -1), 144), CompactHeaderError, 'cut short');
  t.throws(() => decodeCompactHeaders(previous, Uint8Array.of(0x80, ...one.slice(1)), 144), CompactHeaderError, 'unknown flags');
  t.throws(() => decodeCompactHeaders(previous, new Uint8Array([...one, ...one]), 1), CompactHeaderError, 'more headers than allowed');
  t.throws(() => decodeCompactHeaders(previous, new Uint8Array(144 * 60), 144), CompactHeaderError, 'more bytes than the headers allowed can take');
  t.throws(() => decodeCompactHeaders(new Uint8Array(79), one, 144), CompactHeaderError, 'a previous header that is not 80 bytes');
  // A time before the epoch.
  const early = encodeCompactHeaders(previous, [encodeHeader({ ...decodeHeader(previous), prevHash: headerHash(previous), time: 0 })]);
  early[1] = 0x81; early[2] = 0x7f; // zigzag of a large negative difference
  t.throws(() => decodeCompactHeaders(previous, early, 144), CompactHeaderError, 'a time out of range');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      try {
        decodeCompactHeaders(previous, bytes, 144);
        return true;
      } catch (error) {
        return error instanceof CompactHeaderError;
      }
    }),
    { numRuns: 2000 },
  );
  t.pass('2000 random inputs: decoded or refused, nothing else thrown');
  t.end();
});
