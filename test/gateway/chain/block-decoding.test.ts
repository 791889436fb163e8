import t from 'tap';
import fc from 'fast-check';
import { Block } from 'bitcoinjs-lib';
import { bytesToHex } from '@noble/hashes/utils.js';
import { BlockDecodingError, MAX_BLOCK_BYTES, decodeBlock } from '../../../gateway/chain/block-decoding.js';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import type { ChainBlock } from '../../../gateway/chain/chain-source.js';

/** A ChainBlock back into the bytes a backend serves. */
function serialize(chainBlock: ChainBlock): Uint8Array {
  const block = Block.fromBuffer(chainBlock.header);
  block.transactions = [...chainBlock.transactions];
  return block.toBuffer();
}

function decodingError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof BlockDecodingError) return error.reason;
    throw error;
  }
  return 'no error';
}

t.test('decodes what a backend serves, and refuses a block that is not what it claims', async (t) => {
  const chain = new EmbeddedChain();
  await chain.open();
  t.teardown(() => chain.close());
  await chain.mine(2);
  const real = (await chain.blockAt(2))!;
  const raw = serialize(real);

  const decoded = decodeBlock(raw, 2, real.hash);
  t.equal(decoded.hash, real.hash);
  t.equal(decoded.height, 2);
  t.equal(bytesToHex(decoded.header), bytesToHex(real.header));
  t.same(decoded.transactions.map((tx) => tx.toHex()), real.transactions.map((tx) => tx.toHex()));

  const other = (await chain.blockAt(1))!.hash;
  t.match(decodingError(() => decodeBlock(raw, 2, other)), /its header hashes to /, 'another hash than asked for');
  const tampered = real.transactions[0]!.clone();
  tampered.outs[0]!.value += 1n;
  const forged = serialize({ ...real, transactions: [tampered] });
  t.match(decodingError(() => decodeBlock(forged, 2, real.hash)), /do not match the merkle root/, 'transactions the header does not commit to');
  t.match(decodingError(() => decodeBlock(raw.subarray(0, 100), 2, real.hash)), /not a block/, 'cut short');
  t.match(decodingError(() => decodeBlock(raw.subarray(0, 79), 2, real.hash)), /not a block: 79 bytes, shorter than a header/, 'not even a header');
  t.match(decodingError(() => decodeBlock(real.header, 2, real.hash)), /do not match the merkle root/, 'a header alone');
  t.match(decodingError(() => decodeBlock(new Uint8Array(MAX_BLOCK_BYTES + 1), 2, real.hash)), /more than a block can hold/);
});

t.test('bytes after the last transaction are refused; a wrong block is refused by its header before its transactions are read', async (t) => {
  const chain = new EmbeddedChain();
  await chain.open();
  t.teardown(() => chain.close());
  await chain.mine(2);
  const real = (await chain.blockAt(2))!;
  const raw = serialize(real);

  // Before: the parser stopped after the stated transactions and the extra bytes went unnoticed.
  for (const extra of [Uint8Array.of(0), Uint8Array.from(raw.subarray(80))]) {
    const padded = new Uint8Array(raw.length + extra.length);
    padded.set(raw);
    padded.set(extra, raw.length);
    t.equal(
      decodingError(() => decodeBlock(padded, 2, real.hash)),
      `${extra.length} bytes more than its header and ${real.transactions.length} transactions take (trailing bytes after the last transaction)`,
    );
  }
  t.equal(decodingError(() => decodeBlock(raw, 2, real.hash)), 'no error', 'the exact bytes still pass');

  // Nearly 4 MB that is no block after its header: the hash mismatch is found without reading the rest
  // (before, the 4 MB were parsed first and the error was about them).
  const junk = new Uint8Array(MAX_BLOCK_BYTES).fill(0xfd);
  junk.set(real.header);
  const other = (await chain.blockAt(1))!.hash;
  t.equal(decodingError(() => decodeBlock(junk, 2, other)), `its header hashes to ${real.hash}`);
  t.match(decodingError(() => decodeBlock(junk, 2, real.hash)), /^not a block: /, 'with the right hash, the rest is read and refused');
});

t.test('random bytes: a BlockDecodingError, never anything else', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      decodingError(() => decodeBlock(bytes, 0, '00'.repeat(32)));
    }),
  );
  t.pass('no other error escaped');
});
