/**
 * What a packet costs on the air: the 16-byte radio header (firmware
 * RadioInterface.h, PacketHeader: to, from, id, flags, channel hash, next
 * hop, relay node) and the encrypted Data protobuf. AES-CTR keeps the
 * length, so the model counts bytes and never encrypts; a packet encrypted
 * to the destination's public key carries 12 bytes more.
 */
import type { MeshData } from '../../../transports/meshtastic/client-messages.js';

/** RadioInterface.h: MESHTASTIC_HEADER_LENGTH, MAX_LORA_PAYLOAD_LEN, MESHTASTIC_PKC_OVERHEAD. */
export const HEADER_LENGTH = 16;
export const MAX_LORA_PAYLOAD_LEN = 255;
export const PKC_OVERHEAD = 12;

function varintLength(value: number): number {
  let length = 1;
  for (let rest = value >>> 7; rest > 0; rest >>>= 7) length++;
  return length;
}

/**
 * The Data protobuf's length as the sender's radio encodes it (Router.cpp
 * perhapsEncode): portnum 1, payload 2, want_response 3, request_id 6
 * (fixed32), and for a packet it originates `bitfield` 9, which it always
 * sets (has_bitfield = true: OK-to-MQTT and want-response bits), so even a
 * zero costs 2 bytes.
 */
export function encodedDataLength(data: MeshData, originated: boolean): number {
  let length = 0;
  if (data.portnum !== 0) length += 1 + varintLength(data.portnum);
  if (data.payload.length > 0) length += 1 + varintLength(data.payload.length) + data.payload.length;
  if (data.wantResponse) length += 2;
  if (data.requestId !== 0) length += 5;
  if (originated) length += 1 + varintLength(data.wantResponse ? 2 : 0);
  return length;
}

/** The LoRa payload: header, encrypted Data, and the PKC tag and nonce when encrypted to a node's key. */
export function onAirLength(dataLength: number, pki: boolean): number {
  return HEADER_LENGTH + dataLength + (pki ? PKC_OVERHEAD : 0);
}
