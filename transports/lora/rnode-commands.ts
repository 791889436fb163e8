/**
 * The RNode host protocol (markqvist/RNode_Firmware, Framing.h): KISS frames
 * whose command byte says what the payload is. The host sets each radio
 * parameter with a command, and the firmware answers every one with the
 * same command carrying the value it now uses, so the host can check that
 * the radio took it (a board clamps TX power, the chip rounds bandwidth).
 */
import { encodeKissFrame } from './kiss.js';

/** Command bytes the transport and the test model use; the firmware defines more. */
export const RnodeCommand = {
  data: 0x00,
  frequency: 0x01,
  bandwidth: 0x02,
  txPower: 0x03,
  spreadingFactor: 0x04,
  codingRate: 0x05,
  radioState: 0x06,
  detect: 0x08,
  leave: 0x0a,
  ready: 0x0f,
  statRssi: 0x23,
  statSnr: 0x24,
  error: 0x90,
} as const;

/** CMD_DETECT: the host asks with 0x73, an RNode answers 0x46. */
export const DETECT_REQUEST = 0x73;
export const DETECT_RESPONSE = 0x46;

export const RADIO_STATE_OFF = 0x00;
export const RADIO_STATE_ON = 0x01;
/** A one-byte setting argument of 0xFF (or a four-byte one of 0) asks for the value without changing it. */
export const QUERY_BYTE = 0xff;
/** CMD_LEAVE's argument: the host detaches. */
export const LEAVE_BYTE = 0xff;

/** CMD_ERROR codes. */
export const RnodeErrorCode = {
  initRadio: 0x01,
  txFailed: 0x02,
  eepromLocked: 0x03,
  queueFull: 0x04,
  memoryLow: 0x05,
  modemTimeout: 0x06,
} as const;

const ERROR_TEXT: Record<number, string> = {
  [RnodeErrorCode.initRadio]: 'the radio could not be initialised',
  [RnodeErrorCode.txFailed]: 'transmission failed (is the radio on?)',
  [RnodeErrorCode.eepromLocked]: 'the EEPROM is locked (the board is not provisioned)',
  [RnodeErrorCode.queueFull]: 'the transmit queue is full',
  [RnodeErrorCode.memoryLow]: 'the firmware is low on memory',
  [RnodeErrorCode.modemTimeout]: 'the modem timed out',
};

/** A CMD_ERROR payload, in words. */
export function describeRnodeError(payload: Uint8Array): string {
  const code = payload[0];
  if (code === undefined) return 'an error without a code';
  return ERROR_TEXT[code] ?? `error code 0x${code.toString(16).padStart(2, '0')}`;
}

/** Largest CMD_DATA payload the firmware takes: two LoRa packets of 254 data bytes (Config.h MTU). */
export const RNODE_MTU = 508;
/** The firmware's largest single LoRa packet, and its one-byte header (sequence nibble, split flag). */
export const RNODE_SINGLE_PACKET_BYTES = 255;
export const RNODE_HEADER_BYTES = 1;
export const RNODE_FLAG_SPLIT = 0x01;

/** Frequency and bandwidth travel as 4-byte big-endian Hz. */
export function encodeUint32(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new RangeError(`${value} does not fit in 4 bytes`);
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

/** A 4-byte big-endian answer, or undefined for a payload of another length. */
export function decodeUint32(payload: Uint8Array): number | undefined {
  if (payload.length !== 4) return undefined;
  return (((payload[0] ?? 0) << 24) >>> 0) + ((payload[1] ?? 0) << 16) + ((payload[2] ?? 0) << 8) + (payload[3] ?? 0);
}

/** Spreading factor, coding rate, TX power and radio state travel as one byte. */
export function decodeByte(payload: Uint8Array): number | undefined {
  return payload.length === 1 ? payload[0] : undefined;
}

export const setFrequency = (hz: number): Uint8Array => encodeKissFrame(RnodeCommand.frequency, encodeUint32(hz));
export const setBandwidth = (hz: number): Uint8Array => encodeKissFrame(RnodeCommand.bandwidth, encodeUint32(hz));
export const setTxPower = (dbm: number): Uint8Array => encodeKissFrame(RnodeCommand.txPower, Uint8Array.of(dbm));
export const setSpreadingFactor = (sf: number): Uint8Array => encodeKissFrame(RnodeCommand.spreadingFactor, Uint8Array.of(sf));
export const setCodingRate = (denominator: number): Uint8Array => encodeKissFrame(RnodeCommand.codingRate, Uint8Array.of(denominator));
export const setRadioState = (on: boolean): Uint8Array => encodeKissFrame(RnodeCommand.radioState, Uint8Array.of(on ? RADIO_STATE_ON : RADIO_STATE_OFF));
export const detectRequest = (): Uint8Array => encodeKissFrame(RnodeCommand.detect, Uint8Array.of(DETECT_REQUEST));
export const leaveRequest = (): Uint8Array => encodeKissFrame(RnodeCommand.leave, Uint8Array.of(LEAVE_BYTE));
/** Asks for the frequency the radio really uses (a zero argument sets nothing). */
export const queryFrequency = (): Uint8Array => encodeKissFrame(RnodeCommand.frequency, encodeUint32(0));
/** Asks for the bandwidth the radio really uses. */
export const queryBandwidth = (): Uint8Array => encodeKissFrame(RnodeCommand.bandwidth, encodeUint32(0));
export const dataFrame = (payload: Uint8Array): Uint8Array => encodeKissFrame(RnodeCommand.data, payload);

/**
 * The sizes of the LoRa packets the firmware transmits for one CMD_DATA
 * frame: a one-byte header then the data, split in two packets (each with
 * the header) when the frame does not fit in 254 bytes (RNode_Firmware.ino
 * `transmit`). Airtime is paid per packet, header included.
 */
export function rnodePacketSizes(frameBytes: number): number[] {
  const capacity = RNODE_SINGLE_PACKET_BYTES - RNODE_HEADER_BYTES;
  if (frameBytes <= capacity) return [frameBytes + RNODE_HEADER_BYTES];
  const second = frameBytes - capacity + RNODE_HEADER_BYTES;
  // The firmware starts a new packet whenever one fills up, so a full second packet
  // (a 508-byte frame) is followed by a third holding only the header.
  return second === RNODE_SINGLE_PACKET_BYTES ? [RNODE_SINGLE_PACKET_BYTES, second, RNODE_HEADER_BYTES] : [RNODE_SINGLE_PACKET_BYTES, second];
}

/**
 * The preamble the firmware configures for a data rate: enough symbols for
 * 24 ms (LORA_PREAMBLE_TARGET_MS), never fewer than 18
 * (LORA_PREAMBLE_SYMBOLS_MIN). Airtime depends on it, so the transport uses
 * it unless told otherwise.
 */
export function rnodePreambleSymbols(spreadingFactor: number, bandwidthHz: number): number {
  const symbolMs = (2 ** spreadingFactor * 1000) / bandwidthHz;
  return Math.max(18, Math.ceil(24 / symbolMs));
}
