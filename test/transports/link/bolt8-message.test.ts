// BOLT 8's length-prefixed message encryption: in step it works, one lost message and it cannot go on.
import t from 'tap';
import fc from 'fast-check';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
  Bolt8CipherState,
  Bolt8MessageError,
  LENGTH_HEADER_SIZE,
  MAX_MESSAGE_LENGTH,
  decryptLength,
  decryptMessage,
  encryptMessage,
} from '../../../transports/link/bolt8-message.js';

// The keys BOLT 8's handshake example ends with: the initiator's sending key and the chaining key.
const KEY = hexToBytes('969ab31b4d288cedf6218839b27a3e2140827047f2c0f01bf5c04435d43511a9');
const CHAINING_KEY = hexToBytes('919219dbb2920afa8db80f9a51787a840bcf111ed8d588caf9ab4be716e42b01');
const hello = new TextEncoder().encode('hello');

const connection = () => ({ sender: new Bolt8CipherState(KEY, CHAINING_KEY), receiver: new Bolt8CipherState(KEY, CHAINING_KEY) });

t.test('"hello" as BOLT 8 encrypts it first: 2-byte length, body, each with a 16-byte tag', async (t) => {
  const packet = encryptMessage(connection().sender, hello);
  t.equal(packet.length, LENGTH_HEADER_SIZE + hello.length + 16);
  t.equal(bytesToHex(packet), 'cf2b30ddf0cf3f80e7c35a6e6730b59fe802473180f396d88a8fb0db8cbcf25d2f214cf9ea1d95');
});

t.test('sender and receiver stay in step across key rotations (every 500 messages)', async (t) => {
  const { sender, receiver } = connection();
  const seen = new Set<string>();
  let wrong = 0;
  for (let i = 0; i < 1200; i++) {
    const packet = encryptMessage(sender, hello);
    seen.add(bytesToHex(packet));
    if (bytesToHex(decryptMessage(receiver, packet)) !== bytesToHex(hello)) wrong++;
  }
  t.equal(wrong, 0, 'all 1200 decrypted to hello');
  t.equal(seen.size, 1200, 'no two packets alike: nonces never repeat under one key');
});

t.test('a stream reader decrypts the length first, then reads the body', async (t) => {
  const { sender, receiver } = connection();
  const message = new Uint8Array(300).fill(9);
  const packet = encryptMessage(sender, message);
  const length = decryptLength(receiver, packet.subarray(0, LENGTH_HEADER_SIZE));
  t.equal(length, 300);
  t.equal(bytesToHex(receiver.decrypt(packet.subarray(LENGTH_HEADER_SIZE))), bytesToHex(message));
});

t.test('message sizes: empty and 65535 bytes go, 65536 does not', async (t) => {
  const { sender, receiver } = connection();
  t.equal(decryptMessage(receiver, encryptMessage(sender, new Uint8Array(0))).length, 0);
  t.equal(decryptMessage(receiver, encryptMessage(sender, new Uint8Array(MAX_MESSAGE_LENGTH))).length, MAX_MESSAGE_LENGTH);
  t.throws(() => encryptMessage(sender, new Uint8Array(MAX_MESSAGE_LENGTH + 1)), { name: 'Bolt8MessageError' });
});

t.test('a changed byte is refused', async (t) => {
  const packet = encryptMessage(connection().sender, hello);
  for (const at of [0, 17, 18, packet.length - 1]) {
    const changed = Uint8Array.from(packet);
    changed[at] = changed[at]! ^ 0x80;
    t.throws(() => decryptMessage(connection().receiver, changed), { name: 'Bolt8MessageError' }, `byte ${at}`);
  }
});

t.test('one lost message and every later one fails: why lnmesh encrypts each radio frame on its own', async (t) => {
  const { sender, receiver } = connection();
  encryptMessage(sender, hello); // lost on the way
  const next = encryptMessage(sender, hello);
  t.throws(() => decryptMessage(receiver, next), { name: 'Bolt8MessageError', message: 'the authentication tag does not verify' });
});

t.test('keys of the wrong size are refused', async (t) => {
  t.throws(() => new Bolt8CipherState(new Uint8Array(16), CHAINING_KEY), { name: 'Bolt8MessageError' });
});

t.test('any bytes given to decryptMessage give a message or a Bolt8MessageError', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        decryptMessage(connection().receiver, bytes);
      } catch (error) {
        if (!(error instanceof Bolt8MessageError)) throw error;
      }
    }),
    { numRuns: 300 },
  );
  t.pass('300 inputs');
});
