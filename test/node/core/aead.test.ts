// The native ChaCha20-Poly1305 gives RFC 8439's bytes (and noble's), and
// answers undefined, never a throw, for anything that does not verify.
import t from 'tap';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { openChaCha20Poly1305, sealChaCha20Poly1305 } from '../../../node/core/aead.js';

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s/g, ''), 'hex'));

t.test('RFC 8439 section 2.8.2', async (t) => {
  const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
  const nonce = hex('070000004041424344454647');
  const aad = hex('50515253c0c1c2c3c4c5c6c7');
  const plaintext = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
  const sealed = sealChaCha20Poly1305(key, nonce, aad, plaintext);
  t.equal(Buffer.from(sealed.subarray(0, 16)).toString('hex'), 'd31a8d34648e60db7b86afbc53ef7ec2', 'the ciphertext starts as the RFC has it');
  t.equal(Buffer.from(sealed.subarray(-16)).toString('hex'), '1ae10b594f09e26a7e902ecbd0600691', 'the tag');
  t.same(openChaCha20Poly1305(key, nonce, aad, sealed), plaintext);
  t.notOk(Buffer.isBuffer(sealed), 'a plain Uint8Array, not a Buffer');
});

t.test('the same bytes as @noble/ciphers, for lengths 0 to 300', async (t) => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
  const nonce = Uint8Array.from({ length: 12 }, (_, i) => i + 1);
  for (let length = 0; length <= 300; length += 37) {
    const plaintext = Uint8Array.from({ length }, (_, i) => i);
    const aad = Uint8Array.from({ length: length % 40 }, (_, i) => 255 - i);
    t.same(sealChaCha20Poly1305(key, nonce, aad, plaintext), chacha20poly1305(key, nonce, aad).encrypt(plaintext), `${length} bytes`);
  }
});

t.test('what does not verify is undefined', async (t) => {
  const key = new Uint8Array(32).fill(1);
  const nonce = new Uint8Array(12);
  const sealed = sealChaCha20Poly1305(key, nonce, Uint8Array.of(9), Uint8Array.of(1, 2, 3));
  t.equal(openChaCha20Poly1305(key, nonce, Uint8Array.of(8), sealed), undefined, 'other associated data');
  t.equal(openChaCha20Poly1305(new Uint8Array(32).fill(2), nonce, Uint8Array.of(9), sealed), undefined, 'another key');
  const changed = Uint8Array.from(sealed);
  changed[0]! ^= 1;
  t.equal(openChaCha20Poly1305(key, nonce, Uint8Array.of(9), changed), undefined, 'a changed byte');
  t.equal(openChaCha20Poly1305(key, nonce, Uint8Array.of(9), sealed.subarray(0, 15)), undefined, 'shorter than a tag');
  t.same(openChaCha20Poly1305(key, nonce, Uint8Array.of(9), sealed), Uint8Array.of(1, 2, 3));
  t.throws(() => sealChaCha20Poly1305(new Uint8Array(31), nonce, new Uint8Array(0), new Uint8Array(0)), /key/, 'a short key is a caller error');
});

t.test('a tag cut to 8 bytes is the first 8 of the whole one, and checks as strictly', async (t) => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
  const nonce = new Uint8Array(12).fill(7);
  const plaintext = Uint8Array.from({ length: 90 }, (_, i) => i);
  const whole = sealChaCha20Poly1305(key, nonce, Uint8Array.of(1), plaintext);
  const cut = sealChaCha20Poly1305(key, nonce, Uint8Array.of(1), plaintext, 8);
  t.same(cut, whole.subarray(0, plaintext.length + 8));
  t.same(openChaCha20Poly1305(key, nonce, Uint8Array.of(1), cut, 8), plaintext);
  const changed = Uint8Array.from(cut);
  changed[cut.length - 1]! ^= 0x80;
  t.equal(openChaCha20Poly1305(key, nonce, Uint8Array.of(1), changed, 8), undefined, 'the last tag byte changed');
  t.equal(openChaCha20Poly1305(key, nonce, Uint8Array.of(1), whole, 8), undefined, 'a whole tag read as a cut one');
  t.throws(() => sealChaCha20Poly1305(key, nonce, Uint8Array.of(1), plaintext, 4), /8 to 16/, 'shorter than 8: refused');
});
