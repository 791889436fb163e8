// The Noise primitives as BOLT 8 defines them, checked on values from BOLT 8's example handshake.
import t from 'tap';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { decryptWithAd, ecdh, encryptWithAd, hkdfTwoKeys, nonceOf } from '../../../transports/link/noise-crypto.js';

t.test('nonce: 4 zero bytes, then the counter little-endian', async (t) => {
  t.equal(bytesToHex(nonceOf(0)), '000000000000000000000000');
  t.equal(bytesToHex(nonceOf(1)), '000000000100000000000000');
  t.equal(bytesToHex(nonceOf(2 ** 32 + 2)), '000000000200000001000000');
});

t.test('ECDH is SHA256 of the compressed shared point (BOLT 8 act one, es)', async (t) => {
  const ephemeral = hexToBytes('12'.repeat(32));
  const responderStatic = hexToBytes('028d7500dd4c12685d1f568b4c2b5048e8534b873319f3a8daa612b469132ec7f7');
  t.equal(bytesToHex(ecdh(ephemeral, responderStatic)), '1e2fb3c8fe8fb9f262f649f64d26ecf0f2c0a805a767cf02dc2d77a6ef1fdcc3');
});

t.test('HKDF gives the chaining key and the temporary key (BOLT 8 act one)', async (t) => {
  const [chainingKey, tempKey] = hkdfTwoKeys(
    hexToBytes('2640f52eebcd9e882958951c794250eedb28002c05d7dc2ea0f195406042caf1'),
    hexToBytes('1e2fb3c8fe8fb9f262f649f64d26ecf0f2c0a805a767cf02dc2d77a6ef1fdcc3'),
  );
  t.equal(bytesToHex(chainingKey), 'b61ec1191326fa240decc9564369dbb3ae2b34341d1e11ad64ed89f89180582f');
  t.equal(bytesToHex(tempKey), 'e68f69b7f096d7917245f5e5cf8ae1595febe4d4644333c99f9c4a1282031c9f');
});

t.test('encryptWithAd over nothing is the tag of act one; decryptWithAd checks it', async (t) => {
  const key = hexToBytes('e68f69b7f096d7917245f5e5cf8ae1595febe4d4644333c99f9c4a1282031c9f');
  const hash = hexToBytes('9e0e7de8bb75554f21db034633de04be41a2b8a18da7a319a03c803bf02b396c');
  const tag = encryptWithAd(key, 0, hash, new Uint8Array(0));
  t.equal(bytesToHex(tag), '0df6086551151f58b8afe6c195782c6a');
  t.equal(decryptWithAd(key, 0, hash, tag)?.length, 0, 'authentic: an empty plaintext');
  t.equal(decryptWithAd(key, 1, hash, tag), undefined, 'another nonce');
  t.equal(decryptWithAd(key, 0, new Uint8Array(32), tag), undefined, 'other associated data');
  t.equal(decryptWithAd(key, 0, hash, tag.subarray(0, 15)), undefined, 'shorter than a tag');
});
