// The pty pair the serial and LoRa tests stand on: bytes cross it both ways, unchanged.
import t from 'tap';
import { SerialPort } from 'serialport';
import { openPtyPair, ptySkipReason } from './pty.js';

const skip = ptySkipReason();
t.test('bytes written at one end are read at the other', { skip }, async (t) => {
  const pair = await openPtyPair();
  t.teardown(() => pair.close());
  const open = (path: string) => new Promise<SerialPort>((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 115200 }, (error) => (error ? reject(error) : resolve(port)));
  });
  const [a, b] = await Promise.all([open(pair.a), open(pair.b)]);
  t.teardown(() => Promise.all([a, b].map((port) => new Promise((resolve) => port.close(resolve)))));
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i); // every byte value: the line is raw
  const received: Buffer[] = [];
  const done = new Promise<void>((resolve) => b.on('data', (chunk: Buffer) => {
    received.push(chunk);
    if (Buffer.concat(received).length >= bytes.length) resolve();
  }));
  a.write(Buffer.from(bytes));
  await done;
  t.equal(Buffer.concat(received).toString('hex'), Buffer.from(bytes).toString('hex'));
});
