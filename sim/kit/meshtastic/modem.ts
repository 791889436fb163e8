/**
 * Modem presets and regions as the Meshtastic firmware defines them, and the
 * timings the firmware derives from them (src/mesh/RadioInterface.cpp,
 * RadioInterface.h): time on air with its 16-symbol preamble, the slot time
 * of its contention window, the delay before sending or relaying, the wait
 * before a retransmission.
 */
import { timeOnAirMs, type LoRaModulation } from '../../../transports/lora/airtime.js';
import { MESHTASTIC_PRESETS, type MeshtasticPresetName } from '../../../transports/meshtastic/meshtastic-options.js';

export interface ModemPreset {
  readonly name: string;
  readonly spreadingFactor: number;
  readonly bandwidthHz: number;
  /** The coding rate's denominator: 5 for 4/5. */
  readonly codingRate: number;
}

/** The presets (firmware RadioInterface::applyModemConfig, modemPresetToParams), the transport's table with their names; LongFast is the default. */
export const MODEM_PRESETS = Object.fromEntries(Object.entries(MESHTASTIC_PRESETS).map(([name, preset]) => [name, { name, ...preset }])) as {
  readonly [Name in MeshtasticPresetName]: ModemPreset & { readonly name: Name };
};
export type ModemPresetName = keyof typeof MODEM_PRESETS;

/** Regions by their duty cycle over an hour (firmware RadioInterface.cpp, `regions[]`, RDEF's duty_cycle). */
export const REGIONS = {
  EU_868: { name: 'EU_868', dutyCyclePercent: 10 },
  EU_433: { name: 'EU_433', dutyCyclePercent: 10 },
  US: { name: 'US', dutyCyclePercent: 100 },
} as const;
export type RegionName = keyof typeof REGIONS;

/** RadioInterface.h: preambleLength 16 ("longer to increase the amount of sleep time when receiving"). */
export const PREAMBLE_SYMBOLS = 16;
/** RadioInterface.h: the contention window's exponents, and PROCESSING_TIME_MSEC. */
export const CW_MIN = 3;
export const CW_MAX = 8;
export const PROCESSING_TIME_MS = 4500;

export function modulationOf(preset: ModemPreset): LoRaModulation {
  return { ...preset, preambleSymbols: PREAMBLE_SYMBOLS };
}

/** getPacketTime: whole milliseconds on the air for a packet of `bytes` (header included). */
export function packetAirtimeMs(preset: ModemPreset, bytes: number): number {
  return Math.floor(timeOnAirMs(modulationOf(preset), bytes));
}

/** computeSlotTimeMsec (sub-GHz): CAD of 2.5 symbols, plus propagation, turnaround and MAC time (0.2 + 0.4 + 7 ms). */
export function slotTimeMs(preset: ModemPreset): number {
  return Math.floor((2.5 * 2 ** preset.spreadingFactor) / (preset.bandwidthHz / 1000) + 0.2 + 0.4 + 7);
}

/** Arduino `map` on the integer SNR: the contention window exponent for a relay (getCWsize). */
function contentionWindowForSnr(snr: number): number {
  const window = Math.trunc(((Math.trunc(snr) + 20) * (CW_MAX - CW_MIN)) / 30) + CW_MIN;
  return Math.min(CW_MAX, Math.max(CW_MIN, window));
}

/** getTxDelayMsec on an idle channel (utilisation 0 maps to CWmin): a random number of slots before our own packet. */
export function ownTxDelayMs(preset: ModemPreset, random: () => number): number {
  return Math.floor(random() * 2 ** CW_MIN) * slotTimeMs(preset);
}

/** getTxDelayMsecWeighted for a CLIENT: past the routers' window, then more slots the better the packet was heard. */
export function relayTxDelayMs(preset: ModemPreset, snr: number, random: () => number): number {
  const slot = slotTimeMs(preset);
  return 2 * CW_MAX * slot + Math.floor(random() * 2 ** contentionWindowForSnr(snr)) * slot;
}

/** getRetransmissionMsec on an idle channel: two airtimes, the contention slots, and the processing time. */
export function retransmissionDelayMs(preset: ModemPreset, bytes: number, processingMs = PROCESSING_TIME_MS): number {
  const slots = 2 ** CW_MIN + 2 * CW_MAX + 2 ** Math.trunc((CW_MAX + CW_MIN) / 2);
  return 2 * packetAirtimeMs(preset, bytes) + slots * slotTimeMs(preset) + processingMs;
}
