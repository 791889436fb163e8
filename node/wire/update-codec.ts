/**
 * The `update` message in a compact binary layout rather than a CBOR map.
 * One payment over one hop sends six of them, and a map's framing (its
 * header, keys, byte-string and array headers) cost 6 to 12 bytes each, 49
 * of the payment's 797: about 1.5 ms of LoRa airtime a byte at SF7. Layout:
 *
 *   update       12 | handle | sequence (1 byte) | flags (1 byte) | revocation? | updates? | commitment?
 *   flags        bit 0: a revocation follows, bit 1: updates follow, bit 2: a commitment follows
 *   revocation   per-commitment secret (32) | next per-commitment point (33)
 *   updates      count (1 to 1932) | each update: its kind (1 byte), then
 *     0 add        amount msat | payment hash (32) | expiry
 *     1 fulfill    id | payment preimage (32)
 *     2 fail       id | reason length (0 to 256) | reason
 *     3 fee        feerate per kw
 *     4 add        as 0, then the destination node id (33) | fees: the amount
 *                  minus what the payee is to get (a routed payment: the
 *                  forwarders' fees, 2 bytes at the default 1 sat a hop)
 *   commitment   signature (64) | HTLC signature count (0 to 966) | HTLC signatures (64 each)
 *
 * Handle, counts, amounts, ids, lengths, feerates and expiries are unsigned
 * LEB128 varints; everything else has a fixed size and goes without a length.
 * The first add's expiry is absolute (3 bytes at today's block heights);
 * each later add's is its difference from the add before it, zigzag-encoded
 * (0, -1, 1, -2 ... as 0, 1, 2, 3 ...), so the adds of a batch, whose
 * expiries are close, take a byte or two each. Ids stay absolute: a
 * difference of two ids up to 2^53 - 1 would not fit a safe integer.
 *
 * The first byte tells this layout from the others: every other message is a
 * CBOR map, which starts with 0xa0 to 0xbf (major type 5), while 12 (0x0c)
 * would start a CBOR unsigned integer, never a message.
 *
 * Each message has one encoding: varints in their shortest form, a flag set
 * exactly when its part is there (a flagged list of updates is not empty),
 * nothing after the last part. Unknown flag bits and update kinds are
 * refused: with no lengths, a part this node does not know could not be
 * skipped. A part added later takes a new message type (odd, if old nodes
 * may ignore the whole message).
 */
import { DecodeError } from '../core/cbor.js';
import { MAX_ACCEPTED_HTLCS, MIN_FEERATE_PER_KW } from '../core/bolt-limits.js';
import { MAX_HANDLE } from '../core/message-limits.js';
import { type ByteReader, readVarint, writeVarint } from '../core/varint.js';

export type Update =
  | {
      readonly kind: 'add';
      readonly amountMsat: number;
      readonly paymentHash: Uint8Array;
      readonly cltvExpiry: number;
      /** The payee's node id when it is not the receiving peer: a static route needs no onion, only where to forward. */
      readonly destination?: Uint8Array;
      /** With a destination: what the payee is to get; the rest of `amountMsat` pays the forwarders' fees. */
      readonly payeeAmountMsat?: number;
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

/** The first byte of an `update`: its message type number. */
export const UPDATE_TYPE = 12;

const FLAG_REVOCATION = 0x01;
const FLAG_UPDATES = 0x02;
const FLAG_COMMITMENT = 0x04;
const KNOWN_FLAGS = FLAG_REVOCATION | FLAG_UPDATES | FLAG_COMMITMENT;

const KIND_ADD = 0;
const KIND_FULFILL = 1;
const KIND_FAIL = 2;
const KIND_FEE = 3;
const KIND_ADD_WITH_DESTINATION = 4;

/** HTLCs in one commitment: each side's most, twice. */
const MAX_HTLCS = 2 * MAX_ACCEPTED_HTLCS;
const MAX_UPDATES = 2 * MAX_HTLCS;
const MAX_REASON_BYTES = 256;
/** From 500,000,000 on, Bitcoin reads a locktime as a time, not a block height. */
const MAX_EXPIRY = 499_999_999;
const MAX_FEERATE_PER_KW = 0xffffffff;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

const SECRET_BYTES = 32;
const POINT_BYTES = 33;
const HASH_BYTES = 32;
const SIGNATURE_BYTES = 64;

// ---- encoding ---------------------------------------------------------------

/**
 * Encodes an `update`, checking each field on the way: fields of a wrong size
 * or range, once joined, would read back as another message. Throws
 * `DecodeError` naming the field.
 */
export function encodeChannelUpdate(message: ChannelUpdate): Uint8Array {
  const out: number[] = [UPDATE_TYPE];
  writeVarint(out, checkUint(message.handle, 'update.handle', MAX_HANDLE), 'update.handle');
  out.push(checkUint(message.sequence, 'update.sequence', 0xff));
  const updates: unknown = message.updates ?? [];
  if (!Array.isArray(updates)) throw new DecodeError('update.updates', 'expected an array');
  if (updates.length > MAX_UPDATES) throw new DecodeError('update.updates', `${updates.length} updates, more than ${MAX_UPDATES}`);
  const { revocation, commitment } = message;
  out.push((revocation !== undefined ? FLAG_REVOCATION : 0) | (updates.length > 0 ? FLAG_UPDATES : 0) | (commitment !== undefined ? FLAG_COMMITMENT : 0));
  if (revocation !== undefined) {
    // Whatever the caller passed: null and other shapes are refused field by field.
    const { perCommitmentSecret, nextPerCommitmentPoint } = (revocation ?? {}) as Partial<Revocation>;
    pushBytes(out, checkBytes(perCommitmentSecret, SECRET_BYTES, 'update.revocation.perCommitmentSecret'));
    pushBytes(out, checkBytes(nextPerCommitmentPoint, POINT_BYTES, 'update.revocation.nextPerCommitmentPoint'));
  }
  if (updates.length > 0) {
    writeVarint(out, updates.length, 'update.updates');
    let previousExpiry: number | undefined;
    updates.forEach((update: unknown, i) => {
      previousExpiry = writeUpdate(out, update, `update.updates[${i}]`, previousExpiry);
    });
  }
  if (commitment !== undefined) {
    const { signature, htlcSignatures } = (commitment ?? {}) as Partial<CommitmentSignatures>;
    pushBytes(out, checkBytes(signature, SIGNATURE_BYTES, 'update.commitment.signature'));
    if (!Array.isArray(htlcSignatures)) throw new DecodeError('update.commitment.htlcSignatures', 'expected an array');
    if (htlcSignatures.length > MAX_HTLCS) throw new DecodeError('update.commitment.htlcSignatures', `${htlcSignatures.length} signatures, more than ${MAX_HTLCS}`);
    writeVarint(out, htlcSignatures.length, 'update.commitment.htlcSignatures');
    htlcSignatures.forEach((item: unknown, i) => pushBytes(out, checkBytes(item, SIGNATURE_BYTES, `update.commitment.htlcSignatures[${i}]`)));
  }
  return Uint8Array.from(out);
}

/** Writes one update; returns the expiry the next add's is relative to. */
function writeUpdate(out: number[], value: unknown, path: string, previousExpiry: number | undefined): number | undefined {
  const update = (value ?? {}) as Partial<Record<string, unknown>>;
  switch (update.kind) {
    case 'add': {
      const hasDestination = update.destination !== undefined;
      out.push(hasDestination ? KIND_ADD_WITH_DESTINATION : KIND_ADD);
      writeVarint(out, checkUint(update.amountMsat, `${path}.amountMsat`, MAX_SAFE, 1), `${path}.amountMsat`);
      pushBytes(out, checkBytes(update.paymentHash, HASH_BYTES, `${path}.paymentHash`));
      const expiry = checkUint(update.cltvExpiry, `${path}.cltvExpiry`, MAX_EXPIRY);
      writeVarint(out, previousExpiry === undefined ? expiry : zigzag(expiry - previousExpiry), `${path}.cltvExpiry`);
      if (hasDestination) {
        pushBytes(out, checkBytes(update.destination, POINT_BYTES, `${path}.destination`));
        const amount = update.amountMsat as number;
        writeVarint(out, amount - checkUint(update.payeeAmountMsat, `${path}.payeeAmountMsat`, amount, 1), `${path}.payeeAmountMsat`);
      } else if (update.payeeAmountMsat !== undefined) {
        throw new DecodeError(`${path}.payeeAmountMsat`, 'only with a destination');
      }
      return expiry;
    }
    case 'fulfill':
      out.push(KIND_FULFILL);
      writeVarint(out, checkUint(update.id, `${path}.id`, MAX_SAFE), `${path}.id`);
      pushBytes(out, checkBytes(update.paymentPreimage, HASH_BYTES, `${path}.paymentPreimage`));
      return previousExpiry;
    case 'fail': {
      out.push(KIND_FAIL);
      writeVarint(out, checkUint(update.id, `${path}.id`, MAX_SAFE), `${path}.id`);
      const reason = update.reason;
      if (!(reason instanceof Uint8Array)) throw new DecodeError(`${path}.reason`, 'expected bytes');
      if (reason.length > MAX_REASON_BYTES) throw new DecodeError(`${path}.reason`, `more than ${MAX_REASON_BYTES} bytes`);
      writeVarint(out, reason.length, `${path}.reason`);
      pushBytes(out, reason);
      return previousExpiry;
    }
    case 'fee':
      out.push(KIND_FEE);
      writeVarint(out, checkUint(update.feeratePerKw, `${path}.feeratePerKw`, MAX_FEERATE_PER_KW, MIN_FEERATE_PER_KW), `${path}.feeratePerKw`);
      return previousExpiry;
    default:
      throw new DecodeError(`${path}.kind`, 'expected add, fulfill, fail or fee');
  }
}

function checkUint(value: unknown, path: string, max: number, min = 0): number {
  if (value === undefined) throw new DecodeError(path, 'missing');
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new DecodeError(path, 'expected an unsigned integer');
  if (value < min || value > max) throw new DecodeError(path, `${value} is outside [${min}, ${max}]`);
  return value;
}

function checkBytes(value: unknown, length: number, path: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) throw new DecodeError(path, `expected ${length} bytes`);
  return value;
}

function pushBytes(out: number[], bytes: Uint8Array): void {
  for (const byte of bytes) out.push(byte);
}

/** A signed difference as an unsigned number: 0, -1, 1, -2, 2 ... as 0, 1, 2, 3, 4 ... */
function zigzag(difference: number): number {
  return difference >= 0 ? difference * 2 : -difference * 2 - 1;
}

function unzigzag(value: number): number {
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

// ---- decoding ---------------------------------------------------------------

/**
 * Decodes an `update` that fills all of `bytes` (the caller has checked the
 * total size). Throws `DecodeError` naming the field; nothing is allocated
 * for a count or length before the bytes it claims are known to be there.
 */
export function decodeChannelUpdate(bytes: Uint8Array): ChannelUpdate {
  const reader: ByteReader = { bytes, offset: 0 };
  const type = readByte(reader, 'type');
  if (type !== UPDATE_TYPE) throw new DecodeError('type', `expected ${UPDATE_TYPE} (update), got ${type}`);
  const handle = readUint(reader, 'update.handle', MAX_HANDLE);
  const sequence = readByte(reader, 'update.sequence');
  const flags = readByte(reader, 'update.flags');
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new DecodeError('update.flags', `unknown flag bits 0x${(flags & ~KNOWN_FLAGS).toString(16).padStart(2, '0')}`);

  let revocation: Revocation | undefined;
  if (flags & FLAG_REVOCATION) {
    const perCommitmentSecret = readFixed(reader, SECRET_BYTES, 'update.revocation.perCommitmentSecret');
    revocation = { perCommitmentSecret, nextPerCommitmentPoint: readFixed(reader, POINT_BYTES, 'update.revocation.nextPerCommitmentPoint') };
  }
  const updates: Update[] = [];
  if (flags & FLAG_UPDATES) {
    const count = readUint(reader, 'update.updates', MAX_UPDATES, 1);
    let previousExpiry: number | undefined;
    for (let i = 0; i < count; i++) {
      const update = readUpdate(reader, `update.updates[${i}]`, previousExpiry);
      if (update.kind === 'add') previousExpiry = update.cltvExpiry;
      updates.push(update);
    }
  }
  let commitment: CommitmentSignatures | undefined;
  if (flags & FLAG_COMMITMENT) {
    const signature = readFixed(reader, SIGNATURE_BYTES, 'update.commitment.signature');
    const count = readUint(reader, 'update.commitment.htlcSignatures', MAX_HTLCS);
    const left = bytes.length - reader.offset;
    if (count * SIGNATURE_BYTES > left) throw new DecodeError('update.commitment.htlcSignatures', `${count} signatures need ${count * SIGNATURE_BYTES} bytes, ${left} left`);
    const htlcSignatures = Array.from({ length: count }, (_, i) => readFixed(reader, SIGNATURE_BYTES, `update.commitment.htlcSignatures[${i}]`));
    commitment = { signature, htlcSignatures };
  }
  if (reader.offset !== bytes.length) throw new DecodeError('message', `${bytes.length - reader.offset} bytes left over after the message`);
  return { type: 'update', handle, sequence, ...(revocation && { revocation }), updates, ...(commitment && { commitment }) };
}

function readUpdate(reader: ByteReader, path: string, previousExpiry: number | undefined): Update {
  const kind = readByte(reader, `${path}.kind`);
  switch (kind) {
    case KIND_ADD:
    case KIND_ADD_WITH_DESTINATION: {
      const amountMsat = readUint(reader, `${path}.amountMsat`, MAX_SAFE, 1);
      const paymentHash = readFixed(reader, HASH_BYTES, `${path}.paymentHash`);
      const cltvExpiry = readExpiry(reader, `${path}.cltvExpiry`, previousExpiry);
      if (kind === KIND_ADD) return { kind: 'add', amountMsat, paymentHash, cltvExpiry };
      const destination = readFixed(reader, POINT_BYTES, `${path}.destination`);
      const fees = readUint(reader, `${path}.payeeAmountMsat`, amountMsat - 1);
      return { kind: 'add', amountMsat, paymentHash, cltvExpiry, destination, payeeAmountMsat: amountMsat - fees };
    }
    case KIND_FULFILL: {
      const id = readUint(reader, `${path}.id`, MAX_SAFE);
      return { kind: 'fulfill', id, paymentPreimage: readFixed(reader, HASH_BYTES, `${path}.paymentPreimage`) };
    }
    case KIND_FAIL: {
      const id = readUint(reader, `${path}.id`, MAX_SAFE);
      const length = readUint(reader, `${path}.reason`, MAX_REASON_BYTES);
      return { kind: 'fail', id, reason: readFixed(reader, length, `${path}.reason`) };
    }
    case KIND_FEE:
      return { kind: 'fee', feeratePerKw: readUint(reader, `${path}.feeratePerKw`, MAX_FEERATE_PER_KW, MIN_FEERATE_PER_KW) };
    default:
      throw new DecodeError(`${path}.kind`, `unknown update kind ${kind}`);
  }
}

/** The first add's expiry as it is, each later one from its zigzag difference to the one before. */
function readExpiry(reader: ByteReader, path: string, previousExpiry: number | undefined): number {
  if (previousExpiry === undefined) return readUint(reader, path, MAX_EXPIRY);
  const difference = unzigzag(readUint(reader, path, zigzag(MAX_EXPIRY)));
  const expiry = previousExpiry + difference;
  if (expiry < 0 || expiry > MAX_EXPIRY) throw new DecodeError(path, `${previousExpiry} ${difference < 0 ? '-' : '+'} ${Math.abs(difference)} is outside [0, ${MAX_EXPIRY}]`);
  return expiry;
}

function readByte(reader: ByteReader, path: string): number {
  const byte = reader.bytes[reader.offset];
  if (byte === undefined) throw new DecodeError(path, 'message ends early');
  reader.offset++;
  return byte;
}

function readUint(reader: ByteReader, path: string, max: number, min = 0): number {
  const value = readVarint(reader, max, (reason) => new DecodeError(path, reason));
  if (value < min) throw new DecodeError(path, `${value} is less than the ${min} allowed`);
  return value;
}

function readFixed(reader: ByteReader, length: number, path: string): Uint8Array {
  const left = reader.bytes.length - reader.offset;
  if (length > left) throw new DecodeError(path, `needs ${length} bytes, ${left} left`);
  // A plain copy, even when the input is a Node Buffer (whose slice() shares memory with a frame that may be reused).
  const bytes = new Uint8Array(reader.bytes.subarray(reader.offset, reader.offset + length));
  reader.offset += length;
  return bytes;
}
