// Plain data is equal only where its CBOR encoding would be: same keys in the
// same order, same kind of byte array, same numbers (0 is not -0); a copy
// shares nothing with its original; anything else than plain data is never
// equal, so it is always encoded again.
import t from 'tap';
import { Encoder } from 'cbor-x';
import { NOT_PLAIN, copyOfPlainData, copySharing, samePlainData } from '../../../node/persist/plain-data.js';

const codec = new Encoder({ useRecords: false, mapsAsObjects: true });
const hex = (value: unknown) => Buffer.from(codec.encode(value)).toString('hex');

t.test('equal plain data encodes the same', async (t) => {
  const value = { a: 1, b: [Uint8Array.of(1, 2), Buffer.from([3])], c: { d: 'x', e: undefined, f: null, g: true, h: 2n } };
  const copy = copyOfPlainData(value);
  t.ok(samePlainData(value, copy));
  t.equal(hex(copy), hex(value));
  t.ok(Buffer.isBuffer((copy as typeof value).b[1]), 'a Buffer stays a Buffer');
  t.notOk(Buffer.isBuffer((copy as typeof value).b[0]), 'a Uint8Array stays one');
});

t.test('a copy shares nothing: a change to the original is seen', async (t) => {
  const value = { bytes: Uint8Array.of(1, 2), list: [{ n: 1 }] };
  const copy = copyOfPlainData(value);
  value.bytes[0] = 9;
  t.notOk(samePlainData(value, copy));
  value.bytes[0] = 1;
  value.list[0]!.n = 2;
  t.notOk(samePlainData(value, copy));
});

// Stricter than the encoding where it costs nothing (cbor-x writes 0 and -0 alike): unequal only means encoded again.
t.test('what may encode differently is not equal', async (t) => {
  const differ: [unknown, unknown][] = [
    [{ a: 1, b: 2 }, { b: 2, a: 1 }],
    [{ a: 1 }, { a: 1, b: undefined }],
    [0, -0],
    [1, 1n],
    [Uint8Array.of(1), Buffer.from([1])],
    [[1, 2], [1, 2, 3]],
    [[1], { 0: 1 }],
    ['1', 1],
  ];
  for (const [a, b] of differ) {
    t.notOk(samePlainData(a, copyOfPlainData(b)), `${String(a)} / ${String(b)}`);
  }
});

t.test('anything else than plain data is never equal', async (t) => {
  t.equal(copyOfPlainData(new Map([[1, 2]])), NOT_PLAIN);
  t.equal(copyOfPlainData({ when: new Date(0) }), NOT_PLAIN);
  t.equal(copyOfPlainData([new Uint16Array(2)]), NOT_PLAIN);
  const map = new Map();
  t.notOk(samePlainData(map, map), 'not even itself');
  const object = { a: 1 };
  t.notOk(samePlainData(object, object), 'an object is compared with a copy, never with itself');
});

// The simulator's persister saves every channel at every step: a copy shares what did not change since the last one.
t.test('a sharing copy keeps what is unchanged from the previous copy and copies the rest', async (t) => {
  const value = { fixed: { key: Uint8Array.of(1, 2) }, list: [{ n: 1 }, { n: 2 }], bytes: Buffer.from([7]), counter: 1, big: 3n };
  const first = copySharing(value, undefined) as typeof value;
  t.same(first, value);
  t.not(first.fixed, value.fixed, 'the first copy shares nothing with the original');
  t.ok(Buffer.isBuffer(first.bytes), 'a Buffer stays a Buffer');
  t.equal(copySharing(value, first), first, 'nothing changed: the previous copy itself');

  value.counter = 2;
  value.list[1]!.n = 3;
  const second = copySharing(value, first) as typeof value;
  t.equal(second.counter, 2);
  t.equal(second.list[1]!.n, 3);
  t.equal(first.list[1]!.n, 2, 'the previous copy is not changed');
  t.equal(second.fixed, first.fixed, 'an unchanged part is shared');
  t.equal(second.list[0], first.list[0], 'an unchanged item of a changed list is shared');
  const withMap = { map: new Map([[1, 2]]) };
  const mapCopy = copySharing(withMap, copySharing(withMap, undefined)) as typeof withMap;
  t.not(mapCopy.map, withMap.map, 'what is not plain data is copied, every time');
  t.same(mapCopy.map, withMap.map);

  value.fixed.key[0] = 9;
  const third = copySharing(value, second) as typeof value;
  t.same(third.fixed.key, Uint8Array.of(9, 2), 'a byte array changed in place is copied again');
  t.same(second.fixed.key, Uint8Array.of(1, 2));
  t.same(Object.keys(copySharing({ b: 1, a: 2 }, { a: 2, b: 1 }) as object), ['b', 'a'], 'the key order is the value\'s');
  t.ok(Object.is((copySharing({ z: -0 }, { z: 0 }) as { z: number }).z, -0), '-0 is not 0');
});

// A channel's states are made from the one before by replacing parts, never altering one in place: a save
// given the state the last save copied (`source`) takes the last copy of what is that very object, unread.
t.test('a sharing copy of a value made from its source by replacing parts', async (t) => {
  const source = { commit: { spec: { htlcs: [{ id: 1 }] }, txid: 'a' }, secrets: [Uint8Array.of(1)], counter: 1 };
  const first = copySharing(source, undefined) as typeof source;
  const value = { ...source, commit: { ...source.commit, txid: 'b' }, counter: 2 };
  const second = copySharing(value, first, source) as typeof value;
  t.same(second, value, 'an equal copy');
  t.equal(second.secrets, first.secrets, 'a part that is the source\'s object is the previous copy');
  t.equal(second.commit.spec, first.commit.spec, 'also inside a replaced part');
  t.not(second.commit, first.commit, 'a replaced part is copied');
  t.not(second.commit.spec, value.commit.spec, 'and nothing of the live value is kept');
  t.equal(copySharing(value, second, value), second, 'the source itself: its previous copy, unread (it is never altered)');
  const other = { ...value, secrets: [Uint8Array.of(2)] };
  t.same((copySharing(other, second, value) as typeof other).secrets, [Uint8Array.of(2)], 'a new part is read and copied');
});

// A channel's outbox keeps its last few messages: each save drops the oldest and adds one.
t.test('a sharing copy of a list that dropped its first item or grew keeps the items it had', async (t) => {
  const message = (n: number) => ({ sequence: n, signature: new Uint8Array(64).fill(n) });
  const first = copySharing([message(1), message(2), message(3)], undefined) as ReturnType<typeof message>[];
  const shifted = copySharing([message(2), message(3), message(4)], first) as ReturnType<typeof message>[];
  t.same(shifted, [message(2), message(3), message(4)], 'an equal copy');
  t.equal(shifted[0], first[1], 'the items it had are shared');
  t.equal(shifted[1], first[2]);
  t.not(shifted[2], first[2], 'the new one is copied');
  const grown = copySharing([message(2), message(3), message(4), message(5)], shifted) as ReturnType<typeof message>[];
  t.same(grown.map((each) => each.sequence), [2, 3, 4, 5]);
  t.ok(grown.slice(0, 3).every((each, i) => each === shifted[i]), 'grown at its end: the items it had are shared');
  const changed = copySharing([message(9), message(3), message(4), message(5)], grown) as ReturnType<typeof message>[];
  t.same(changed.map((each) => each.sequence), [9, 3, 4, 5], 'a first item replaced is no shift');
  t.equal(changed[1], grown[1]);
});
