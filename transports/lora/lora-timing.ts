/**
 * The first retransmission of a link over an RNode. The link's 5 s default
 * suits the fast data rates (a full frame is 0.4 s on the air at SF7,
 * 125 kHz); at SF12 one full frame alone is 5.3 s, so the link sent every
 * fragment again before its first copy had even arrived, and its answer
 * after it (bench/lora.ts: 29 frames a payment instead of 13).
 *
 * The wait: the frame before it still on the air (a message's fragments go
 * back to back), the frame itself, and a full answer back carrying the ack
 * (a payment's commitment dance answers every frame): three full packets at
 * the data rate, with the RNode's preamble, rounded up to 100 ms, never
 * under the link's 5 s.
 */
import { maxPayloadForDataRate, timeOnAirMs } from './airtime.js';
import { RNODE_HEADER_BYTES, rnodePreambleSymbols } from './rnode-commands.js';

/** Never shorter than the link's default: the radio's queue and the neighbour's own wait come on top. */
export const LINK_DEFAULT_RETRANSMIT_MS = 5000;

export interface LoRaDataRate {
  readonly spreadingFactor: number;
  readonly bandwidthHz: number;
  /** 5 (4/5) to 8 (4/8); default 5. */
  readonly codingRate?: number;
}

/** Time on air of the largest packet the LoRa transport sends at this data rate (its frame and the RNode's header byte). */
export function fullPacketMs({ spreadingFactor, bandwidthHz, codingRate = 5 }: LoRaDataRate): number {
  const bytes = maxPayloadForDataRate(spreadingFactor, bandwidthHz) + RNODE_HEADER_BYTES;
  return timeOnAirMs({ spreadingFactor, bandwidthHz, codingRate, preambleSymbols: rnodePreambleSymbols(spreadingFactor, bandwidthHz) }, bytes);
}

/** The link's first retransmission over an RNode at this data rate: three full packets, at least 5 s. */
export function loraRetransmitBaseMs(rate: LoRaDataRate): number {
  return Math.max(LINK_DEFAULT_RETRANSMIT_MS, Math.ceil((3 * fullPacketMs(rate)) / 100) * 100);
}
