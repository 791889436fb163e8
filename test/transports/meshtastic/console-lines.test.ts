// The radio's debug console as text lines: CR dropped, long lines cut, bad UTF-8 replaced, a few recent lines kept.
import t from 'tap';
import { ConsoleLines } from '../../../transports/meshtastic/console-lines.js';

const feed = (lines: ConsoleLines, bytes: Uint8Array | number[]) => [...bytes].flatMap((byte) => lines.push(byte) ?? []);

t.test('lines end at a newline; CR and empty lines vanish', async (t) => {
  const lines = new ConsoleLines();
  t.same(feed(lines, new TextEncoder().encode('one\r\n\r\ntwo ─\nthr')), ['one', 'two ─']);
  t.equal(lines.flush(), 'thr');
  t.equal(lines.flush(), undefined, 'nothing held after a flush');
});

t.test('bytes that are not UTF-8 become U+FFFD, never an error', async (t) => {
  t.same(feed(new ConsoleLines(), [0x61, 0xff, 0xc3, 0x0a]), ['a\ufffd\ufffd']);
});

t.test('bounded: a long line is cut, and only the last few lines are kept', async (t) => {
  const lines = new ConsoleLines(4, 2);
  t.same(feed(lines, new TextEncoder().encode('abcdefghij\n')), ['abcd', 'efgh', 'ij']);
  t.same(lines.recentLines(), ['efgh', 'ij']);
  t.throws(() => new ConsoleLines(0), RangeError);
  t.throws(() => new ConsoleLines(8, -1), RangeError);
  const none = new ConsoleLines(8, 0);
  feed(none, [0x61, 0x0a]);
  t.same(none.recentLines(), [], 'keeping no lines is allowed');
});
