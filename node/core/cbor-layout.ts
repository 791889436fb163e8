/**
 * Messages as CBOR maps, described by layouts: each message type has a
 * number (key 0) and fields under small integer keys, each of a checked kind.
 * The channel messages between neighbours and the messages between a node
 * and its gateway are both sets of such layouts.
 *
 * The rules are BOLT 1's, carried over: an unknown odd message type is
 * returned as `unknown` (ignore it), an unknown even one is refused; an
 * unknown odd field is ignored, an unknown even field is refused. Decoding
 * checks every field's kind and bounds and names the field that failed;
 * nothing half-checked is returned.
 */
import { type CborValue, DecodeError, decodeCbor, encodeCbor } from './cbor.js';

export type FieldKind =
  | { readonly kind: 'uint'; readonly min?: number; readonly max: number }
  | { readonly kind: 'bytes'; readonly length?: number; readonly maxLength?: number }
  /** One of a few names, sent as its index. */
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'list'; readonly item: FieldKind; readonly maxItems: number }
  /** A nested map of its own fields (an appointment in a batch). */
  | { readonly kind: 'record'; readonly fields: readonly FieldLayout[] };

export interface FieldLayout {
  readonly key: number;
  readonly name: string;
  readonly field: FieldKind;
  /** May be absent (then absent from the decoded message too). */
  readonly optional?: boolean;
}

export interface MessageLayout {
  readonly number: number;
  readonly fields: readonly FieldLayout[];
}

export const uint = (max: number, min = 0): FieldKind => ({ kind: 'uint', min, max });
export const bytes = (length: number): FieldKind => ({ kind: 'bytes', length });
export const bytesUpTo = (maxLength: number): FieldKind => ({ kind: 'bytes', maxLength });
export const listOf = (item: FieldKind, maxItems: number): FieldKind => ({ kind: 'list', item, maxItems });

/** An odd message type this side does not know: BOLT 1 says ignore it. */
export interface UnknownMessage {
  readonly type: 'unknown';
  readonly typeNumber: number;
}

/** Encoder and decoder for one set of layouts, keyed by message type name. */
export class LayoutCodec<Message extends { readonly type: string }> {
  private readonly byNumber: Map<number, string>;

  constructor(
    private readonly layouts: Readonly<Record<string, MessageLayout>>,
    private readonly limits: {
      readonly maxBytes: number;
      readonly maxDepth: number;
      /** Type numbers never valid as a map here, with the reason (a message sent in another layout). */
      readonly refusedTypes?: ReadonlyMap<number, string>;
    },
  ) {
    this.byNumber = new Map(Object.entries(layouts).map(([type, layout]) => [layout.number, type]));
  }

  has(type: unknown): boolean {
    return typeof type === 'string' && Object.hasOwn(this.layouts, type);
  }

  /** Encodes without checking the result; throws `DecodeError` naming a missing or mistyped field. */
  encode(message: Message): Uint8Array {
    const type = (message as { type?: unknown } | undefined)?.type;
    if (!this.has(type)) throw new DecodeError('type', `unknown message type ${String(type)}`);
    const layout = this.layouts[type as string]!;
    const map = encodeFields(layout.fields, message as unknown as Record<string, unknown>, type as string);
    map.set(0, layout.number);
    const encoded = encodeCbor(new Map([...map.entries()].sort(([a], [b]) => a - b)));
    if (encoded.length > this.limits.maxBytes) throw new DecodeError('message', `${encoded.length} bytes, more than ${this.limits.maxBytes}`);
    return encoded;
  }

  decode(bytes: Uint8Array): Message | UnknownMessage {
    const root = decodeCbor(bytes, { maxBytes: this.limits.maxBytes, maxDepth: this.limits.maxDepth });
    if (!(root instanceof Map)) throw new DecodeError('message', 'expected a map');
    const typeNumber = root.get(0);
    if (typeof typeNumber !== 'number') throw new DecodeError('type', 'missing or not an integer');
    const refused = this.limits.refusedTypes?.get(typeNumber);
    if (refused) throw new DecodeError('type', refused);
    const type = this.byNumber.get(typeNumber);
    if (!type) {
      if (typeNumber % 2 === 1) return { type: 'unknown', typeNumber };
      throw new DecodeError('type', `unknown message type ${typeNumber}, which is required (even)`);
    }
    const message = decodeFields(this.layouts[type]!.fields, root, type, new Set([0]));
    return { type, ...message } as unknown as Message;
  }
}

function encodeFields(fields: readonly FieldLayout[], value: Record<string, unknown>, path: string): Map<number, CborValue> {
  const map = new Map<number, CborValue>();
  for (const { key, name, field, optional } of fields) {
    const fieldValue = value[name];
    if (fieldValue === undefined) {
      if (optional) continue;
      throw new DecodeError(`${path}.${name}`, 'missing');
    }
    map.set(key, encodeField(field, fieldValue, `${path}.${name}`));
  }
  return map;
}

function encodeField(field: FieldKind, value: unknown, path: string): CborValue {
  switch (field.kind) {
    case 'uint':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new DecodeError(path, 'expected an unsigned integer');
      return value;
    case 'bytes':
      if (!(value instanceof Uint8Array)) throw new DecodeError(path, 'expected bytes');
      return value;
    case 'enum': {
      const index = field.values.indexOf(value as string);
      if (index < 0) throw new DecodeError(path, `expected one of ${field.values.map((name) => JSON.stringify(name)).join(', ')}`);
      return index;
    }
    case 'list':
      if (!Array.isArray(value)) throw new DecodeError(path, 'expected a list');
      return value.map((item, index) => encodeField(field.item, item, `${path}[${index}]`));
    case 'record':
      if (typeof value !== 'object' || value === null) throw new DecodeError(path, 'expected a record');
      return encodeFields(field.fields, value as Record<string, unknown>, path);
  }
}

function decodeFields(fields: readonly FieldLayout[], map: Map<number, CborValue>, path: string, reserved = new Set<number>()): Record<string, unknown> {
  const keys = new Set(fields.map((field) => field.key));
  for (const key of map.keys()) {
    if (!reserved.has(key) && !keys.has(key) && key % 2 === 0) throw new DecodeError(`${path}.${key}`, 'unknown required (even) field');
  }
  const decoded: Record<string, unknown> = {};
  for (const { key, name, field, optional } of fields) {
    const value = map.get(key);
    if (value === undefined) {
      if (optional) continue;
      throw new DecodeError(`${path}.${name}`, 'missing');
    }
    decoded[name] = decodeField(field, value, `${path}.${name}`);
  }
  return decoded;
}

function decodeField(field: FieldKind, value: CborValue, path: string): unknown {
  switch (field.kind) {
    case 'uint': {
      if (typeof value !== 'number') throw new DecodeError(path, 'expected an unsigned integer');
      const min = field.min ?? 0;
      if (value < min || value > field.max) throw new DecodeError(path, `${value} is outside [${min}, ${field.max}]`);
      return value;
    }
    case 'bytes':
      if (!(value instanceof Uint8Array)) throw new DecodeError(path, 'expected a byte string');
      if (field.length !== undefined && value.length !== field.length) throw new DecodeError(path, `expected ${field.length} bytes, got ${value.length}`);
      if (field.maxLength !== undefined && value.length > field.maxLength) throw new DecodeError(path, `more than ${field.maxLength} bytes`);
      return value;
    case 'enum': {
      if (typeof value !== 'number' || value >= field.values.length) throw new DecodeError(path, `expected an index below ${field.values.length}`);
      return field.values[value];
    }
    case 'list':
      if (!Array.isArray(value)) throw new DecodeError(path, 'expected a list');
      if (value.length > field.maxItems) throw new DecodeError(path, `${value.length} items, more than ${field.maxItems}`);
      return value.map((item, index) => decodeField(field.item, item, `${path}[${index}]`));
    case 'record':
      if (!(value instanceof Map)) throw new DecodeError(path, 'expected a map');
      return decodeFields(field.fields, value, path);
  }
}
