// Hex as noble writes it (lower case, two digits a byte), from any view of a buffer.
import t from 'tap';
import { bytesToHex as nobleHex } from '@noble/hashes/utils.js';
import { bytesToHex } from '../../../node/core/hex.js';

t.test('the same text as @noble/hashes, for plain arrays, Buffers and views into a larger buffer', async (t) => {
  const whole = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff);
  for (const bytes of [new Uint8Array(0), Uint8Array.of(0, 1, 0xab, 0xff), whole, whole.subarray(5, 38), Buffer.from(whole.subarray(100, 133))]) {
    t.equal(bytesToHex(bytes), nobleHex(bytes), `${bytes.length} bytes at offset ${bytes.byteOffset}`);
  }
});
