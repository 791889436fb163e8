// Two SerialTransports on the two ends of a real pseudo-terminal pair (socat), as two boards on a cable.
import t from 'tap';
import { SerialPort } from 'serialport';
import { SerialTransport } from '../../../transports/serial/serial-transport.js';
import { warningsInto } from '../../../sim/kit/logger.js';
import { encodeSerialFrame } from '../../../transports/serial/serial-framing.js';
import { openPtyPair, ptySkipReason } from '../pty.js';

const skip = ptySkipReason();
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The next `count` frames `transport` receives, as hex with their `from`. */
function nextFrames(transport: SerialTransport, count: number): Promise<[string, string | undefined][]> {
  return new Promise((resolve) => {
    const frames: [string, string | undefined][] = [];
    const onFrame = (frame: Uint8Array, from: string | undefined) => {
      frames.push([hex(frame), from]);
      if (frames.length === count) {
        transport.off('frame', onFrame);
        resolve(frames);
      }
    };
    transport.on('frame', onFrame);
  });
}

t.test('frames cross the line both ways, unchanged, and link events follow open and close', { skip }, async (t) => {
  const pair = await openPtyPair();
  t.teardown(() => pair.close());
  const alice = new SerialTransport({ path: pair.a });
  const bob = new SerialTransport({ path: pair.b, baudRate: 115200, mtu: 255 });
  const links: boolean[] = [];
  alice.on('link', (up) => links.push(up));
  await Promise.all([alice.open(), bob.open()]);
  t.teardown(() => Promise.all([alice.close(), bob.close()]));
  t.equal(alice.mtu, 255);

  const allBytes = Uint8Array.from({ length: 255 }, (_, i) => i); // zeros included: COBS must hide them
  const toBob = nextFrames(bob, 3);
  await alice.send(allBytes);
  await alice.send(Uint8Array.of(0, 0, 0));
  await alice.send(new Uint8Array());
  t.same(await toBob, [[hex(allBytes), undefined], ['000000', undefined], ['', undefined]]);

  const toAlice = nextFrames(alice, 1);
  await bob.send(Uint8Array.of(0xca, 0xfe));
  t.same(await toAlice, [['cafe', undefined]]);
  t.same(bob.stats, { frames: 3, corrupt: 0, oversized: 0 });

  await t.rejects(alice.send(new Uint8Array(256)), { name: 'TransportError' }, 'over the mtu');
  await alice.close();
  await t.rejects(alice.send(Uint8Array.of(1)), { name: 'TransportError' }, 'closed');
  t.same(links, [true, false]);
});

t.test('a corrupted frame written raw on the line is dropped and counted; the next good frame arrives', { skip }, async (t) => {
  const pair = await openPtyPair();
  t.teardown(() => pair.close());
  const line = await new Promise<SerialPort>((resolve, reject) => {
    const port = new SerialPort({ path: pair.a, baudRate: 115200 }, (error) => (error ? reject(error) : resolve(port)));
  });
  t.teardown(() => new Promise((resolve) => line.close(resolve)));
  const warnings: string[] = [];
  const bob = new SerialTransport({ path: pair.b, mtu: 64, logger: warningsInto(warnings) });
  await bob.open();
  t.teardown(() => bob.close());

  const corrupted = encodeSerialFrame(Uint8Array.of(1, 2, 3, 4, 5));
  corrupted[3]! ^= 0x10; // one bit flipped in the payload
  const oversized = encodeSerialFrame(new Uint8Array(100).fill(7));
  const good = encodeSerialFrame(Uint8Array.of(6, 6));
  const received = nextFrames(bob, 1);
  line.write(Buffer.concat([corrupted, oversized, good]));
  t.same(await received, [['0606', undefined]]);
  t.same(bob.stats, { frames: 1, corrupt: 1, oversized: 1 });
  t.equal(warnings.length, 2);
  t.match(warnings[0], /dropped a corrupt frame \(CRC mismatch\)/);
  t.match(warnings[1], /dropped a oversized frame/);
});

t.test('opening a port that does not exist fails with a TransportError naming it', async (t) => {
  const transport = new SerialTransport({ path: '/dev/lnmesh-no-such-port' });
  await t.rejects(transport.open(), { name: 'TransportError', message: /\/dev\/lnmesh-no-such-port/ });
});

t.test('the link goes down when a write finds the line gone', { skip }, async (t) => {
  const pair = await openPtyPair();
  const alice = new SerialTransport({ path: pair.a });
  await alice.open();
  t.teardown(() => alice.close());
  const links: boolean[] = [];
  alice.on('link', (up) => links.push(up));
  // socat exits and takes the pty with it, as an unplugged USB adapter would. A pty
  // reports it to the next write, or sometimes first to the pending read (then the
  // port is already closed when we write): either way the send fails and the link goes down.
  await pair.close();
  await t.rejects(alice.send(Uint8Array.of(1)), { name: 'TransportError', message: /EIO|not open|closed/ });
  t.same(links, [false]);
  await t.rejects(alice.send(Uint8Array.of(1)), { name: 'TransportError', message: /not open/ }, 'until opened again');
});
