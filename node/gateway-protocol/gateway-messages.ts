/**
 * Messages between a mesh node and its gateway, carried end to end by the
 * router (the gateway is usually the `*` default route). CBOR maps in the
 * layouts of `cbor-layout.ts`, type numbers from 64 up so that they are never
 * mistaken for channel messages.
 *
 * Requests carry a `requestId` the node chose; the gateway's answer repeats
 * it. The gateway also speaks first: a breach alert, a transaction's new
 * status. What each answer proves is checked by the node itself: receipts
 * and alerts are signed by the gateway's key, headers carry their proof of
 * work, a transaction comes with its merkle branch.
 */
import { InvalidInputError } from '../core/input.js';
import { LOCATOR_LENGTH, MAX_JUSTICE_DATA_BYTES, MAX_TAG_BYTES } from './appointment.js';
import { MAX_CHANNEL_RECORD_BYTES } from './tower-channel.js';
import { hexToHash } from '../chain/block-header.js';
import { COMPACT_HEADER_MAX_BYTES } from '../chain/compact-headers.js';
import { type FieldKind, type FieldLayout, LayoutCodec, type MessageLayout, type UnknownMessage, bytes, bytesUpTo, listOf, uint } from '../core/cbor-layout.js';
import { DecodeError } from '../core/cbor.js';
import { type CompactInvoice, MAX_INVOICE_DATA_BYTES, MAX_INVOICE_HRP_BYTES, MAX_INVOICE_WORDS } from './compact-invoice.js';

/** The largest gateway message: a batch of appointments or of headers. */
export const MAX_GATEWAY_MESSAGE_BYTES = 256 * 1024;
/** Appointments in one batch; one signed receipt answers them all. */
export const MAX_APPOINTMENTS_PER_BATCH = 256;
/**
 * Headers in one answer: a day of blocks, 11.5 kB, about a third of a LoRa
 * node's hourly airtime at SF7 under the EU868 duty cycle; a node back from
 * days offline catches up a day per round. At 2000 (160 kB) the answer did
 * not even fit a routed envelope (64 kB) and such a node never caught up
 * (found by the simulator's headline scenario).
 */
export const MAX_HEADERS_PER_MESSAGE = 144;
export { MAX_TAG_BYTES };
/** Outputs and transactions in one watch or unwatch message. */
export const MAX_WATCHES_PER_MESSAGE = 64;
/** Matching transactions in one `blocks` message; the gateway ends a batch early rather than send more. */
export const MAX_MATCHES_PER_MESSAGE = 32;
/** The hash prefixes that tie a feed to the node's own chain: enough to tell two branches apart, short for the air. */
export const FEED_HASH_PREFIX_BYTES = 8;

/** The prefix of a block hash (display-order hex) as the feed carries it: its first bytes in internal order. */
export function feedHashPrefix(blockHash: string): Uint8Array {
  return hexToHash(blockHash).slice(0, FEED_HASH_PREFIX_BYTES);
}
/** The appointment blob: a kit or a whole justice transaction, encrypted (with its 16-byte tag). */
export const MAX_BLOB_BYTES = MAX_JUSTICE_DATA_BYTES + 16;
/** A transaction a node hands over for broadcast, or receives with its proof. */
export const MAX_TRANSACTION_BYTES = 100_000;

export interface TowerAppointment {
  readonly locator: Uint8Array;
  readonly blob: Uint8Array;
  readonly tag: Uint8Array;
  /** The record of the tag's channel (`tower-channel.ts`), beside an appointment that brings it to the tower. */
  readonly channel?: Uint8Array;
}

/**
 * One tag's part of an `appointment_batch`: each appointment as its locator
 * and blob end to end (the tag said once), and the channel's record when
 * the tower may not have it yet (see `appointment-batch.ts`).
 */
export interface AppointmentGroup {
  readonly tag: Uint8Array;
  readonly appointments: readonly Uint8Array[];
  readonly channel?: Uint8Array;
}

export type GatewayMessage =
  /** Node to gateway: store these for the watchtower. */
  | { readonly type: 'appointments'; readonly requestId: number; readonly appointments: readonly TowerAppointment[] }
  /**
   * Node to gateway: store these, grouped by tag, with the channel records
   * the compact ones need (`appointment-batch.ts`). The tower refuses a
   * batch with a tag whose record it has neither stored nor received here.
   */
  | { readonly type: 'appointment_batch'; readonly requestId: number; readonly groups: readonly AppointmentGroup[] }
  /** Gateway to node: all of the batch is stored; the signature is the receipt (see `node/gateway-protocol/receipt.ts`). */
  | { readonly type: 'appointments_accepted'; readonly requestId: number; readonly signature: Uint8Array }
  /** Gateway to node: a request refused, nothing stored or done; `reason` is UTF-8 for people. */
  | { readonly type: 'refused'; readonly requestId: number; readonly reason: Uint8Array }
  /** Node to gateway: the channel of this tag is closed; forget its appointments. */
  | { readonly type: 'drop_tag'; readonly requestId: number; readonly tag: Uint8Array }
  /** Node to gateway: keep the tag's appointments until this funding output is spent and buried. */
  | { readonly type: 'watch_funding'; readonly requestId: number; readonly tag: Uint8Array; readonly fundingTxid: Uint8Array; readonly fundingOutputIndex: number }
  /** Node to gateway, or gateway to node: done (drop_tag, watch_funding). */
  | { readonly type: 'done'; readonly requestId: number }
  /** Gateway to node: a revoked commitment of yours reached the chain and the tower answered it. Signed by the gateway. */
  | { readonly type: 'breach_alert'; readonly locator: Uint8Array; readonly breachTxid: Uint8Array; readonly justiceTxid: Uint8Array; readonly signature: Uint8Array }
  /** Node to gateway: headers of the best chain from `fromHeight`, at most `count`. */
  | { readonly type: 'get_headers'; readonly requestId: number; readonly fromHeight: number; readonly count: number }
  | { readonly type: 'headers'; readonly requestId: number; readonly startHeight: number; readonly headers: readonly Uint8Array[]; readonly tipHeight: number }
  | { readonly type: 'get_fee_estimate'; readonly requestId: number; readonly targetBlocks: number }
  /** `feeratePerKw` 0: the backend has no estimate yet. */
  | { readonly type: 'fee_estimate'; readonly requestId: number; readonly feeratePerKw: number }
  /** Node to gateway: where is this transaction (txid in internal byte order)? */
  | { readonly type: 'get_tx_proof'; readonly requestId: number; readonly txid: Uint8Array }
  /** Gateway to node: in the block at `height`, at `index`, with the merkle branch to the header's root. */
  | { readonly type: 'tx_proof'; readonly requestId: number; readonly height: number; readonly index: number; readonly branch: readonly Uint8Array[]; readonly transaction: Uint8Array }
  /** Node to gateway: hand this fully signed transaction to the Bitcoin network. */
  | { readonly type: 'broadcast'; readonly requestId: number; readonly transaction: Uint8Array }
  /** Gateway to node: accepted, or refused with the backend's reason (UTF-8). */
  | { readonly type: 'broadcast_result'; readonly requestId: number; readonly txid: Uint8Array; readonly accepted: 'yes' | 'no'; readonly reason?: Uint8Array }
  /** Gateway to node: a transaction it broadcast for the node confirmed deeper (or left the chain: 0). */
  | { readonly type: 'tx_status'; readonly txid: Uint8Array; readonly confirmations: number }
  /**
   * Node to gateway: report what spends these outputs and these
   * transactions, in blocks from `fromHeight` on (spends of the outputs also
   * from the mempool). Answered by `done`, and by a `tx_proof` for each
   * match in a block the node has already taken.
   */
  | { readonly type: 'watch'; readonly requestId: number; readonly outpoints: readonly WatchedOutpoint[]; readonly txids: readonly Uint8Array[]; readonly fromHeight: number }
  /** Node to gateway: these are no longer needed. */
  | { readonly type: 'unwatch'; readonly requestId: number; readonly outpoints: readonly WatchedOutpoint[]; readonly txids: readonly Uint8Array[] }
  /**
   * Node to gateway: every block up to `height` (whose hash begins with
   * `hash`, internal order) is taken; send the next ones once the node is
   * `maxLag` blocks behind, or at once if one of them matters to it.
   * `hello` (at start, and after a long silence): answer even with nothing
   * new, so that the node knows its view is current (then the push repeats
   * the tip's block). Its value is a number the node picks at each start:
   * pushes built after it carry it back (`answers`), so that the node can
   * tell them from copies made before it restarted.
   */
  | { readonly type: 'feed_ack'; readonly height: number; readonly hash: Uint8Array; readonly maxLag: number; readonly hello?: number }
  /**
   * Gateway to node, unasked: the blocks from `startHeight`, building on
   * the block whose hash begins with `prevHash`, as compact headers
   * (`node/chain/compact-headers.ts`), with the transactions that match the
   * node's watches and their merkle branches, the tip's height and a fee
   * estimate (0: none). `answers`: the node's last hello, in pushes built
   * after it until the node has taken one of them.
   */
  | {
      readonly type: 'blocks';
      readonly startHeight: number;
      readonly prevHash: Uint8Array;
      readonly headers: Uint8Array;
      readonly matches: readonly FeedMatch[];
      readonly tipHeight: number;
      readonly feeratePerKw: number;
      readonly answers?: number;
    }
  /** Gateway to node, unasked: a transaction in the mempool spends an output the node watches. */
  | { readonly type: 'mempool_tx'; readonly transaction: Uint8Array }
  /**
   * Node to gateway: pay this BOLT 11 invoice through the bridge; the node's
   * HTLC to the gateway, with the invoice's payment hash, follows the quote.
   */
  | { readonly type: 'bridge_pay'; readonly requestId: number; readonly invoice: CompactInvoice }
  /** Gateway to node: what the node's HTLC must carry (the invoice's amount plus the bridge fee), or `refused`. */
  | { readonly type: 'bridge_quote'; readonly requestId: number; readonly amountMsat: number }
  /** Node to gateway: a BOLT 11 invoice for the node's own payment hash (the preimage stays on the node); `description` UTF-8. */
  | { readonly type: 'public_invoice'; readonly requestId: number; readonly paymentHash: Uint8Array; readonly amountMsat: number; readonly description: Uint8Array; readonly expirySecs: number }
  /** Gateway to node: the invoice, or `refused`. */
  | { readonly type: 'public_invoice_issued'; readonly requestId: number; readonly invoice: CompactInvoice }
  /**
   * Node to gateway: payment hashes of the node's own (the preimages stay on the node) for invoices the
   * gateway may issue while the node is away, each used once; at most MAX_HASHES_PER_LEAVE.
   */
  | { readonly type: 'leave_hashes'; readonly requestId: number; readonly paymentHashes: readonly Uint8Array[] }
  /** Gateway to node: kept; `left` is how many the gateway now keeps for the node, or `refused`. */
  | { readonly type: 'hashes_left'; readonly requestId: number; readonly left: number };

export interface WatchedOutpoint {
  /** Internal byte order. */
  readonly txid: Uint8Array;
  readonly vout: number;
}

/** A transaction of a block in a `blocks` message, with its place in the block. */
export interface FeedMatch {
  readonly height: number;
  readonly index: number;
  readonly branch: readonly Uint8Array[];
  readonly transaction: Uint8Array;
}

/** An invoice as compact-invoice.ts packs it. */
const invoice: FieldKind = {
  kind: 'record',
  fields: [
    { key: 1, name: 'hrp', field: bytesUpTo(MAX_INVOICE_HRP_BYTES) },
    { key: 2, name: 'words', field: uint(MAX_INVOICE_WORDS, 1) },
    { key: 3, name: 'data', field: bytesUpTo(MAX_INVOICE_DATA_BYTES) },
  ],
};
/** BOLT 11's longest description (639 bytes: its `d` field's length limit). */
export const MAX_DESCRIPTION_BYTES = 639;
/** The most payment hashes one `leave_hashes` carries (16 x 34 bytes: well within a LoRa frame's budget of a few messages). */
export const MAX_HASHES_PER_LEAVE = 16;
/** Millisatoshis: 21 million BTC is above 2^53, so a safe integer is the bound. */
const amountMsat = uint(Number.MAX_SAFE_INTEGER, 1);

const requestId: FieldLayout = { key: 1, name: 'requestId', field: uint(0xffffffff) };
const tag = bytesUpTo(MAX_TAG_BYTES);
const reason = bytesUpTo(1000);
const outpoint: FieldKind = {
  kind: 'record',
  fields: [
    { key: 1, name: 'txid', field: bytes(32) },
    { key: 2, name: 'vout', field: uint(0xffffffff) },
  ],
};

const LAYOUTS: Record<GatewayMessage['type'], MessageLayout> = {
  appointments: {
    number: 64,
    fields: [
      requestId,
      {
        key: 2,
        name: 'appointments',
        field: listOf(
          {
            kind: 'record',
            fields: [
              { key: 1, name: 'locator', field: bytes(16) },
              { key: 2, name: 'blob', field: bytesUpTo(MAX_BLOB_BYTES) },
              { key: 3, name: 'tag', field: tag },
            ],
          },
          MAX_APPOINTMENTS_PER_BATCH,
        ),
      },
    ],
  },
  appointment_batch: {
    number: 118,
    fields: [
      requestId,
      {
        key: 2,
        name: 'groups',
        field: listOf(
          {
            kind: 'record',
            fields: [
              { key: 1, name: 'tag', field: tag },
              { key: 2, name: 'appointments', field: listOf(bytesUpTo(LOCATOR_LENGTH + MAX_BLOB_BYTES), MAX_APPOINTMENTS_PER_BATCH) },
              { key: 3, name: 'channel', field: bytesUpTo(MAX_CHANNEL_RECORD_BYTES), optional: true },
            ],
          },
          MAX_APPOINTMENTS_PER_BATCH,
        ),
      },
    ],
  },
  appointments_accepted: { number: 66, fields: [requestId, { key: 2, name: 'signature', field: bytes(64) }] },
  refused: { number: 68, fields: [requestId, { key: 2, name: 'reason', field: reason }] },
  drop_tag: { number: 70, fields: [requestId, { key: 2, name: 'tag', field: tag }] },
  watch_funding: {
    number: 72,
    fields: [requestId, { key: 2, name: 'tag', field: tag }, { key: 3, name: 'fundingTxid', field: bytes(32) }, { key: 4, name: 'fundingOutputIndex', field: uint(0xffff) }],
  },
  done: { number: 74, fields: [requestId] },
  breach_alert: {
    number: 76,
    fields: [
      { key: 1, name: 'locator', field: bytes(16) },
      { key: 2, name: 'breachTxid', field: bytes(32) },
      { key: 3, name: 'justiceTxid', field: bytes(32) },
      { key: 4, name: 'signature', field: bytes(64) },
    ],
  },
  get_headers: { number: 78, fields: [requestId, { key: 2, name: 'fromHeight', field: uint(0xffffffff) }, { key: 3, name: 'count', field: uint(MAX_HEADERS_PER_MESSAGE, 1) }] },
  headers: {
    number: 80,
    fields: [
      requestId,
      { key: 2, name: 'startHeight', field: uint(0xffffffff) },
      { key: 3, name: 'headers', field: listOf(bytes(80), MAX_HEADERS_PER_MESSAGE) },
      { key: 4, name: 'tipHeight', field: uint(0xffffffff) },
    ],
  },
  get_fee_estimate: { number: 82, fields: [requestId, { key: 2, name: 'targetBlocks', field: uint(1008, 1) }] },
  fee_estimate: { number: 84, fields: [requestId, { key: 2, name: 'feeratePerKw', field: uint(0xffffffff) }] },
  get_tx_proof: { number: 86, fields: [requestId, { key: 2, name: 'txid', field: bytes(32) }] },
  tx_proof: {
    number: 88,
    fields: [
      requestId,
      { key: 2, name: 'height', field: uint(0xffffffff) },
      { key: 3, name: 'index', field: uint(0xffffffff) },
      // A block of 4 MWU holds under 2^15 transactions: 15 levels, a few more for safety.
      { key: 4, name: 'branch', field: listOf(bytes(32), 24) },
      { key: 5, name: 'transaction', field: bytesUpTo(MAX_TRANSACTION_BYTES) },
    ],
  },
  broadcast: { number: 90, fields: [requestId, { key: 2, name: 'transaction', field: bytesUpTo(MAX_TRANSACTION_BYTES) }] },
  broadcast_result: {
    number: 92,
    fields: [
      requestId,
      { key: 2, name: 'txid', field: bytes(32) },
      { key: 3, name: 'accepted', field: { kind: 'enum', values: ['no', 'yes'] } },
      { key: 5, name: 'reason', field: reason, optional: true },
    ],
  },
  tx_status: { number: 94, fields: [{ key: 1, name: 'txid', field: bytes(32) }, { key: 2, name: 'confirmations', field: uint(0xffffffff) }] },
  watch: {
    number: 96,
    fields: [
      requestId,
      { key: 2, name: 'outpoints', field: listOf(outpoint, MAX_WATCHES_PER_MESSAGE) },
      { key: 3, name: 'txids', field: listOf(bytes(32), MAX_WATCHES_PER_MESSAGE) },
      { key: 4, name: 'fromHeight', field: uint(0xffffffff) },
    ],
  },
  unwatch: {
    number: 98,
    fields: [requestId, { key: 2, name: 'outpoints', field: listOf(outpoint, MAX_WATCHES_PER_MESSAGE) }, { key: 3, name: 'txids', field: listOf(bytes(32), MAX_WATCHES_PER_MESSAGE) }],
  },
  feed_ack: {
    number: 100,
    fields: [
      { key: 1, name: 'height', field: uint(0xffffffff) },
      { key: 2, name: 'hash', field: bytes(FEED_HASH_PREFIX_BYTES) },
      { key: 3, name: 'maxLag', field: uint(MAX_HEADERS_PER_MESSAGE, 1) },
      { key: 5, name: 'hello', field: uint(0xffffffff, 1), optional: true },
    ],
  },
  blocks: {
    number: 102,
    fields: [
      { key: 1, name: 'startHeight', field: uint(0xffffffff, 1) },
      { key: 2, name: 'prevHash', field: bytes(FEED_HASH_PREFIX_BYTES) },
      { key: 3, name: 'headers', field: bytesUpTo(MAX_HEADERS_PER_MESSAGE * COMPACT_HEADER_MAX_BYTES) },
      {
        key: 4,
        name: 'matches',
        field: listOf(
          {
            kind: 'record',
            fields: [
              { key: 1, name: 'height', field: uint(0xffffffff) },
              { key: 2, name: 'index', field: uint(0xffffffff) },
              { key: 3, name: 'branch', field: listOf(bytes(32), 24) },
              { key: 4, name: 'transaction', field: bytesUpTo(MAX_TRANSACTION_BYTES) },
            ],
          },
          MAX_MATCHES_PER_MESSAGE,
        ),
      },
      { key: 5, name: 'tipHeight', field: uint(0xffffffff) },
      { key: 6, name: 'feeratePerKw', field: uint(0xffffffff) },
      { key: 7, name: 'answers', field: uint(0xffffffff, 1), optional: true },
    ],
  },
  mempool_tx: { number: 104, fields: [{ key: 1, name: 'transaction', field: bytesUpTo(MAX_TRANSACTION_BYTES) }] },
  bridge_pay: { number: 106, fields: [requestId, { key: 2, name: 'invoice', field: invoice }] },
  bridge_quote: { number: 108, fields: [requestId, { key: 2, name: 'amountMsat', field: amountMsat }] },
  public_invoice: {
    number: 110,
    fields: [
      requestId,
      { key: 2, name: 'paymentHash', field: bytes(32) },
      { key: 3, name: 'amountMsat', field: amountMsat },
      { key: 4, name: 'description', field: bytesUpTo(MAX_DESCRIPTION_BYTES) },
      // A week at most: the gateway keeps a record for each invoice until it expires.
      { key: 5, name: 'expirySecs', field: uint(7 * 24 * 3600, 60) },
    ],
  },
  public_invoice_issued: { number: 112, fields: [requestId, { key: 2, name: 'invoice', field: invoice }] },
  leave_hashes: { number: 114, fields: [requestId, { key: 2, name: 'paymentHashes', field: listOf(bytes(32), MAX_HASHES_PER_LEAVE) }] },
  hashes_left: { number: 116, fields: [requestId, { key: 2, name: 'left', field: uint(0xffff) }] },
};

// Depth: the message map, a list, a record in it, and a list in that record (a feed's merkle branch, a batch group's appointments).
const CODEC = new LayoutCodec<GatewayMessage>(LAYOUTS, { maxBytes: MAX_GATEWAY_MESSAGE_BYTES, maxDepth: 4 });

/** Encodes a gateway message, checked by decoding it again; a bad one is an `InvalidInputError` naming the field. */
export function encodeGatewayMessage(message: GatewayMessage): Uint8Array {
  try {
    const encoded = CODEC.encode(message);
    CODEC.decode(encoded);
    return encoded;
  } catch (error) {
    if (error instanceof DecodeError) throw new InvalidInputError(error.field, error.reason);
    throw error;
  }
}

/** Decodes what a peer sent; anything malformed is a `DecodeError` naming the field, never a partial message. */
export function decodeGatewayMessage(bytes: Uint8Array): GatewayMessage | UnknownMessage {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('message', 'expected bytes');
  if (bytes.length > MAX_GATEWAY_MESSAGE_BYTES) throw new DecodeError('message', `${bytes.length} bytes, more than the ${MAX_GATEWAY_MESSAGE_BYTES} allowed`);
  return CODEC.decode(bytes);
}
