/**
 * The compact channel messages: BOLT 2's messages for links that carry a few
 * hundred bytes a frame, encoded as CBOR maps with small integer keys.
 *
 * Where BOLT 2 sends `update_add_htlc`, `commitment_signed` and
 * `revoke_and_ack` separately, here one `update` message carries, in this
 * order, an optional revocation, any number of updates and an optional
 * commitment signature. The 32-byte channel id becomes a per-peer `handle`;
 * HTLC ids of adds are implied by their order; signatures are 64-byte compact.
 *
 * Decoding follows BOLT 1's rule: an unknown even message type or field is
 * an error, an unknown odd one is ignored.
 */
import { concatBytes } from '@noble/hashes/utils.js';
import { InvalidInputError } from '../input.js';
import { type CborValue, DecodeError, decodeCbor, encodeCbor } from './cbor.js';

export { DecodeError };

/** The largest message: an `update` whose commitment carries 2 x 483 HTLC signatures, with room to spare. */
export const MAX_MESSAGE_BYTES = 65_536;
/** Message handles are per peer, small, and never reused on that link. */
export const MAX_HANDLE = 0xffffffff;
const MAX_HTLCS = 2 * 483;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export type ChannelType = 'anchors' | 'static_remotekey';

/** The limits a side sets for a channel (BOLT 2 `open_channel` / `accept_channel`). */
export interface ChannelLimits {
  readonly dustLimitSatoshis: number;
  /** What this side requires the other to keep in the channel. */
  readonly channelReserveSatoshis: number;
  /** The smallest HTLC this side accepts. */
  readonly htlcMinimumMsat: number;
  readonly maxHtlcValueInFlightMsat: number;
  readonly maxAcceptedHtlcs: number;
  /** The delay this side imposes on the other side's own outputs. */
  readonly toSelfDelay: number;
}

/** What a node declares for its side of a channel. */
export interface ChannelOffer extends ChannelLimits {
  readonly handle: number;
  readonly network: number;
  /** The sender's minimum cltv_expiry_delta for HTLCs it forwards, and for the final hop. */
  readonly cltvExpiryDelta: number;
  /** funding pubkey, revocation, payment, delayed payment and HTLC basepoints: 5 x 33 bytes. */
  readonly keys: Uint8Array;
  readonly firstPerCommitmentPoint: Uint8Array;
  readonly channelType: ChannelType;
}

export interface OpenChannel extends ChannelOffer {
  readonly type: 'open_channel';
  readonly fundingSatoshis: number;
  readonly pushMsat: number;
  readonly feeratePerKw: number;
}

export interface AcceptChannel extends ChannelOffer {
  readonly type: 'accept_channel';
  readonly minimumDepth: number;
}

export interface FundingCreated {
  readonly type: 'funding_created';
  readonly handle: number;
  /** In internal byte order, as Bitcoin serialises it. */
  readonly fundingTxHash: Uint8Array;
  readonly fundingOutputIndex: number;
  readonly signature: Uint8Array;
}

export interface FundingSigned {
  readonly type: 'funding_signed';
  readonly handle: number;
  readonly signature: Uint8Array;
}

export interface ChannelReady {
  readonly type: 'channel_ready';
  readonly handle: number;
  readonly secondPerCommitmentPoint: Uint8Array;
}

export type Update =
  | {
      readonly kind: 'add';
      readonly amountMsat: number;
      readonly paymentHash: Uint8Array;
      readonly cltvExpiry: number;
      /** The payee's node id when it is not the receiving peer: a static route needs no onion, only where to forward. */
      readonly destination?: Uint8Array;
    }
  | { readonly kind: 'fulfill'; readonly id: number; readonly paymentPreimage: Uint8Array }
  | { readonly kind: 'fail'; readonly id: number; readonly reason: Uint8Array }
  | { readonly kind: 'fee'; readonly feeratePerKw: number };

export interface Revocation {
  readonly perCommitmentSecret: Uint8Array;
  readonly nextPerCommitmentPoint: Uint8Array;
}

export interface CommitmentSignatures {
  readonly signature: Uint8Array;
  /** One per untrimmed HTLC output, in the order of the outputs. */
  readonly htlcSignatures: readonly Uint8Array[];
}

/** `revoke_and_ack`, then `update_*`, then `commitment_signed`, each part optional. */
export interface ChannelUpdate {
  readonly type: 'update';
  readonly handle: number;
  /**
   * The message's place in this channel's stream from its sender, modulo 256:
   * a message delivered twice (a retry after a crash) is recognised and
   * ignored, one that went missing is noticed.
   */
  readonly sequence: number;
  readonly revocation?: Revocation;
  readonly updates: readonly Update[];
  readonly commitment?: CommitmentSignatures;
}

export interface Shutdown {
  readonly type: 'shutdown';
  readonly handle: number;
  readonly scriptPubKey: Uint8Array;
}

export interface ClosingSigned {
  readonly type: 'closing_signed';
  readonly handle: number;
  readonly feeSatoshis: number;
  readonly signature: Uint8Array;
}

export interface ChannelReestablish {
  readonly type: 'channel_reestablish';
  readonly handle: number;
  readonly nextCommitmentNumber: number;
  readonly nextRevocationNumber: number;
  readonly yourLastPerCommitmentSecret: Uint8Array;
  readonly myCurrentPerCommitmentPoint: Uint8Array;
}

export interface ErrorMessage {
  readonly type: 'error';
  readonly handle: number;
  /** UTF-8 text, for people. */
  readonly message: Uint8Array;
}

/** An odd message type this node does not know: BOLT 1 says ignore it. */
export interface UnknownMessage {
  readonly type: 'unknown';
  readonly typeNumber: number;
}

export type Message =
  | OpenChannel
  | AcceptChannel
  | FundingCreated
  | FundingSigned
  | ChannelReady
  | ChannelUpdate
  | Shutdown
  | ClosingSigned
  | ChannelReestablish
  | ErrorMessage;

// ---- field layouts ----------------------------------------------------------

type FieldKind =
  | { readonly kind: 'uint'; readonly min?: number; readonly max: number }
  | { readonly kind: 'bytes'; readonly length?: number; readonly maxLength?: number }
  | { readonly kind: 'channelType' }
  | { readonly kind: 'revocation' }
  | { readonly kind: 'updates' }
  | { readonly kind: 'commitment' };

interface FieldLayout {
  readonly key: number;
  readonly name: string;
  readonly field: FieldKind;
  readonly optional?: boolean;
}

const uint = (max: number, min = 0): FieldKind => ({ kind: 'uint', min, max });
const bytes = (length: number): FieldKind => ({ kind: 'bytes', length });
const handle: FieldLayout = { key: 1, name: 'handle', field: uint(MAX_HANDLE) };

const OFFER_FIELDS: FieldLayout[] = [
  handle,
  { key: 2, name: 'network', field: uint(255) },
  { key: 3, name: 'dustLimitSatoshis', field: uint(MAX_SAFE) },
  { key: 4, name: 'channelReserveSatoshis', field: uint(MAX_SAFE) },
  { key: 5, name: 'htlcMinimumMsat', field: uint(MAX_SAFE) },
  { key: 6, name: 'maxHtlcValueInFlightMsat', field: uint(MAX_SAFE) },
  { key: 7, name: 'maxAcceptedHtlcs', field: uint(483) },
  { key: 8, name: 'toSelfDelay', field: uint(0xffff) },
  { key: 9, name: 'cltvExpiryDelta', field: uint(0xffff) },
  { key: 10, name: 'keys', field: bytes(5 * 33) },
  { key: 11, name: 'firstPerCommitmentPoint', field: bytes(33) },
  { key: 12, name: 'channelType', field: { kind: 'channelType' } },
];

/** Message type numbers are even: a node that does not know one must not go on. */
const LAYOUTS: Record<Exclude<Message['type'], never>, { readonly number: number; readonly fields: readonly FieldLayout[] }> = {
  open_channel: {
    number: 2,
    fields: [
      ...OFFER_FIELDS,
      { key: 14, name: 'fundingSatoshis', field: uint(MAX_SAFE, 1) },
      { key: 16, name: 'pushMsat', field: uint(MAX_SAFE) },
      { key: 18, name: 'feeratePerKw', field: uint(0xffffffff) },
    ],
  },
  accept_channel: { number: 4, fields: [...OFFER_FIELDS, { key: 14, name: 'minimumDepth', field: uint(0xffff) }] },
  funding_created: {
    number: 6,
    fields: [
      handle,
      { key: 2, name: 'fundingTxHash', field: bytes(32) },
      { key: 3, name: 'fundingOutputIndex', field: uint(0xffff) },
      { key: 4, name: 'signature', field: bytes(64) },
    ],
  },
  funding_signed: { number: 8, fields: [handle, { key: 2, name: 'signature', field: bytes(64) }] },
  channel_ready: { number: 10, fields: [handle, { key: 2, name: 'secondPerCommitmentPoint', field: bytes(33) }] },
  update: {
    number: 12,
    fields: [
      handle,
      { key: 2, name: 'revocation', field: { kind: 'revocation' }, optional: true },
      { key: 3, name: 'updates', field: { kind: 'updates' }, optional: true },
      { key: 4, name: 'commitment', field: { kind: 'commitment' }, optional: true },
      { key: 6, name: 'sequence', field: uint(255) },
    ],
  },
  shutdown: { number: 14, fields: [handle, { key: 2, name: 'scriptPubKey', field: { kind: 'bytes', maxLength: 42 } }] },
  closing_signed: {
    number: 16,
    fields: [handle, { key: 2, name: 'feeSatoshis', field: uint(MAX_SAFE) }, { key: 3, name: 'signature', field: bytes(64) }],
  },
  channel_reestablish: {
    number: 18,
    fields: [
      handle,
      { key: 2, name: 'nextCommitmentNumber', field: uint(2 ** 48 - 1) },
      { key: 3, name: 'nextRevocationNumber', field: uint(2 ** 48 - 1) },
      { key: 4, name: 'yourLastPerCommitmentSecret', field: bytes(32) },
      { key: 5, name: 'myCurrentPerCommitmentPoint', field: bytes(33) },
    ],
  },
  error: { number: 20, fields: [handle, { key: 2, name: 'message', field: { kind: 'bytes', maxLength: 1000 } }] },
};

const TYPE_BY_NUMBER = new Map(Object.entries(LAYOUTS).map(([type, layout]) => [layout.number, type as Message['type']]));

const UPDATE_KINDS = ['add', 'fulfill', 'fail', 'fee'] as const;

// ---- encoding ---------------------------------------------------------------

/**
 * Encodes a message. What it produces is decoded again before it is
 * returned, so this node never sends what it would itself refuse; a message
 * that fails throws an `InvalidInputError` naming the field.
 */
export function encodeMessage(message: Message): Uint8Array {
  try {
    const encoded = encodeUnchecked(message);
    decodeMessage(encoded);
    return encoded;
  } catch (error) {
    if (error instanceof DecodeError) throw new InvalidInputError(error.field, error.reason);
    throw new InvalidInputError('message', (error as Error).message);
  }
}

function encodeUnchecked(message: Message): Uint8Array {
  const type = (message as { type?: unknown } | undefined)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(LAYOUTS, type)) throw new DecodeError('type', `unknown message type ${String(type)}`);
  const layout = LAYOUTS[type as Message['type']];
  const map = new Map<number, CborValue>([[0, layout.number]]);
  for (const { key, name, field, optional } of layout.fields) {
    const value = (message as unknown as Record<string, unknown>)[name];
    if (value === undefined) {
      if (optional) continue;
      throw new DecodeError(`${message.type}.${name}`, 'missing');
    }
    if (field.kind === 'updates' && Array.isArray(value) && value.length === 0) continue;
    try {
      map.set(key, encodeField(field, value, `${message.type}.${name}`));
    } catch (error) {
      if (error instanceof DecodeError) throw error;
      throw new DecodeError(`${message.type}.${name}`, `cannot be encoded: ${(error as Error).message}`);
    }
  }
  const encoded = encodeCbor(map);
  if (encoded.length > MAX_MESSAGE_BYTES) throw new DecodeError('message', `${encoded.length} bytes, more than ${MAX_MESSAGE_BYTES}`);
  return encoded;
}

/** Each part's type and length is checked here: joined parts could not be told apart once on the wire. */
function encodeField(field: FieldKind, value: unknown, path: string): CborValue {
  const sized = (item: unknown, length: number, where: string): Uint8Array => {
    if (!(item instanceof Uint8Array) || item.length !== length) throw new DecodeError(where, `expected ${length} bytes`);
    return item;
  };
  switch (field.kind) {
    case 'uint':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new DecodeError(path, 'expected an unsigned integer');
      return value;
    case 'bytes':
      if (!(value instanceof Uint8Array)) throw new DecodeError(path, 'expected bytes');
      return value;
    case 'channelType':
      if (value !== 'anchors' && value !== 'static_remotekey') throw new DecodeError(path, 'expected "anchors" or "static_remotekey"');
      return value === 'anchors' ? 0 : 1;
    case 'revocation': {
      const { perCommitmentSecret, nextPerCommitmentPoint } = (value ?? {}) as Revocation;
      return concatBytes(sized(perCommitmentSecret, 32, `${path}.perCommitmentSecret`), sized(nextPerCommitmentPoint, 33, `${path}.nextPerCommitmentPoint`));
    }
    case 'commitment': {
      const { signature, htlcSignatures } = (value ?? {}) as CommitmentSignatures;
      if (!Array.isArray(htlcSignatures)) throw new DecodeError(`${path}.htlcSignatures`, 'expected an array');
      return concatBytes(sized(signature, 64, `${path}.signature`), ...htlcSignatures.map((item, i) => sized(item, 64, `${path}.htlcSignatures[${i}]`)));
    }
    case 'updates':
      if (!Array.isArray(value)) throw new DecodeError(path, 'expected an array');
      return (value as Update[]).map((update, i): CborValue => {
        switch (update?.kind) {
          case 'add':
            if (update.destination !== undefined) sized(update.destination, 33, `${path}[${i}].destination`);
            return [0, update.amountMsat, update.paymentHash, update.cltvExpiry, ...(update.destination ? [update.destination] : [])];
          case 'fulfill':
            return [1, update.id, update.paymentPreimage];
          case 'fail':
            return [2, update.id, update.reason];
          case 'fee':
            return [3, update.feeratePerKw];
          default:
            throw new DecodeError(`${path}[${i}].kind`, 'expected add, fulfill, fail or fee');
        }
      });
  }
}


// ---- decoding ---------------------------------------------------------------

/**
 * Decodes one message, checking every field's type and range. Throws
 * `DecodeError` naming the field for anything else; never returns a
 * partly-checked message.
 */
export function decodeMessage(bytes: Uint8Array): Message | UnknownMessage {
  const root = decodeCbor(bytes, { maxBytes: MAX_MESSAGE_BYTES, maxDepth: 3 });
  if (!(root instanceof Map)) throw new DecodeError('message', 'expected a map');
  const typeNumber = root.get(0);
  if (typeof typeNumber !== 'number') throw new DecodeError('type', 'missing or not an integer');
  const type = TYPE_BY_NUMBER.get(typeNumber);
  if (!type) {
    if (typeNumber % 2 === 1) return { type: 'unknown', typeNumber };
    throw new DecodeError('type', `unknown message type ${typeNumber}, which is required (even)`);
  }
  const layout = LAYOUTS[type];
  const byKey = new Map(layout.fields.map((field) => [field.key, field]));
  for (const key of root.keys()) {
    if (key !== 0 && !byKey.has(key) && key % 2 === 0) throw new DecodeError(`${type}.${key}`, 'unknown required (even) field');
  }
  const message: Record<string, unknown> = { type };
  for (const { key, name, field, optional } of layout.fields) {
    const value = root.get(key);
    if (value === undefined) {
      if (field.kind === 'updates') message[name] = [];
      else if (!optional) throw new DecodeError(`${type}.${name}`, 'missing');
      continue;
    }
    message[name] = decodeField(field, value, `${type}.${name}`);
  }
  return message as unknown as Message;
}

function decodeField(field: FieldKind, value: CborValue, path: string): unknown {
  switch (field.kind) {
    case 'uint':
      return readUint(value, path, field.max, field.min);
    case 'bytes': {
      const bytes = readBytes(value, path);
      if (field.length !== undefined && bytes.length !== field.length) throw new DecodeError(path, `expected ${field.length} bytes, got ${bytes.length}`);
      if (field.maxLength !== undefined && bytes.length > field.maxLength) throw new DecodeError(path, `more than ${field.maxLength} bytes`);
      return bytes;
    }
    case 'channelType': {
      const number = readUint(value, path, 1);
      return number === 0 ? 'anchors' : 'static_remotekey';
    }
    case 'revocation': {
      const bytes = readBytes(value, path);
      if (bytes.length !== 65) throw new DecodeError(path, `expected 65 bytes (secret and next point), got ${bytes.length}`);
      return { perCommitmentSecret: bytes.slice(0, 32), nextPerCommitmentPoint: bytes.slice(32) };
    }
    case 'commitment': {
      const bytes = readBytes(value, path);
      if (bytes.length === 0 || bytes.length % 64 !== 0 || bytes.length / 64 > MAX_HTLCS + 1) {
        throw new DecodeError(path, `expected 64 bytes per signature, 1 to ${MAX_HTLCS + 1} of them; got ${bytes.length} bytes`);
      }
      const signatures = Array.from({ length: bytes.length / 64 }, (_, i) => bytes.slice(i * 64, i * 64 + 64));
      return { signature: signatures[0], htlcSignatures: signatures.slice(1) };
    }
    case 'updates': {
      if (!Array.isArray(value)) throw new DecodeError(path, 'expected an array');
      if (value.length > MAX_HTLCS * 2) throw new DecodeError(path, `more than ${MAX_HTLCS * 2} updates`);
      return value.map((item, i) => decodeUpdate(item, `${path}[${i}]`));
    }
  }
}

function decodeUpdate(value: CborValue, path: string): Update {
  if (!Array.isArray(value) || value.length === 0) throw new DecodeError(path, 'expected [kind, ...fields]');
  const kindNumber = readUint(value[0]!, `${path}.kind`, 0xff);
  const kind = UPDATE_KINDS[kindNumber];
  if (!kind) throw new DecodeError(`${path}.kind`, `unknown update kind ${kindNumber}`);
  const expectedLength = { add: value.length === 5 ? 5 : 4, fulfill: 3, fail: 3, fee: 2 }[kind];
  if (value.length !== expectedLength) throw new DecodeError(path, `a ${kind} has ${expectedLength - 1} fields, got ${value.length - 1}`);
  switch (kind) {
    case 'add':
      return {
        kind,
        amountMsat: readUint(value[1]!, `${path}.amountMsat`, MAX_SAFE, 1),
        paymentHash: readFixedBytes(value[2]!, `${path}.paymentHash`, 32),
        cltvExpiry: readUint(value[3]!, `${path}.cltvExpiry`, 499_999_999),
        ...(value.length === 5 && { destination: readFixedBytes(value[4]!, `${path}.destination`, 33) }),
      };
    case 'fulfill':
      return { kind, id: readUint(value[1]!, `${path}.id`, MAX_SAFE), paymentPreimage: readFixedBytes(value[2]!, `${path}.paymentPreimage`, 32) };
    case 'fail': {
      const reason = readBytes(value[2]!, `${path}.reason`);
      if (reason.length > 256) throw new DecodeError(`${path}.reason`, 'more than 256 bytes');
      return { kind, id: readUint(value[1]!, `${path}.id`, MAX_SAFE), reason };
    }
    case 'fee':
      return { kind, feeratePerKw: readUint(value[1]!, `${path}.feeratePerKw`, 0xffffffff, 253) };
  }
}

function readUint(value: CborValue, path: string, max: number, min = 0): number {
  if (typeof value !== 'number') throw new DecodeError(path, 'expected an unsigned integer');
  if (value < min || value > max) throw new DecodeError(path, `${value} is outside [${min}, ${max}]`);
  return value;
}

function readBytes(value: CborValue, path: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new DecodeError(path, 'expected a byte string');
  return value;
}

function readFixedBytes(value: CborValue, path: string, length: number): Uint8Array {
  const bytes = readBytes(value, path);
  if (bytes.length !== length) throw new DecodeError(path, `expected ${length} bytes, got ${bytes.length}`);
  return bytes;
}
