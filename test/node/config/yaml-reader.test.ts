import t from 'tap';
import { ConfigError, MAX_YAML_BYTES, readYaml } from '../../../node/config/yaml-reader.js';

/** The error `read` throws, as `LINE:COLUMN field: reason`. */
function failure(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return `${error.line}:${error.column} ${error.field}: ${error.reason}`;
  }
  return 'accepted';
}

const text = `mesh:
  size: 3
  radios:
    - { name: a, power: 14 }
    - name: b
      power: high
`;

t.test('each value knows its line, column and field path', async (t) => {
  const root = readYaml(text, 'mesh.yaml').map(['mesh']);
  const mesh = root.required('mesh').map(['size', 'radios']);
  t.equal(mesh.required('size').integer(1, 10), 3);
  const radios = mesh.required('radios').list();
  t.equal(radios[0]!.map(['name', 'power']).required('name').string(), 'a');
  t.equal(failure(() => radios[1]!.map(['name', 'power']).required('power').integer(0, 30)), '6:14 mesh.radios[1].power: expected a whole number, got the string "high"');
  t.equal(failure(() => mesh.required('size').integer(5, 10)), '2:9 mesh.size: 3 is outside [5, 10]');
  t.equal(failure(() => mesh.required('size').string()), '2:9 mesh.size: expected a string, got 3');
});

t.test('unknown keys are refused at the key, naming the known ones', async (t) => {
  const root = readYaml(text, 'mesh.yaml').map(['mesh']);
  t.equal(failure(() => root.required('mesh').map(['size'])), '3:3 mesh.radios: unknown key "radios" (known: size)');
});

t.test('a missing key is placed at its mapping, under its own field', async (t) => {
  const mesh = readYaml(text, 'mesh.yaml').map(['mesh']).required('mesh').map(['size', 'radios']);
  t.equal(failure(() => mesh.required('name', 'what to call it')), '2:3 mesh.name: missing: what to call it');
  t.equal(mesh.optional('name'), undefined);
});

t.test('lists check their length', async (t) => {
  const radios = readYaml(text, 'mesh.yaml').map(['mesh']).required('mesh').map(['size', 'radios']).required('radios');
  t.equal(failure(() => radios.list(3)), '4:5 mesh.radios: expected at least 3 items, got 2');
  t.equal(failure(() => radios.list(0, 1)), '4:5 mesh.radios: expected at most 1 item, got 2');
});

t.test('durations and rates are read with their position', async (t) => {
  const root = readYaml('after: 10m\nevery: 2/h\nwhen: soon\n', 'times.yaml').map([]);
  t.equal(root.required('after').duration(), 600_000);
  t.equal(root.required('every').rate(), 1_800_000);
  t.equal(failure(() => root.required('when').duration()), '3:7 when: expected a number and a unit (ms, s, m, h, d, w), such as 10m, 36h or 14d');
  t.equal(failure(() => root.required('after').duration(3_600_000)), '1:8 after: 10m is shorter than 1h');
});

t.test('YAML errors point at the spot, and warnings count as errors', async (t) => {
  t.equal(failure(() => readYaml('a: [1, 2\nb: 3\n', 'broken.yaml')), '2:1 : YAML: Flow sequence in block collection must be sufficiently indented and end with a ] (at "b")');
  t.match(failure(() => readYaml('a: 1\na: 2\n', 'twice.yaml')), /^2:1 : YAML: Map keys must be unique \(at "a"\)/);
  t.match(failure(() => readYaml('a: !!nonsense 1\n', 'tag.yaml')), /^1:4 : YAML: .*tag/i);
  t.match(failure(() => readYaml('a: 1\n---\nb: 2\n', 'two.yaml')), /^2:1 : YAML: .*multiple documents/i);
});

t.test('a duplicate key is found in any mapping, block or flow, at the second one', async (t) => {
  t.match(failure(() => readYaml('a:\n  b: 1\n  c: 2\n  b: 3\n', 'nested.yaml')), /^4:3 : YAML: Map keys must be unique \(at "b"\)/);
  t.match(failure(() => readYaml('a: { x: 1, y: 2, x: 3 }\n', 'flow.yaml')), /^1:18 : YAML: Map keys must be unique \(at "x"\)/);
  t.match(failure(() => readYaml('1: a\n1.0: b\n', 'numbers.yaml')), /^2:1 : YAML: Map keys must be unique/, 'equal values, as the yaml package compares them');
  t.equal(failure(() => readYaml('1: a\n"1": b\n', 'types.yaml')), 'accepted', 'a number and a string are two keys, as before');
  t.match(failure(() => readYaml('a: 1\nb: 2\na: [1, 2\n', 'both.yaml')), /^3:1 : YAML: Map keys must be unique/, 'the earliest problem in the file is reported');
});

t.test('a mapping of 50,000 keys (under the size limit) is read, and a duplicate among them found', async (t) => {
  // The yaml package's own duplicate check compared each key with every earlier one: 15 s for these 50,000 keys.
  const keys = Array.from({ length: 50_000 }, (_, index) => `key${index}: ${index}`);
  const text = keys.join('\n');
  t.ok(text.length < MAX_YAML_BYTES);
  const root = readYaml(text, 'wide.yaml').map([]);
  t.equal(root.keys().length, 50_000);
  t.equal(root.required('key49999').integer(0, 100_000), 49_999);
  t.match(failure(() => readYaml(`${text}\nkey7: again`, 'wide.yaml')), /^50001:1 : YAML: Map keys must be unique \(at "key7"\)/);
});

t.test('aliases are read as what they stand for; an alias bomb is not expanded', async (t) => {
  const root = readYaml('radio: &r { sf: 7 }\nother: *r\n', 'alias.yaml').map([]);
  t.equal(root.required('other').map(['sf']).required('sf').integer(6, 12), 7);
  // A "billion laughs" document: each level repeats the one before ten times. Walking only what the schema asks keeps it small.
  const levels = Array.from({ length: 9 }, (_, level) => `l${level + 1}: &l${level + 1} [${Array(10).fill(`*l${level}`).join(', ')}]`);
  const bomb = readYaml(['l0: &l0 lol', ...levels].join('\n'), 'bomb.yaml').map([]);
  t.equal(bomb.required('l9').list().length, 10);
});

t.test('oversized files are refused unread', async (t) => {
  t.equal(failure(() => readYaml('#'.repeat(MAX_YAML_BYTES + 1), 'huge.yaml')), `1:1 : the file is over ${MAX_YAML_BYTES} bytes`);
});

t.test('the message is FILE:LINE:COLUMN: field: reason', async (t) => {
  try {
    readYaml('size: big\n', 'size.yaml').map(['size']).required('size').integer(0, 9);
    t.fail('accepted');
  } catch (error) {
    t.equal((error as Error).name, 'ConfigError');
    t.equal((error as Error).message, 'size.yaml:1:7: size: expected a whole number, got the string "big"');
  }
});
