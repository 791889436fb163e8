/**
 * What one lnmesh frame costs on a Meshtastic radio's air, by the firmware's
 * own rules, for the simulator's `meshtastic` link model.
 *
 * - Modem presets: (SF, bandwidth, coding rate) as `modemPresetToParams`
 *   sets them (firmware src/mesh/MeshRadio.h), the transport's table
 *   (transports/meshtastic/meshtastic-options.ts); a 16-symbol preamble
 *   (`preambleLength`, src/mesh/RadioInterface.h). Which presets a region
 *   allows: `PRESETS_EU_868` and `PRESETS_STD` (src/mesh/RadioInterface.cpp);
 *   the 500 kHz ones do not fit EU_868's 250 kHz sub-band.
 * - The packet on the air: the 16-byte `PacketHeader` (MESHTASTIC_HEADER_LENGTH)
 *   and the encrypted `Data` protobuf, as long as the plain one (AES-CTR), plus
 *   12 bytes (MESHTASTIC_PKC_OVERHEAD) when encrypted to the neighbour's key,
 *   which the firmware does for every packet to one node whose key it knows
 *   (`wouldEncryptWithPKC`, src/mesh/Router.cpp). The Data of a packet from the
 *   radio's own client has portnum, payload and `bitfield` (field 9, optional:
 *   the firmware sets `has_bitfield` on what it originates, `perhapsEncode`),
 *   so it is 8 bytes longer than the frame for a frame of 128 bytes or more.
 * - The largest frame: the firmware refuses a packet with TOO_LARGE when its
 *   Data and header exceed 255 bytes (MAX_LORA_PAYLOAD_LEN), before the 233 of
 *   DATA_PAYLOAD_LEN is reached: 231 bytes with the channel's key, 219 with the
 *   neighbour's.
 */
import { InvalidInputError, describe } from '../node/core/input.js';
import { MAX_LORA_PAYLOAD_BYTES, timeOnAirMs, type LoRaModulation } from '../transports/lora/airtime.js';
import { DATA_PAYLOAD_LEN, PortNum } from '../transports/meshtastic/client-messages.js';
import { MESHTASTIC_PRESETS, type MeshtasticPresetName } from '../transports/meshtastic/meshtastic-options.js';

/** The transport's table (`modemPresetToParams`, firmware src/mesh/MeshRadio.h), names as the apps show them: one table for the transport, the radio model and this. */
export { MESHTASTIC_PRESETS };

export type MeshtasticPreset = MeshtasticPresetName;
export const MESHTASTIC_PRESET_NAMES = Object.keys(MESHTASTIC_PRESETS) as MeshtasticPreset[];

/** The regions modelled: their duty cycle (`RDEF`, firmware src/mesh/RadioInterface.cpp) and the presets they allow. */
export const MESHTASTIC_REGIONS = {
  /** 869.4-869.65 MHz, 10% of the hour. */
  EU_868: { dutyCyclePercent: 10, presets: ['LongFast', 'LongSlow', 'MediumSlow', 'MediumFast', 'ShortSlow', 'ShortFast', 'LongModerate'] },
  /** 902-928 MHz, no duty cycle. */
  US: { dutyCyclePercent: 100, presets: MESHTASTIC_PRESET_NAMES },
} as const satisfies Record<string, { dutyCyclePercent: number; presets: readonly MeshtasticPreset[] }>;

export type MeshtasticRegion = keyof typeof MESHTASTIC_REGIONS;
export const MESHTASTIC_REGION_NAMES = Object.keys(MESHTASTIC_REGIONS) as MeshtasticRegion[];

/** 'pkc': to the neighbour's public key (the firmware's choice for a packet to one node); 'channel': the channel's key. */
export type MeshtasticEncryption = 'pkc' | 'channel';

/** MESHTASTIC_HEADER_LENGTH, firmware src/mesh/RadioInterface.h: to, from, id, flags, channel hash, next hop, relay node. */
export const MESHTASTIC_HEADER_BYTES = 16;
/** MESHTASTIC_PKC_OVERHEAD, src/mesh/RadioInterface.h: the tag and extra nonce of a packet encrypted to a node's key. */
export const MESHTASTIC_PKC_OVERHEAD = 12;
/** `preambleLength`, src/mesh/RadioInterface.h ("8 is default, but we use longer"). */
export const MESHTASTIC_PREAMBLE_SYMBOLS = 16;
/** Data.bitfield (field 9): a one-byte tag and a one-byte varint (its flags fit 7 bits). */
const BITFIELD_BYTES = 2;

/** Checks a preset and region by name, naming the field at fault. */
export function checkPresetAndRegion(preset: unknown, region: unknown): void {
  if (typeof preset !== 'string' || !Object.hasOwn(MESHTASTIC_PRESETS, preset)) {
    throw new InvalidInputError('preset', `unknown modem preset ${describe(preset)}: expected one of ${MESHTASTIC_PRESET_NAMES.join(', ')}`);
  }
  if (typeof region !== 'string' || !Object.hasOwn(MESHTASTIC_REGIONS, region)) {
    throw new InvalidInputError('region', `unknown region ${describe(region)}: expected one of ${MESHTASTIC_REGION_NAMES.join(', ')}`);
  }
  const allowed: readonly string[] = MESHTASTIC_REGIONS[region as MeshtasticRegion].presets;
  if (!allowed.includes(preset)) {
    throw new InvalidInputError('preset', `${preset} is not allowed in ${region} (its 500 kHz does not fit the band): expected one of ${allowed.join(', ')}`);
  }
}

/** The modulation of a preset, with the firmware's preamble. */
export function meshtasticModulation(preset: MeshtasticPreset): LoRaModulation {
  return { ...MESHTASTIC_PRESETS[preset], preambleSymbols: MESHTASTIC_PREAMBLE_SYMBOLS };
}

function varintBytes(value: number): number {
  let bytes = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    bytes++;
  }
  return bytes;
}

/** The Data protobuf around `frameBytes` on `portnum`: portnum (tag 1), payload (tag 2, length, bytes), bitfield. */
export function dataBytes(frameBytes: number, portnum: number = PortNum.privateApp): number {
  return 1 + varintBytes(portnum) + 1 + varintBytes(frameBytes) + frameBytes + BITFIELD_BYTES;
}

/** The LoRa payload of the packet that carries a frame of `frameBytes`: header, Data, and the PKC overhead if any. */
export function packetBytesOnAir(frameBytes: number, encryption: MeshtasticEncryption = 'pkc'): number {
  return MESHTASTIC_HEADER_BYTES + dataBytes(frameBytes) + (encryption === 'pkc' ? MESHTASTIC_PKC_OVERHEAD : 0);
}

/** The largest frame the firmware sends on the private port, as it checks in `perhapsEncode`. */
export function meshtasticMtu(encryption: MeshtasticEncryption = 'pkc'): number {
  let mtu = DATA_PAYLOAD_LEN;
  while (packetBytesOnAir(mtu, encryption) > MAX_LORA_PAYLOAD_BYTES) mtu--;
  return mtu;
}

/** Time on air of the packet carrying a frame of `frameBytes`, one Meshtastic hop, in ms. */
export function meshtasticAirtimeMs(preset: MeshtasticPreset, frameBytes: number, encryption: MeshtasticEncryption = 'pkc'): number {
  return timeOnAirMs(meshtasticModulation(preset), packetBytesOnAir(frameBytes, encryption));
}
