// The sealed frame's AEAD: ChaCha20-Poly1305 with its tag cut to 8 bytes, checked against RFC 8439 and noble's full AEAD.
import t from 'tap';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { FRAME_TAG_LENGTH, openFrameBody, sealFrameBody } from '../../../transports/link/frame-aead.js';
import { nonceOf } from '../../../transports/link/noise-crypto.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

t.test('the tag is RFC 8439\'s', async (t) => {
  // RFC 8439 §2.8.2.
  const key = hexToBytes('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
  const nonce = hexToBytes('070000004041424344454647');
  const aad = hexToBytes('50515253c0c1c2c3c4c5c6c7');
  const plaintext = utf8ToBytes("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
  const sealed = chacha20poly1305(key, nonce, aad).encrypt(plaintext);
  t.equal(hex(sealed.subarray(plaintext.length)), '1ae10b594f09e26a7e902ecbd0600691', 'the RFC vector');
  const body = Uint8Array.from({ length: 40 }, (_, i) => i);
  const frameSealed = sealFrameBody(key, 300, aad, body);
  const full = chacha20poly1305(key, nonceOf(300), aad).encrypt(body);
  t.equal(frameSealed.length, body.length + FRAME_TAG_LENGTH, 'the body and an 8-byte tag');
  t.equal(hex(frameSealed), hex(full.subarray(0, body.length + 8)), "the ciphertext and the first 8 bytes of the full AEAD's tag");
});

t.test('opens what it sealed; anything altered, or under another key, counter or header, does not open', async (t) => {
  const key = new Uint8Array(32).fill(3);
  const header = Uint8Array.of(0x23, 5, 1);
  const body = Uint8Array.of(1, 2, 3, 4, 5);
  const sealed = sealFrameBody(key, 1, header, body);
  t.equal(hex(openFrameBody(key, 1, header, sealed)!), hex(body));
  t.equal(hex(openFrameBody(key, 2, header, sealFrameBody(key, 2, header, new Uint8Array(0)))!), '', 'an empty body (a goodbye)');
  for (let i = 0; i < sealed.length; i++) {
    const altered = sealed.slice();
    altered[i]! ^= 0x01;
    if (openFrameBody(key, 1, header, altered) !== undefined) t.fail(`byte ${i} altered, and it opened`);
  }
  t.equal(openFrameBody(key, 2, header, sealed), undefined, 'another counter');
  t.equal(openFrameBody(key, 1, Uint8Array.of(0x21, 5, 1), sealed), undefined, 'another header');
  t.equal(openFrameBody(new Uint8Array(32).fill(4), 1, header, sealed), undefined, 'another key');
  t.equal(openFrameBody(key, 1, header, sealed.subarray(0, 7)), undefined, 'shorter than a tag');
  t.equal(openFrameBody(key, 1, header, sealed.subarray(0, sealed.length - 1)), undefined, 'truncated');
});
