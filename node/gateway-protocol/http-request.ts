/**
 * Signed requests to the watchtower's local HTTP API (`gateway/tower/http-api.ts`),
 * for clients that are not on the mesh: a wallet on the gateway's machine,
 * the node CLI. On the mesh the link layer authenticates the node; here the
 * body carries the node's signature, so that only the holder of the node key
 * can fill that node's quota or drop its appointments.
 *
 * Both sides live in this file: the client builds and signs a body, the API
 * parses and verifies it. Bytes travel as hex in JSON.
 *
 *   appointments: sha256("lnmesh/tower/http/appointments/1" || gateway id (33) || signedAt (8, BE) ||
 *                        receiptDigest(node id, appointments) (32))
 *   drop-tag:     sha256("lnmesh/tower/http/drop-tag/1" || gateway id (33) || signedAt (8, BE) ||
 *                        node id (33) || tag length (1) || tag)
 *
 * The batch is committed to as the receipt commits to it (`receipt.ts`: node
 * id, count, each locator, tag and blob), under its own domain, so a request
 * signature is never a receipt nor the other way round. The gateway's id is
 * in the digest: a request made for one tower is refused by any other (the
 * client knows that key anyway, it checks the receipt with it). `signedAt`
 * (seconds since the epoch) lets the tower refuse an old request replayed
 * long after; a replay within the tower's window is harmless (see the API).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../core/hex.js';
import { InvalidInputError, checkArray, checkBytes, checkHex, checkInteger, checkObject, describe } from '../core/input.js';
import { checkPublicKey, verifyDigest } from '../core/curve.js';
import { MAX_APPOINTMENTS_PER_BATCH, MAX_BLOB_BYTES, MAX_TAG_BYTES, type TowerAppointment } from './gateway-messages.js';
import { LOCATOR_LENGTH, checkTowerTag } from './appointment.js';
import { type TowerSigner, receiptDigest } from './receipt.js';
import { MAX_CHANNEL_RECORD_BYTES, checkChannelRecord } from './tower-channel.js';

/** The node's key, signing 32-byte digests (the shape of the tower's signer); the secret stays inside. */
export type RequestSigner = TowerSigner;

/** `POST /v1/appointments`, as JSON. */
export interface AppointmentsRequestBody {
  /** The node's 33-byte public key, hex. */
  readonly nodeId: string;
  /** When the node signed, in seconds since the epoch. */
  readonly signedAt: number;
  /** `channel`: the tag's channel record (`tower-channel.ts`), hex, beside an appointment that brings it. */
  readonly appointments: readonly { readonly locator: string; readonly blob: string; readonly tag: string; readonly channel?: string }[];
  /** The node's 64-byte compact signature of `appointmentsRequestDigest`, hex. */
  readonly signature: string;
}

/** `POST /v1/drop-tag`, as JSON. */
export interface DropTagRequestBody {
  readonly nodeId: string;
  readonly signedAt: number;
  /** The channel's tag, hex, as the node gave it with its appointments. */
  readonly tag: string;
  readonly signature: string;
}

/** An `AppointmentsRequestBody` checked and decoded (signature not yet verified). */
export interface AppointmentsRequest {
  readonly nodeId: Uint8Array;
  readonly signedAt: number;
  readonly appointments: readonly TowerAppointment[];
  readonly signature: Uint8Array;
}

export interface DropTagRequest {
  readonly nodeId: Uint8Array;
  readonly signedAt: number;
  readonly tag: Uint8Array;
  readonly signature: Uint8Array;
}

const APPOINTMENTS_DOMAIN = new TextEncoder().encode('lnmesh/tower/http/appointments/1');
const DROP_TAG_DOMAIN = new TextEncoder().encode('lnmesh/tower/http/drop-tag/1');
/** Up to the largest safe integer: any real time in seconds. */
const MAX_SIGNED_AT = Number.MAX_SAFE_INTEGER;

export function appointmentsRequestDigest(gatewayId: Uint8Array, nodeId: Uint8Array, signedAt: number, appointments: readonly TowerAppointment[]): Uint8Array {
  checkPublicKey('gatewayId', gatewayId);
  return sha256.create().update(APPOINTMENTS_DOMAIN).update(gatewayId).update(uint64(signedAt)).update(receiptDigest(nodeId, appointments)).digest();
}

export function dropTagRequestDigest(gatewayId: Uint8Array, nodeId: Uint8Array, signedAt: number, tag: Uint8Array): Uint8Array {
  checkPublicKey('gatewayId', gatewayId);
  checkPublicKey('nodeId', nodeId);
  checkTowerTag('tag', tag);
  return sha256.create().update(DROP_TAG_DOMAIN).update(gatewayId).update(uint64(signedAt)).update(nodeId).update(Uint8Array.of(tag.length)).update(tag).digest();
}

/**
 * The client's side: the body of `POST /v1/appointments` for this batch,
 * signed by the node for the tower `gatewayId`. `signedAt`: now, in seconds
 * since the epoch (`Math.floor(clock.now() / 1000)`).
 */
export function signAppointmentsRequest(signer: RequestSigner, gatewayId: Uint8Array, appointments: readonly TowerAppointment[], signedAt: number): AppointmentsRequestBody {
  checkArray('appointments', appointments, 1, MAX_APPOINTMENTS_PER_BATCH);
  appointments.forEach((appointment, i) => checkAppointment(`appointments[${i}]`, appointment));
  const signature = signer.sign(appointmentsRequestDigest(gatewayId, signer.nodeId, signedAt, appointments));
  return {
    nodeId: bytesToHex(signer.nodeId),
    signedAt,
    appointments: appointments.map(({ locator, blob, tag, channel }) => ({ locator: bytesToHex(locator), blob: bytesToHex(blob), tag: bytesToHex(tag), ...(channel && { channel: bytesToHex(channel) }) })),
    signature: bytesToHex(signature),
  };
}

/** The client's side: the body of `POST /v1/drop-tag`, signed by the node for the tower `gatewayId`. */
export function signDropTagRequest(signer: RequestSigner, gatewayId: Uint8Array, tag: Uint8Array, signedAt: number): DropTagRequestBody {
  const signature = signer.sign(dropTagRequestDigest(gatewayId, signer.nodeId, signedAt, tag));
  return { nodeId: bytesToHex(signer.nodeId), signedAt, tag: bytesToHex(tag), signature: bytesToHex(signature) };
}

/**
 * The tower's side: a parsed JSON body, checked field by field. Anything
 * malformed is an `InvalidInputError` naming the field (`appointments[3].blob`).
 * Lengths are bounded here; what only the store decides (a blob too short
 * to be a sealed kit) is left to it.
 */
export function parseAppointmentsRequest(body: unknown): AppointmentsRequest {
  const fields = checkObject('body', body as object) as Record<string, unknown>;
  const nodeId = parseNodeId(fields.nodeId);
  const signedAt = parseSignedAt(fields.signedAt);
  const list = checkArray('appointments', fields.appointments as unknown[], 1, MAX_APPOINTMENTS_PER_BATCH);
  const appointments = list.map((item, i): TowerAppointment => {
    const field = `appointments[${i}]`;
    const appointment = checkObject(field, item as object) as Record<string, unknown>;
    return checkAppointment(field, {
      locator: checkHex(`${field}.locator`, appointment.locator, LOCATOR_LENGTH),
      blob: parseHexUpTo(`${field}.blob`, appointment.blob, MAX_BLOB_BYTES),
      tag: parseHexUpTo(`${field}.tag`, appointment.tag, MAX_TAG_BYTES),
      ...(appointment.channel !== undefined && { channel: checkChannelRecord(`${field}.channel`, parseHexUpTo(`${field}.channel`, appointment.channel, MAX_CHANNEL_RECORD_BYTES)) }),
    });
  });
  return { nodeId, signedAt, appointments, signature: checkHex('signature', fields.signature, 64) };
}

export function parseDropTagRequest(body: unknown): DropTagRequest {
  const fields = checkObject('body', body as object) as Record<string, unknown>;
  return {
    nodeId: parseNodeId(fields.nodeId),
    signedAt: parseSignedAt(fields.signedAt),
    tag: parseHexUpTo('tag', fields.tag, MAX_TAG_BYTES),
    signature: checkHex('signature', fields.signature, 64),
  };
}

/** True when the request's signature is its node's, for this tower. */
export function verifyAppointmentsRequest(gatewayId: Uint8Array, request: AppointmentsRequest): boolean {
  return verifyDigest(request.signature, appointmentsRequestDigest(gatewayId, request.nodeId, request.signedAt, request.appointments), request.nodeId);
}

export function verifyDropTagRequest(gatewayId: Uint8Array, request: DropTagRequest): boolean {
  return verifyDigest(request.signature, dropTagRequestDigest(gatewayId, request.nodeId, request.signedAt, request.tag), request.nodeId);
}

function checkAppointment(field: string, appointment: TowerAppointment): TowerAppointment {
  if (typeof appointment !== 'object' || appointment === null) throw new InvalidInputError(field, `expected an appointment, got ${describe(appointment)}`);
  checkBytes(`${field}.locator`, appointment.locator, LOCATOR_LENGTH);
  const blob = checkBytes(`${field}.blob`, appointment.blob);
  if (blob.length > MAX_BLOB_BYTES) throw new InvalidInputError(`${field}.blob`, `at most ${MAX_BLOB_BYTES} bytes, got ${blob.length}`);
  checkTowerTag(`${field}.tag`, appointment.tag);
  return appointment;
}


function parseNodeId(value: unknown): Uint8Array {
  return checkPublicKey('nodeId', checkHex('nodeId', value, 33));
}

function parseSignedAt(value: unknown): number {
  return checkInteger('signedAt', value, 0, MAX_SIGNED_AT);
}

/** Hex of at most `maxBytes` bytes; the length is checked before decoding. */
function parseHexUpTo(field: string, value: unknown, maxBytes: number): Uint8Array {
  if (typeof value === 'string' && value.length > maxBytes * 2) throw new InvalidInputError(field, `at most ${maxBytes} bytes, got ${Math.ceil(value.length / 2)}`);
  return checkHex(field, value);
}

function uint64(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(checkInteger('signedAt', value, 0, MAX_SIGNED_AT)));
  return bytes;
}
