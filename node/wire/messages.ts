/**
 * The compact channel messages: BOLT 2's messages for links that carry a few
 * hundred bytes a frame, encoded as CBOR maps with small integer keys, except
 * `update`, the one every payment sends six times a hop, which has its own
 * binary layout without keys or lengths (update-codec.ts).
 *
 * Where BOLT 2 sends `update_add_htlc`, `commitment_signed` and
 * `revoke_and_ack` separately, here one `update` message carries, in this
 * order, an optional revocation, any number of updates and an optional
 * commitment signature. The 32-byte channel id becomes a per-peer `handle`;
 * HTLC ids of adds are implied by their order; signatures are 64-byte compact.
 *
 * The first byte tells the two apart: a CBOR map starts with 0xa0 to 0xbf;
 * a byte below 0xa0 is the type number of a message in a layout of its own
 * (only 12, `update`, so far).
 *
 * Decoding follows BOLT 1's rule: an unknown even message type or field is
 * an error, an unknown odd one is ignored.
 */
import { InvalidInputError } from '../core/input.js';
import { MAX_ACCEPTED_HTLCS } from '../core/bolt-limits.js';
import { type FieldLayout, type MessageLayout, LayoutCodec, type UnknownMessage, bytes, listOf, uint } from '../core/cbor-layout.js';
import { DecodeError } from '../core/cbor.js';
import { MAX_HANDLE, MAX_MESSAGE_BYTES } from '../core/message-limits.js';
import { type ChannelUpdate, UPDATE_TYPE, decodeChannelUpdate, encodeChannelUpdate } from './update-codec.js';

// The update message's types live beside its codec (one direction: messages -> update-codec).
export type { ChannelUpdate, CommitmentSignatures, Revocation, Update } from './update-codec.js';

export { DecodeError, MAX_HANDLE, MAX_MESSAGE_BYTES };

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** A CBOR map's first byte is 0xa0 to 0xbf (major type 5); below it, a message type number. */
const FIRST_CBOR_MAP_BYTE = 0xa0;

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

/** A forwarding fee (BOLT 7's `fee_base_msat`, `fee_proportional_millionths`). */
export interface FeeQuote {
  readonly baseMsat: number;
  readonly proportionalMillionths: number;
}

/**
 * What it costs to pay through the sender of this message, as BOLT 7's
 * `channel_update` says it for a channel direction: the sender's own fee
 * (for its direct peers) and, for destinations it reaches through another
 * forwarder, the composed fee of all forwarders from it on. Sent when the
 * channel is ready and whenever it changes; each replaces the last.
 */
export interface FeeUpdate {
  readonly type: 'fee_update';
  readonly handle: number;
  readonly baseMsat: number;
  readonly proportionalMillionths: number;
  /** Destinations beyond the sender's direct peers, each with the fee of every forwarder from the sender on. */
  readonly quotes?: readonly (FeeQuote & { readonly destination: Uint8Array })[];
  /** 1: some destinations the sender reaches are not listed (too many, or their fees are not known yet): unlisted ones are not its direct peers for sure. */
  readonly incomplete?: number;
}

/** Quotes in one `fee_update`: about 45 bytes each, so one message stays under a LoRa frame's few fragments. */
export const MAX_FEE_QUOTES = 16;

export type { UnknownMessage } from '../core/cbor-layout.js';

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
  | ErrorMessage
  | FeeUpdate;

// ---- field layouts ----------------------------------------------------------

const handle: FieldLayout = { key: 1, name: 'handle', field: uint(MAX_HANDLE) };

const OFFER_FIELDS: FieldLayout[] = [
  handle,
  { key: 2, name: 'network', field: uint(255) },
  { key: 3, name: 'dustLimitSatoshis', field: uint(MAX_SAFE) },
  { key: 4, name: 'channelReserveSatoshis', field: uint(MAX_SAFE) },
  { key: 5, name: 'htlcMinimumMsat', field: uint(MAX_SAFE) },
  { key: 6, name: 'maxHtlcValueInFlightMsat', field: uint(MAX_SAFE) },
  { key: 7, name: 'maxAcceptedHtlcs', field: uint(MAX_ACCEPTED_HTLCS) },
  { key: 8, name: 'toSelfDelay', field: uint(0xffff) },
  { key: 9, name: 'cltvExpiryDelta', field: uint(0xffff) },
  { key: 10, name: 'keys', field: bytes(5 * 33) },
  { key: 11, name: 'firstPerCommitmentPoint', field: bytes(33) },
  { key: 12, name: 'channelType', field: { kind: 'enum', values: ['anchors', 'static_remotekey'] } },
];

/** The messages sent as CBOR maps. Message type numbers are even: a node that does not know one must not go on. */
const LAYOUTS: Record<Exclude<Message['type'], 'update'>, MessageLayout> = {
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
  // Odd: a node that does not know fees yet may ignore it (BOLT 1).
  fee_update: {
    number: 21,
    fields: [
      handle,
      { key: 2, name: 'baseMsat', field: uint(MAX_SAFE) },
      { key: 3, name: 'proportionalMillionths', field: uint(MAX_SAFE) },
      {
        key: 4,
        name: 'quotes',
        optional: true,
        field: listOf(
          {
            kind: 'record',
            fields: [
              { key: 1, name: 'destination', field: bytes(33) },
              { key: 2, name: 'baseMsat', field: uint(MAX_SAFE) },
              { key: 3, name: 'proportionalMillionths', field: uint(MAX_SAFE) },
            ],
          },
          MAX_FEE_QUOTES,
        ),
      },
      { key: 5, name: 'incomplete', optional: true, field: uint(1, 1) },
    ],
  },
};

const MAP_MESSAGES = new LayoutCodec<Exclude<Message, ChannelUpdate>>(LAYOUTS, {
  maxBytes: MAX_MESSAGE_BYTES,
  maxDepth: 3,
  refusedTypes: new Map([[UPDATE_TYPE, `an update (type ${UPDATE_TYPE}) is sent in its own layout, never as a map`]]),
});

/** Type numbers of the map messages: one number space with the first bytes of the other layouts. */
const MAP_NUMBERS = new Set(Object.values(LAYOUTS).map((layout) => layout.number));

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
  const encoded = type === 'update' ? encodeChannelUpdate(message as ChannelUpdate) : MAP_MESSAGES.encode(message as Exclude<Message, ChannelUpdate>);
  if (encoded.length > MAX_MESSAGE_BYTES) throw new DecodeError('message', `${encoded.length} bytes, more than ${MAX_MESSAGE_BYTES}`);
  return encoded;
}

// ---- decoding ---------------------------------------------------------------

/**
 * Decodes one message, checking every field's type and range. Throws
 * `DecodeError` naming the field for anything else; never returns a
 * partly-checked message.
 */
export function decodeMessage(bytes: Uint8Array): Message | UnknownMessage {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('message', 'expected bytes');
  if (bytes.length > MAX_MESSAGE_BYTES) throw new DecodeError('message', `${bytes.length} bytes, more than the ${MAX_MESSAGE_BYTES} allowed`);
  const first = bytes[0];
  if (first === undefined) throw new DecodeError('message', 'no bytes');
  if (first < FIRST_CBOR_MAP_BYTE) {
    if (first === UPDATE_TYPE) return decodeChannelUpdate(bytes);
    if (MAP_NUMBERS.has(first)) throw new DecodeError('type', `type ${first} is sent as a map, never in a layout of its own`);
    if (first % 2 === 1) return { type: 'unknown', typeNumber: first };
    throw new DecodeError('type', `unknown message type ${first}, which is required (even)`);
  }
  return MAP_MESSAGES.decode(bytes);
}
