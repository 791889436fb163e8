/**
 * The first retransmission of a link over Meshtastic radios. The link's 5 s
 * default suits one RNode hop; a Meshtastic frame fills a LongFast packet
 * (~2.2 s on the air), and each relay on the way waits its contention delay
 * before repeating it, so over a relay the round trip is past 5 s and every
 * fragment would be sent twice. The wait is computed from the preset's
 * airtime (Semtech's formula) and the firmware's relay delays
 * (src/mesh/RadioInterface.cpp), for a path of `hopLimit` hops.
 */
import { MAX_LORA_PAYLOAD_BYTES, timeOnAirMs, type LoRaModulation } from '../lora/airtime.js';
import { checkMeshtasticOptions, MESHTASTIC_PRESETS, type MeshtasticPresetName, type MeshtasticTransportOptions } from '../meshtastic/meshtastic-options.js';

/** The firmware's preamble (RadioInterface.h, preambleLength). */
const PREAMBLE_SYMBOLS = 16;
/** The contention window's exponents (RadioInterface.h, CWmin and CWmax). */
const CW_MIN = 3;
const CW_MAX = 8;
/** Never shorter than the link's default: the radio's queue and its own contention delay come on top. */
const LINK_DEFAULT_RETRANSMIT_MS = 5000;

function modulation(preset: MeshtasticPresetName): LoRaModulation {
  return { ...MESHTASTIC_PRESETS[preset], preambleSymbols: PREAMBLE_SYMBOLS };
}

/** computeSlotTimeMsec (sub-GHz): channel activity detection for 2.5 symbols, plus 7.6 ms of propagation, turnaround and MAC. */
export function slotTimeMs(preset: MeshtasticPresetName): number {
  const { spreadingFactor, bandwidthHz } = MESHTASTIC_PRESETS[preset];
  return Math.floor((2.5 * 2 ** spreadingFactor) / (bandwidthHz / 1000) + 7.6);
}

/**
 * A relay's wait before repeating a packet (getTxDelayMsecWeighted): 2 x
 * CWmax slots past the routers, then a random part of a window that is
 * widest (2^CWmax slots) for a packet heard well; its mean is taken.
 */
export function relayDelayMs(preset: MeshtasticPresetName): number {
  return slotTimeMs(preset) * (2 * CW_MAX + 2 ** CW_MAX / 2);
}

/**
 * A full frame there and its ack back over `hops` hops. The ack rides on the answer when there is one, itself
 * a full frame (a payment's commitment dance answers every frame); the frame may wait in the radio behind the
 * one sent before it (a message's fragments go back to back); each relay waits its delay both ways, and each
 * end its own (at most 2^CWmin slots). Counting the ack as a small packet alone timed a LongFast hop at 5 s,
 * and the link sent full frames twice from the second payment on (bench/meshtastic.ts: 45 payments an hour,
 * against 64 with no false retransmission).
 */
export function meshtasticRoundTripMs(preset: MeshtasticPresetName, hops: number): number {
  const full = timeOnAirMs(modulation(preset), MAX_LORA_PAYLOAD_BYTES);
  return hops * 2 * full + full + 2 * (hops - 1) * relayDelayMs(preset) + 2 * 2 ** CW_MIN * slotTimeMs(preset);
}

/**
 * The link's first retransmission for a Meshtastic transport: the round
 * trip over `hopLimit` hops, rounded up to 100 ms, at least 5 s. The
 * firmware lets a frame be relayed hopLimit times (hopLimit + 1 hops): the
 * README asks for hopLimit = the hops to the farthest neighbour, leaving
 * one relay spare; a path longer than hopLimit is met by the backoff.
 * A bad option is the transport's `InvalidInputError`.
 */
export function meshtasticRetransmitBaseMs(options: MeshtasticTransportOptions): number {
  const { preset, hopLimit } = checkMeshtasticOptions(options);
  return Math.max(LINK_DEFAULT_RETRANSMIT_MS, Math.ceil(meshtasticRoundTripMs(preset, hopLimit) / 100) * 100);
}
