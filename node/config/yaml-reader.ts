/**
 * Reading a YAML file (a daemon's config, a simulator scenario) value by
 * value, each value knowing where it is: its file, line and column, and its
 * field path (`links[0].transport.kind`). Every mistake is then a
 * `ConfigError` that points at the spot to fix, rather than a node that
 * goes wrong an hour later.
 *
 * The YAML is walked as a syntax tree (the `yaml` package's nodes with their
 * source ranges), never converted to plain objects first: a plain object has
 * forgotten where its values were.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type Scalar, visit, type YAMLMap } from 'yaml';
import { DurationError, formatDuration, parseDuration, parseRate } from './duration.js';

/** What is wrong in a YAML file, and where: `FILE:LINE:COLUMN: field: reason`. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    /** 1-based. */
    readonly line: number,
    /** 1-based. */
    readonly column: number,
    /** The field path (`channels[0].capacity`); empty for a YAML syntax error, which has no field yet. */
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${field === '' ? '' : `${field}: `}${reason}`);
  }
}

/** Files larger than this are refused unread: a scenario of thousands of nodes fits in far less. */
export const MAX_YAML_BYTES = 1 << 20;

interface Source {
  readonly file: string;
  readonly lines: LineCounter;
  readonly document: Document.Parsed;
}

/**
 * The root value of the YAML document in `text`; a syntax error is a
 * `ConfigError` at its place. `rootField` names the root in field paths
 * (empty when the keys are the top-level fields).
 */
export function readYaml(text: string, file: string, rootField = ''): YamlValue {
  if (text.length > MAX_YAML_BYTES) throw new ConfigError(file, 1, 1, '', `the file is over ${MAX_YAML_BYTES} bytes`);
  const lines = new LineCounter();
  // uniqueKeys off: the yaml package checks each key against every earlier key of its map,
  // quadratic (50,000 keys took 42 s); firstDuplicateKey does the same check with a set.
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, strict: true });
  const problem = earliest(document.errors[0] ?? document.warnings[0], firstDuplicateKey(document));
  if (problem) {
    const { line, col } = position(lines, problem.pos[0]);
    // The word at the error (a duplicate key's name, a stray bracket): the range itself may be one character.
    const snippet = /^[^\s:,[\]{}#]+/.exec(text.slice(problem.pos[0], problem.pos[0] + 41))?.[0] ?? text.slice(problem.pos[0], problem.pos[1]);
    const near = snippet.length > 0 && snippet.length <= 40 && !snippet.includes('\n') ? ` (at ${JSON.stringify(snippet)})` : '';
    // `!aabbccdd` unquoted is a YAML tag: say what the user meant, a Meshtastic node number.
    const hint = /^!.+$/.test(snippet) && problem.message.startsWith('Unresolved tag') ? `; quote it ("${snippet}") if it is a node number` : '';
    throw new ConfigError(file, line, col, '', `YAML: ${problem.message.split('\n')[0]}${near}${hint}`);
  }
  return new YamlValue({ file, lines, document }, document.contents ?? undefined, rootField, 0);
}

/** A problem found in the text, at `pos[0]` (as the yaml package reports its errors). */
interface Problem {
  readonly pos: readonly [number, number];
  readonly message: string;
}

function earliest(a: Problem | undefined, b: Problem | undefined): Problem | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return b.pos[0] < a.pos[0] ? b : a;
}

/**
 * The first key, in file order, that repeats an earlier key of its mapping,
 * with the yaml package's own message: scalar keys of equal value are the
 * same key (as its `uniqueKeys: true` has it). One set per mapping, so
 * linear in the number of keys.
 */
function firstDuplicateKey(document: Document.Parsed): Problem | undefined {
  let first: Problem | undefined;
  visit(document, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = pair.key;
        if (!isScalar(key) || Number.isNaN(key.value)) continue; // NaN equals nothing, as in the yaml package
        if (!seen.has(key.value)) {
          seen.add(key.value);
          continue;
        }
        const offset = key.range?.[0] ?? 0;
        if (first === undefined || offset < first.pos[0]) first = { pos: [offset, offset + 1], message: 'Map keys must be unique' };
      }
    },
  });
  return first;
}

function position(lines: LineCounter, offset: number): { line: number; col: number } {
  const { line, col } = lines.linePos(offset);
  return { line: Math.max(1, line), col: Math.max(1, col) };
}

/**
 * One value of the document, or a missing one (`node` undefined, placed
 * where its map is). Its getters check the type and throw a `ConfigError`
 * naming the field; `fail` throws one for checks made elsewhere.
 */
export class YamlValue {
  private readonly node: Node | undefined;

  constructor(
    private readonly source: Source,
    node: Node | null | undefined,
    /** The field path, as errors name it. */
    readonly field: string,
    /** Where errors about a missing value point. */
    private readonly fallbackOffset: number,
  ) {
    this.node = isAlias(node) ? node.resolve(source.document) : (node ?? undefined);
  }

  get file(): string {
    return this.source.file;
  }

  /** False for a key that is not in its map. */
  get present(): boolean {
    return this.node !== undefined;
  }

  /** Throws a `ConfigError` for this value (its position, its field). */
  fail(reason: string): never {
    throw this.error(reason);
  }

  /** The `ConfigError` for this value (its position, its field). */
  error(reason: string): ConfigError {
    const { line, col } = position(this.source.lines, this.node?.range?.[0] ?? this.fallbackOffset);
    return new ConfigError(this.source.file, line, col, this.field, reason);
  }

  isMap(): boolean {
    return isMap(this.node);
  }

  isList(): boolean {
    return isSeq(this.node);
  }

  /** The plain value of a scalar (string, number, boolean or null); undefined for a map, a list or a missing value. */
  scalar(): unknown {
    return isScalar(this.node) ? (this.node as Scalar).value : undefined;
  }

  /** A mapping whose keys are all among `known`; an unknown key is refused at its own position. */
  map(known: readonly string[], what = 'a mapping'): YamlMap {
    const node = this.node;
    if (!isMap(node)) this.fail(`expected ${what}, got ${this.describe()}`);
    const map = new YamlMap(this.source, node as YAMLMap, this.field);
    if (known.length > 0) {
      for (const key of map.keys()) {
        if (!known.includes(key.name)) key.value.fail(`unknown key ${JSON.stringify(key.name)} (known: ${known.join(', ')})`);
      }
    }
    return map;
  }

  /** A sequence of between `min` and `max` values. */
  list(min = 0, max = Number.MAX_SAFE_INTEGER, what = 'a list'): YamlValue[] {
    const node = this.node;
    if (!isSeq(node)) this.fail(`expected ${what}, got ${this.describe()}`);
    const items = node.items as (Node | null)[];
    if (items.length < min) this.fail(`expected at least ${min} item${min === 1 ? '' : 's'}, got ${items.length}`);
    if (items.length > max) this.fail(`expected at most ${max} item${max === 1 ? '' : 's'}, got ${items.length}`);
    return items.map((item, index) => new YamlValue(this.source, item, `${this.field}[${index}]`, item?.range?.[0] ?? node.range?.[0] ?? this.fallbackOffset));
  }

  string(what = 'a string'): string {
    const value = this.scalar();
    if (typeof value !== 'string') this.fail(`expected ${what}, got ${this.describe()}`);
    return value;
  }

  /** A whole number in [min, max]. */
  integer(min: number, max: number): number {
    const value = this.scalar();
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) this.fail(`expected a whole number, got ${this.describe()}`);
    if (value < min || value > max) this.fail(`${value} is outside [${min}, ${max}]`);
    return value;
  }

  /** A finite number in [min, max]. */
  number(min: number, max: number): number {
    const value = this.scalar();
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(`expected a number, got ${this.describe()}`);
    if (value < min || value > max) this.fail(`${value} is outside [${min}, ${max}]`);
    return value;
  }

  boolean(): boolean {
    const value = this.scalar();
    if (typeof value !== 'boolean') this.fail(`expected true or false, got ${this.describe()}`);
    return value;
  }

  /** A duration (`10m`, `14d`), in milliseconds, in [minMs, maxMs]. */
  duration(minMs = 0, maxMs = Number.MAX_SAFE_INTEGER): number {
    const value = this.scalar();
    if (value === undefined || value === null || typeof value === 'boolean') this.fail(`expected a duration such as 10m, 36h or 14d, got ${this.describe()}`);
    let ms: number;
    try {
      ms = parseDuration(value);
    } catch (error) {
      if (error instanceof DurationError) this.fail(`${error.reason}`);
      throw error;
    }
    if (ms < minMs) this.fail(`${String(value)} is shorter than ${formatDuration(minMs)}`);
    if (ms > maxMs) this.fail(`${String(value)} is longer than ${formatDuration(maxMs)}`);
    return ms;
  }

  /** A rate (`1/h`): the mean time between two occurrences, in milliseconds. */
  rate(): number {
    const value = this.scalar();
    try {
      return parseRate(value);
    } catch (error) {
      if (error instanceof DurationError) this.fail(error.reason);
      throw error;
    }
  }

  /** A short description of the value for error messages. */
  describe(): string {
    const node = this.node;
    if (node === undefined) return 'nothing';
    if (isMap(node)) return 'a mapping';
    if (isSeq(node)) return 'a list';
    const value = this.scalar();
    if (value === null) return 'nothing (null)';
    if (typeof value === 'string') return value.length > 24 ? `a string of ${value.length} characters` : `the string ${JSON.stringify(value)}`;
    return String(value);
  }
}

/** A key of a mapping, with its value (which errors about the key point at). */
interface MapEntry {
  readonly name: string;
  readonly value: YamlValue;
}

/** A mapping of the document: its values by key, each a `YamlValue` with its field path. */
export class YamlMap {
  private readonly entries = new Map<string, YamlValue>();
  private readonly keyValues: YamlValue[] = [];

  constructor(
    private readonly source: Source,
    private readonly node: YAMLMap,
    readonly field: string,
  ) {
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? (keyNode as Scalar).value : undefined;
      const keyOffset = keyNode?.range?.[0] ?? node.range?.[0] ?? 0;
      const name = typeof key === 'string' || typeof key === 'number' || typeof key === 'boolean' ? String(key) : undefined;
      const childField = this.childField(name ?? '?');
      if (name === undefined) throw new YamlValue(source, keyNode, childField, keyOffset).error('a key must be a plain name');
      // The key stands for its value in errors about the key itself.
      this.keyValues.push(new YamlValue(source, keyNode, childField, keyOffset));
      this.entries.set(name, new YamlValue(source, pair.value as Node | null, childField, keyOffset));
    }
  }

  private childField(key: string): string {
    return this.field === '' ? key : `${this.field}.${key}`;
  }

  /** Every key, in file order, each with a value placed at the key (for errors about the key). */
  keys(): MapEntry[] {
    return [...this.entries.keys()].map((name, index) => ({ name, value: this.keyValues[index]! }));
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The value of `key`; a missing one is refused, placed at the mapping. */
  required(key: string, hint = ''): YamlValue {
    const value = this.entries.get(key);
    if (!value) throw new YamlValue(this.source, undefined, this.childField(key), this.node.range?.[0] ?? 0).error(`missing${hint === '' ? '' : `: ${hint}`}`);
    return value;
  }

  /** The value of `key`, or undefined when absent. */
  optional(key: string): YamlValue | undefined {
    return this.entries.get(key);
  }

  /** The mapping itself as a value, to fail at its position. */
  asValue(): YamlValue {
    return new YamlValue(this.source, this.node, this.field, this.node.range?.[0] ?? 0);
  }
}
