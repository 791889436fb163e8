// Meshtastic's stream framing (serial and TCP): 0x94 0xC3, a big-endian length, the protobuf. Packets cross any
// chunking; the radio's debug console between them comes out as text lines; a bad length costs only its magic.
import t from 'tap';
import fc from 'fast-check';
import { InvalidInputError } from '../../../node/core/input.js';
import { FrameDecoder, MAX_PACKET_LENGTH, encodeFrame, wakeBytes, type StreamItem } from '../../../transports/meshtastic/stream-framing.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/ /g, ''), 'hex'));
const ascii = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
/** Items as short strings, for comparing whole streams at once. */
const show = (items: StreamItem[]) =>
  items.map((item) => (item.kind === 'packet' ? `packet ${hex(item.packet)}` : item.kind === 'console' ? `console ${item.line}` : `bad-length ${item.length}`));

t.test('a frame is 0x94 0xC3, the length big-endian, then the protobuf', async (t) => {
  // ToRadio { want_config_id: 0x12345678 }: field 3 varint (0x18), then 0x12345678 as a varint.
  t.equal(hex(encodeFrame(fromHex('18 f8ac d191 01'))), '94c30006' + '18f8acd19101');
  t.equal(hex(encodeFrame(new Uint8Array(0))), '94c30000', 'an empty protobuf is a valid message');
  const longest = encodeFrame(new Uint8Array(MAX_PACKET_LENGTH));
  t.equal(hex(longest.subarray(0, 4)), '94c30200', '512 = 0x0200');
  t.throws(() => encodeFrame(new Uint8Array(MAX_PACKET_LENGTH + 1)), InvalidInputError, 'over 512 bytes is refused');
  t.equal(hex(wakeBytes()), 'c3'.repeat(32), 'the Python client wakes a radio with 32 times 0xC3');
});

t.test('packets come out whole whatever the chunking', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: MAX_PACKET_LENGTH }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(4000)), (packets, cuts) => {
      const stream = concat(...packets.map(encodeFrame));
      const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
      const decoder = new FrameDecoder();
      const items: StreamItem[] = [];
      let start = 0;
      for (const point of [...points, stream.length]) {
        items.push(...decoder.push(stream.subarray(start, point)));
        start = point;
      }
      return JSON.stringify(show(items)) === JSON.stringify(packets.map((packet) => `packet ${hex(packet)}`));
    }),
  );
  t.pass('every packet came out once, in order');
});

t.test('bytes outside frames are the debug console: text lines, skipped', async (t) => {
  const decoder = new FrameDecoder();
  const stream = concat(ascii('INFO  | ??:??:?? 0 Booting\r\n'), encodeFrame(fromHex('4001')), ascii('DEBUG | box ─ line\r\nno newline yet'));
  t.same(show(decoder.push(stream)), ['console INFO  | ??:??:?? 0 Booting', 'packet 4001', 'console DEBUG | box ─ line']);
  t.equal(decoder.console.flush(), 'no newline yet', 'a partial line is held until its newline (or a flush)');
  t.same(decoder.console.recentLines(), ['INFO  | ??:??:?? 0 Booting', 'DEBUG | box ─ line', 'no newline yet']);
  t.same(decoder.stats, { packets: 1, badLengths: 0, consoleBytes: stream.length - 6 });
});

t.test('0x94 inside console text (UTF-8 for "─" is e2 94 80) is text, and the byte after it is looked at again', async (t) => {
  const decoder = new FrameDecoder();
  // 0x94 then 0x94 0xC3: the first is text, the second starts a frame.
  const items = decoder.push(concat(ascii('a'), fromHex('94'), encodeFrame(fromHex('0801')), ascii('\n')));
  t.same(show(items), ['packet 0801', 'console a\ufffd']);
});

t.test('a length over 512: its magic counts as console bytes and the search resumes at the length bytes', async (t) => {
  const decoder = new FrameDecoder();
  t.same(show(decoder.push(concat(fromHex('94c3 0201'), encodeFrame(fromHex('4001'))))), ['bad-length 513', 'packet 4001']);
  // The firmware drops all four header bytes; here a real frame starting in the length bytes is not lost.
  const overlapping = concat(fromHex('94c3'), encodeFrame(fromHex('2a')));
  t.same(show(decoder.push(overlapping)), ['bad-length 38083', 'packet 2a'], '94 c3 94 c3 00 01 2a: the frame at byte 2 comes out');
  t.same(decoder.stats, { packets: 2, badLengths: 2, consoleBytes: 6 }, "94 c3 02 01, then 94 c3");
});

t.test('a frame cut short swallows what follows until reset() (there is no checksum)', async (t) => {
  const decoder = new FrameDecoder();
  t.same(decoder.push(fromHex('94c3 0010 0102')), []);
  t.equal(decoder.pendingBytes, 6);
  decoder.reset();
  t.equal(decoder.pendingBytes, 0);
  t.same(show(decoder.push(encodeFrame(fromHex('4001')))), ['packet 4001'], 'after a reset the next frame decodes');
  t.same(show(decoder.push(encodeFrame(new Uint8Array(0)))), ['packet '], 'a zero length is an empty packet at once');
});

t.test('memory stays bounded: a megabyte of console without a newline, a frame held, recent lines capped', async (t) => {
  const decoder = new FrameDecoder({ maxConsoleLineBytes: 100, keptConsoleLines: 4 });
  const noise = new Uint8Array(1 << 20).fill(0x41);
  const items = decoder.push(noise);
  t.equal(items.length, (1 << 20) / 100 - (((1 << 20) / 100) % 1), 'long lines are cut every 100 bytes');
  t.ok(items.every((item) => item.kind === 'console' && item.line.length === 100));
  t.equal(decoder.console.recentLines().length, 4);
  decoder.push(fromHex('94c3 0200'));
  decoder.push(new Uint8Array(511));
  t.equal(decoder.pendingBytes, 515, 'one frame at most');
  t.same(show(decoder.push(fromHex('07'))).map((line) => line.length), ['packet '.length + 1024]);
  t.throws(() => decoder.push('text' as unknown as Uint8Array), InvalidInputError);
});
