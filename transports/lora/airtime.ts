/**
 * Time on air of a LoRa packet, by Semtech's formula (AN1200.13 "LoRa Modem
 * Designer's Guide"; SX1276 datasheet, section 4.1.1.7). Duty-cycle budgets,
 * transmit pacing and the `lnmesh airtime` command all rest on it.
 *
 *   symbol time     Tsym = 2^SF / BW
 *   preamble        (preamble symbols + 4.25) * Tsym
 *   payload symbols 8 + max(ceil((8*PL - 4*SF + 28 + 16*CRC - 20*IH) / (4*(SF - 2*DE))) * CR, 0)
 *
 * with PL the payload bytes, CRC 1 when the payload CRC is on, IH 1 for an
 * implicit header, DE 1 with low-data-rate optimisation, CR the coding rate
 * denominator (5 for 4/5 ... 8 for 4/8).
 */
import { checkInteger, InvalidInputError } from '../../node/core/input.js';

export interface LoRaModulation {
  /** 6 to 12. */
  readonly spreadingFactor: number;
  /** In Hz, 7800 to 500000 (the chip offers 7.8, 10.4, 15.6, 20.8, 31.25, 41.7, 62.5, 125, 250, 500 kHz). */
  readonly bandwidthHz: number;
  /** The coding rate's denominator: 5 for 4/5 ... 8 for 4/8. */
  readonly codingRate: number;
  /** Preamble symbols programmed in the radio; default 8 (LoRaWAN). */
  readonly preambleSymbols?: number;
  /** Explicit header (length, coding rate and CRC flag sent in the packet); default true. */
  readonly explicitHeader?: boolean;
  /** Payload CRC; default true. */
  readonly crc?: boolean;
  /** Low-data-rate optimisation; default 'auto': on when a symbol lasts more than 16 ms. */
  readonly lowDataRateOptimize?: boolean | 'auto';
}

/** Largest payload a LoRa packet can carry: its length field is one byte. */
export const MAX_LORA_PAYLOAD_BYTES = 255;

/** Symbol duration in milliseconds. */
export function symbolTimeMs(spreadingFactor: number, bandwidthHz: number): number {
  return (2 ** spreadingFactor * 1000) / bandwidthHz;
}

/**
 * Whether low-data-rate optimisation is on. In 'auto' it follows the
 * datasheet's rule (mandated when a symbol lasts more than 16 ms: SF11 and
 * SF12 at 125 kHz, SF12 at 250 kHz), which is also what LoRaWAN stacks and
 * the RNode firmware do.
 */
export function lowDataRateOptimizeApplies(modulation: LoRaModulation): boolean {
  const setting = modulation.lowDataRateOptimize ?? 'auto';
  if (setting !== 'auto') return setting;
  return symbolTimeMs(modulation.spreadingFactor, modulation.bandwidthHz) > 16;
}

/** Checks a modulation, naming the field at fault. */
export function checkModulation(modulation: LoRaModulation): void {
  checkInteger('spreadingFactor', modulation.spreadingFactor, 6, 12);
  const bandwidth = modulation.bandwidthHz;
  if (typeof bandwidth !== 'number' || !Number.isFinite(bandwidth) || bandwidth < 7800 || bandwidth > 500_000) {
    throw new InvalidInputError('bandwidthHz', `${String(bandwidth)} is outside [7800, 500000] Hz`);
  }
  checkInteger('codingRate', modulation.codingRate, 5, 8);
  if (modulation.preambleSymbols !== undefined) checkInteger('preambleSymbols', modulation.preambleSymbols, 6, 65535);
}

/** Number of payload symbols (header, payload and CRC), from the formula above. */
export function payloadSymbols(modulation: LoRaModulation, payloadBytes: number): number {
  checkModulation(modulation);
  checkInteger('payloadBytes', payloadBytes, 0, MAX_LORA_PAYLOAD_BYTES);
  const sf = modulation.spreadingFactor;
  const crc = (modulation.crc ?? true) ? 1 : 0;
  const implicitHeader = (modulation.explicitHeader ?? true) ? 0 : 1;
  const lowDataRate = lowDataRateOptimizeApplies(modulation) ? 1 : 0;
  const numerator = 8 * payloadBytes - 4 * sf + 28 + 16 * crc - 20 * implicitHeader;
  const blocks = Math.ceil(numerator / (4 * (sf - 2 * lowDataRate)));
  return 8 + Math.max(blocks * modulation.codingRate, 0);
}

/** Time on air of one packet of `payloadBytes`, in milliseconds. */
export function timeOnAirMs(modulation: LoRaModulation, payloadBytes: number): number {
  const symbols = (modulation.preambleSymbols ?? 8) + 4.25 + payloadSymbols(modulation, payloadBytes);
  // One division at the end: at 125 kHz the result is the exact decimal a calculator shows.
  return (symbols * 2 ** modulation.spreadingFactor * 1000) / modulation.bandwidthHz;
}

/**
 * The largest frame the LoRa transport sends at a data rate, in bytes.
 *
 * The rule: one frame is one LoRa packet, never the RNode firmware's
 * two-packet split (up to 508 bytes), because losing either half loses the
 * whole frame and a long packet is more likely to collide; the link layer
 * fragments anyway. Within one packet, the size follows LoRaWAN's EU868
 * table (RP002: PHY payloads of 255 bytes at DR4-DR5 = SF7-SF8, 128 at
 * DR3 = SF9, 64 at DR0-DR2 = SF10-SF12, all at 125 kHz), which keeps one
 * packet's airtime within what a shared channel tolerates. The table is
 * keyed on symbol time so it extends to other bandwidths (SF9 at 250 kHz has
 * SF8's symbol time at 125 kHz, and the same limit). One byte of each packet
 * is the RNode header, so the frame gets one byte less: 254 or 127. Slower
 * rates keep SF9's 127 rather than LoRaWAN's 64: the link handshake's third
 * act is 68 bytes with its header and must fit in one frame.
 */
export function maxPayloadForDataRate(spreadingFactor: number, bandwidthHz: number): number {
  checkModulation({ spreadingFactor, bandwidthHz, codingRate: 5 });
  // Compares 2^SF / BW with 2^8 / 125 kHz without rounding.
  const chips = 2 ** spreadingFactor * 125_000;
  if (chips <= 2 ** 8 * bandwidthHz) return 254;
  return 127;
}
