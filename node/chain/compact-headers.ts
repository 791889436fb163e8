/**
 * Block headers in about half their size, for the air.
 *
 * A run of headers repeats most of itself: each one's previous-block hash is
 * the hash of the header before it, and the version and the target (bits)
 * rarely change. A compact header keeps only what the one before cannot
 * give: a flags byte, the time as a signed difference (zigzag varint), the
 * nonce and the merkle root, and the version or bits only when they change.
 * That is 38 bytes instead of 80. Nothing is trusted by leaving things out:
 * the full header is rebuilt from the header before it, and its proof of
 * work (which covers the implied previous hash) is checked as usual.
 */
import { type BlockHeader, HEADER_LENGTH, decodeHeader, encodeHeader, headerHash } from './block-header.js';
import { type ByteReader, readVarint, writeVarint } from '../core/varint.js';

const VERSION_CHANGES = 0x01;
const BITS_CHANGES = 0x02;
/** Flags, nonce and merkle root: what every compact header has. */
export const COMPACT_HEADER_MIN_BYTES = 1 + 1 + 4 + 32;
/** With a new version and bits and the longest time difference. */
export const COMPACT_HEADER_MAX_BYTES = 1 + 4 + 4 + 5 + 4 + 32;

export class CompactHeaderError extends Error {
  override name = 'CompactHeaderError';
}

/** `headers` (80 bytes each), the first following `previous`, as compact bytes. */
export function encodeCompactHeaders(previous: Uint8Array, headers: readonly Uint8Array[]): Uint8Array {
  const out: number[] = [];
  let before = decodeHeader(previous);
  for (const raw of headers) {
    const header = decodeHeader(raw);
    const flags = (header.version !== before.version ? VERSION_CHANGES : 0) | (header.bits !== before.bits ? BITS_CHANGES : 0);
    out.push(flags);
    if (flags & VERSION_CHANGES) pushUint32(out, header.version >>> 0);
    if (flags & BITS_CHANGES) pushUint32(out, header.bits);
    writeVarint(out, zigzag(header.time - before.time), 'time');
    pushUint32(out, header.nonce);
    out.push(...header.merkleRoot);
    before = header;
  }
  return Uint8Array.from(out);
}

/**
 * The full headers back, the first following `previous`; at most
 * `maxHeaders`. Throws `CompactHeaderError` for anything malformed.
 */
export function decodeCompactHeaders(previous: Uint8Array, bytes: Uint8Array, maxHeaders: number): Uint8Array[] {
  if (previous.length !== HEADER_LENGTH) throw new CompactHeaderError('the previous header is not 80 bytes');
  if (bytes.length > maxHeaders * COMPACT_HEADER_MAX_BYTES) throw new CompactHeaderError(`${bytes.length} bytes, more than ${maxHeaders} headers take`);
  const reader: ByteReader = { bytes, offset: 0 };
  const refuse = (reason: string) => new CompactHeaderError(`header ${headers.length}: ${reason}`);
  const headers: Uint8Array[] = [];
  let before: BlockHeader = decodeHeader(previous);
  let beforeRaw = previous;
  while (reader.offset < bytes.length) {
    if (headers.length === maxHeaders) throw new CompactHeaderError(`more than ${maxHeaders} headers`);
    const flags = readBytes(reader, 1, refuse)[0]!;
    if (flags & ~(VERSION_CHANGES | BITS_CHANGES)) throw refuse(`unknown flags 0x${flags.toString(16)}`);
    const version = flags & VERSION_CHANGES ? readUint32(reader, refuse) | 0 : before.version;
    const bits = flags & BITS_CHANGES ? readUint32(reader, refuse) : before.bits;
    const time = before.time + unzigzag(readVarint(reader, 0xffff_ffff * 2, refuse));
    if (time < 0 || time > 0xffff_ffff) throw refuse(`a time of ${time} is out of range`);
    const nonce = readUint32(reader, refuse);
    const merkleRoot = readBytes(reader, 32, refuse);
    const header: BlockHeader = { version, prevHash: headerHash(beforeRaw), merkleRoot, time, bits, nonce };
    const raw = encodeHeader(header);
    headers.push(raw);
    before = header;
    beforeRaw = raw;
  }
  return headers;
}

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

function unzigzag(value: number): number {
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

function pushUint32(out: number[], value: number): void {
  out.push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
}

function readUint32(reader: ByteReader, refuse: (reason: string) => Error): number {
  const b = readBytes(reader, 4, refuse);
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}

function readBytes(reader: ByteReader, length: number, refuse: (reason: string) => Error): Uint8Array {
  if (reader.offset + length > reader.bytes.length) throw refuse('ends early');
  const slice = reader.bytes.slice(reader.offset, reader.offset + length);
  reader.offset += length;
  return slice;
}
