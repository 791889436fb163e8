/**
 * Mutations that know text formats: a JSON value replaced somewhere in the
 * tree, a YAML line moved or given another value. Byte flips alone rarely
 * keep JSON or YAML parseable, so they seldom reach the checks that follow
 * the parser.
 */
import type { Random } from './random.js';
import { text, utf8 } from './target.js';

/** JSON values a checker should refuse cleanly: wrong types, extremes, keys with meaning to JavaScript. */
function randomJson(random: Random, depth = 0): unknown {
  switch (random.below(depth > 2 ? 12 : 16)) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return random.pick([0, -1, 1, 0.5, -0, 1e21, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 4294967295, 4294967296, 255, 256, 65535, 65536]);
    case 3:
      return random.next() * (random.chance(0.5) ? 1 : -1);
    case 4:
      return '';
    case 5:
      return random.pick(['00', '0', 'zz', '0g', '02', 'ff'.repeat(33), '02'.repeat(33), '03' + '00'.repeat(32), 'aa'.repeat(16), 'AA'.repeat(64), '\u0000', '\ud800', '__proto__', 'constructor']);
    case 6:
      return Buffer.from(random.bytes(random.length(600))).toString('hex');
    case 7:
      return 'x'.repeat(random.length(5000));
    case 8:
      return String.fromCharCode(...random.bytes(random.between(1, 12)));
    case 9:
    case 10:
      return random.pick(['status', 'pay', 'open', '', ' ', 'toString', 'hasOwnProperty']);
    case 11:
      return random.pick([[], {}]);
    case 12:
      // Long lists only of small items: the document must stay small enough to make quickly.
      return depth === 0 && random.chance(0.3) ? Array.from({ length: random.pick([257, 1000]) }, () => random.below(256)) : Array.from({ length: random.between(1, 3) }, () => randomJson(random, depth + 1));
    case 13:
      return Object.fromEntries(Array.from({ length: random.between(0, 4) }, () => [random.pick(['__proto__', 'constructor', 'id', 'a', 'nodeId', 'tag']), randomJson(random, depth + 1)]));
    default:
      return random.pick([[randomJson(random, depth + 1)], { value: randomJson(random, depth + 1) }]);
  }
}

/** Replaces, adds or removes one value somewhere in a JSON document; undefined when the input is not JSON. */
export function mutateJson(input: Uint8Array, random: Random): Uint8Array | undefined {
  let document: unknown;
  try {
    document = JSON.parse(text(input));
  } catch {
    return undefined;
  }
  const containers: (Record<string, unknown> | unknown[])[] = [];
  const collect = (value: unknown) => {
    if (typeof value === 'object' && value !== null) {
      containers.push(value as Record<string, unknown>);
      for (const item of Object.values(value)) collect(item);
    }
  };
  collect(document);
  if (containers.length === 0 || random.chance(0.05)) return utf8(JSON.stringify(randomJson(random)));
  const container = random.pick(containers);
  const keys = Object.keys(container);
  const key = keys.length > 0 && random.chance(0.8) ? random.pick(keys) : random.pick(['__proto__', 'constructor', 'extra', '0', 'params']);
  if (random.chance(0.15)) delete (container as Record<string, unknown>)[key];
  else if (Array.isArray(container) && random.chance(0.2)) container.push(randomJson(random));
  // defineProperty: a `__proto__` key must become an own property, as JSON.parse makes it, not a prototype.
  else Object.defineProperty(container, key, { value: randomJson(random), enumerable: true, writable: true, configurable: true });
  return utf8(JSON.stringify(document));
}

/** Scalars that YAML reads as something other than what the key wants. */
const YAML_SCALARS = [
  '~', 'null', 'true', 'no', 'yes', '0', '-1', '1.5', '1e400', '-.inf', '.nan', '0x10', '0o17', '9007199254740993', '""', "''", '[]', '{}', '[1, 2]', '{a: 1}',
  '10m', '0s', '1.5h', '99999999999999999w', '1/h', '0/h', '-5m', '10 m', '"10m"', '!!binary aGVsbG8=', '!!str 5', '!!int "x"', '!!float 1', '!!map {}', '!!seq []',
  '!!set {a, b}', '!!omap [a: 1]', '!!timestamp 2001-12-14', '&anchor 5', '*anchor', '*missing', '<<: *anchor', 'mqtt://host:1883', '02' + '11'.repeat(32), '/dev/null',
  'a'.repeat(200), '|\n  text', '>-\n  folded', '? complex', '- item', 'key: value', '# comment', '%YAML 1.1', '---', '...', '\t', '"\\u0000"', '"\\ud800"',
];

/** A line of YAML deleted, repeated, moved, re-indented, or its value replaced; undefined for an empty input. */
export function mutateYamlLines(input: Uint8Array, random: Random): Uint8Array | undefined {
  const lines = text(input).split('\n');
  if (lines.length === 0) return undefined;
  const i = random.below(lines.length);
  const line = lines[i]!;
  switch (random.below(7)) {
    case 0:
      lines.splice(i, 1);
      break;
    case 1:
      lines.splice(i, 0, line);
      break;
    case 2:
      lines.splice(random.below(lines.length), 0, ...lines.splice(i, 1));
      break;
    case 3:
      lines[i] = random.chance(0.5) ? `  ${line}` : line.replace(/^ {1,2}/, '');
      break;
    case 4:
      lines.splice(i, 0, random.chance(0.3) ? '%YAML 1.1\n---' : `${random.pick(['', '  ', '    '])}${random.pick(['x', 'links', 'kind', 'nodeId', '<<', '? '])}: ${random.pick(YAML_SCALARS)}`);
      break;
    default: {
      // Uncomment a line, or give a key another value.
      const uncommented = line.replace(/^(\s*)# ?/, '$1');
      const colon = uncommented.indexOf(': ');
      lines[i] = colon < 0 ? uncommented : `${uncommented.slice(0, colon + 2)}${random.pick(YAML_SCALARS)}`;
    }
  }
  return utf8(lines.join('\n'));
}
