// The CLI's plain-text tables: exact output, since people and scripts read it.
import t from 'tap';
import { formatKeyValues, formatTable } from '../../../../node/cli/verbs/table.js';

const columns = [
  { key: 'peer', header: 'PEER' },
  { key: 'state', header: 'STATE' },
  { key: 'localSat', header: 'LOCAL' },
  { key: 'remoteSat', header: 'REMOTE' },
] as const;

t.test('columns padded to the widest cell, two spaces apart, numbers right-aligned', async (t) => {
  const rows = [
    { peer: '02ab', state: 'open', localSat: 150_000, remoteSat: 0 },
    { peer: '03cdef01', state: 'closing', localSat: 7, remoteSat: 1_234_567 },
  ];
  t.equal(
    formatTable(rows, columns),
    [
      'PEER      STATE     LOCAL   REMOTE', //
      '02ab      open     150000        0',
      '03cdef01  closing       7  1234567',
    ].join('\n'),
  );
});

t.test('missing values are "-" and do not make a number column left-aligned', async (t) => {
  const rows = [
    { peer: '02ab', state: null, localSat: 10 },
    { peer: '03cd', localSat: undefined, remoteSat: 2000n },
  ];
  t.equal(
    formatTable(rows, columns),
    [
      'PEER  STATE  LOCAL  REMOTE', //
      '02ab  -         10       -',
      '03cd  -          -    2000',
    ].join('\n'),
  );
});

t.test('the align option wins; mixed columns are left-aligned; the last column has no trailing spaces', async (t) => {
  const rows = [
    { id: 1, note: 'a', when: 'now' },
    { id: 22, note: 'bb', when: 5 },
  ];
  t.equal(
    formatTable(rows, [
      { key: 'id', header: 'ID', align: 'left' },
      { key: 'note', header: 'NOTE', align: 'right' },
      { key: 'when', header: 'WHEN' },
    ]),
    [
      'ID  NOTE  WHEN', //
      '1      a  now',
      '22    bb  5',
    ].join('\n'),
  );
});

t.test('objects as JSON, booleans as words, control characters as spaces', async (t) => {
  const rows = [{ a: { x: [1] }, b: true, c: 'line one\nline\u001b[31mtwo' }];
  t.equal(
    formatTable(rows, [
      { key: 'a', header: 'A' },
      { key: 'b', header: 'B' },
      { key: 'c', header: 'C' },
    ]),
    ['A          B     C', '{"x":[1]}  true  line one line [31mtwo'].join('\n'),
  );
});

t.test('width counts characters, not bytes', async (t) => {
  t.equal(formatTable([{ n: 'caf\u00e9' }, { n: 'x' }], [{ key: 'n', header: 'NAME' }, { key: 'm', header: 'M' }]), ['NAME  M', 'café  -', 'x     -'].join('\n'));
});

t.test('no rows: (none)', async (t) => {
  t.equal(formatTable([], columns), '(none)');
});

t.test('key-value lines with the values aligned', async (t) => {
  t.equal(
    formatKeyValues({ nodeId: '02ab', height: 812345, synced: true, gateway: null, channels: { open: 2 } }),
    [
      'nodeId    02ab', //
      'height    812345',
      'synced    true',
      'gateway   -',
      'channels  {"open":2}',
    ].join('\n'),
  );
  t.equal(formatKeyValues({}), '(none)');
});
