/**
 * What a simulated link does to a frame: how large it may be and how long
 * it takes, by the same code as the real transports, so that a simulated
 * LoRa hop costs what a radio's would. LoRa: time on air by Semtech's
 * formula with the preamble the RNode firmware programs, one byte of RNode
 * header per packet, the MTU the LoRa transport picks for the data rate.
 * Meshtastic: a radio on stock firmware at a modem preset, the packet's
 * header and protobuf around the frame, and each Meshtastic hop between the
 * two lnmesh neighbours a whole retransmission (`meshtastic-air.ts`).
 * Serial: ten bit times (start, 8 data, stop) per byte of the line's framing
 * (COBS, CRC-32, delimiter). MQTT: a fixed latency through the broker.
 */
import { InvalidInputError, checkInteger, checkObject, describe } from '../node/core/input.js';
import { checkModulation, maxPayloadForDataRate, timeOnAirMs, type LoRaModulation } from '../transports/lora/airtime.js';
import { RNODE_MTU, rnodePacketSizes, rnodePreambleSymbols } from '../transports/lora/rnode-commands.js';
import { serialFrameMaxLength } from '../transports/serial/serial-framing.js';
import { HOP_MAX } from '../transports/meshtastic/client-messages.js';
import { checkPresetAndRegion, meshtasticAirtimeMs, meshtasticMtu, type MeshtasticEncryption, type MeshtasticPreset, type MeshtasticRegion } from './meshtastic-air.js';

export interface LoRaLinkModel {
  readonly kind: 'lora';
  /** 6 to 12. */
  readonly spreadingFactor: number;
  /** In Hz, e.g. 125000. */
  readonly bandwidthHz: number;
  /** The coding rate's denominator, 5 (4/5, the default) to 8 (4/8). */
  readonly codingRate?: number;
  /** Chance in [0, 1] that a frame is lost. Default 0. */
  readonly lossRate?: number;
  /** The regional rule: 'EU868' (1% of each hour, the default) or 'US915' (no duty cycle). */
  readonly dutyCycle?: 'EU868' | 'US915';
}

export interface MeshtasticLinkModel {
  readonly kind: 'meshtastic';
  /** The modem preset both radios use, such as 'LongFast' (`MESHTASTIC_PRESETS`). */
  readonly preset: MeshtasticPreset;
  /** 'EU_868' (10% of the hour, as the firmware counts it) or 'US' (no duty cycle). */
  readonly region: MeshtasticRegion;
  /** Meshtastic hops between the two lnmesh neighbours, 1 (in range) to 7: the firmware's relays between them. Default 1. */
  readonly hops?: number;
  /** 'pkc' (the default: the firmware encrypts a packet to one node with its key) or 'channel'. */
  readonly encryption?: MeshtasticEncryption;
  /** Chance in [0, 1] that a packet is lost on one Meshtastic hop. Default 0. */
  readonly lossRate?: number;
}

export interface SerialLinkModel {
  readonly kind: 'serial';
  /** Bits per second on the line, 1200 to 4000000. */
  readonly baudRate: number;
  readonly lossRate?: number;
  /** Largest frame. Default 255, as the serial transport's. */
  readonly mtu?: number;
}

export interface MqttLinkModel {
  readonly kind: 'mqtt';
  /** From publish to delivery, through the broker, in ms. */
  readonly latencyMs: number;
  readonly lossRate?: number;
  /** Largest frame. Default 4096, as the MQTT transport's. */
  readonly mtu?: number;
}

export type LinkModel = LoRaLinkModel | MeshtasticLinkModel | SerialLinkModel | MqttLinkModel;

export const LINK_MODEL_KINDS = ['lora', 'meshtastic', 'serial', 'mqtt'] as const;

const DEFAULT_SERIAL_MTU = 255;
const DEFAULT_MQTT_MTU = 4096;
const BITS_PER_SERIAL_BYTE = 10;

/** Checks a link model, naming the field at fault (`spreadingFactor`, `lossRate`, ...). */
export function checkLinkModel(model: LinkModel): LinkModel {
  checkObject('model', model);
  if (model.lossRate !== undefined && !(typeof model.lossRate === 'number' && model.lossRate >= 0 && model.lossRate <= 1)) {
    throw new InvalidInputError('lossRate', `expected a probability in [0, 1], got ${describe(model.lossRate)}`);
  }
  switch (model.kind) {
    case 'lora':
      checkModulation(loraModulation(model));
      if (model.dutyCycle !== undefined && model.dutyCycle !== 'EU868' && model.dutyCycle !== 'US915') {
        throw new InvalidInputError('dutyCycle', `expected 'EU868' or 'US915', got ${describe(model.dutyCycle)}`);
      }
      return model;
    case 'meshtastic':
      checkPresetAndRegion(model.preset, model.region);
      if (model.hops !== undefined) checkInteger('hops', model.hops, 1, HOP_MAX);
      if (model.encryption !== undefined && model.encryption !== 'pkc' && model.encryption !== 'channel') {
        throw new InvalidInputError('encryption', `expected 'pkc' or 'channel', got ${describe(model.encryption)}`);
      }
      return model;
    case 'serial':
      checkInteger('baudRate', model.baudRate, 1200, 4_000_000);
      if (model.mtu !== undefined) checkInteger('mtu', model.mtu, 1, 65_535);
      return model;
    case 'mqtt':
      if (typeof model.latencyMs !== 'number' || !(model.latencyMs >= 0) || !Number.isFinite(model.latencyMs)) {
        throw new InvalidInputError('latencyMs', `expected a duration in ms, got ${describe(model.latencyMs)}`);
      }
      if (model.mtu !== undefined) checkInteger('mtu', model.mtu, 1, 1 << 20);
      return model;
    default:
      throw new InvalidInputError('kind', `unknown link kind ${describe((model as { kind?: unknown }).kind)}: expected one of ${LINK_MODEL_KINDS.join(', ')}`);
  }
}

/** The modulation a LoRa link's radios use, with the RNode firmware's preamble. */
export function loraModulation(model: LoRaLinkModel): LoRaModulation {
  return {
    spreadingFactor: model.spreadingFactor,
    bandwidthHz: model.bandwidthHz,
    codingRate: model.codingRate ?? 5,
    preambleSymbols: rnodePreambleSymbols(model.spreadingFactor, model.bandwidthHz),
  };
}

/** The largest frame a link carries, as the real transport of its kind would. */
export function linkMtu(model: LinkModel): number {
  switch (model.kind) {
    case 'lora':
      return Math.min(RNODE_MTU, maxPayloadForDataRate(model.spreadingFactor, model.bandwidthHz));
    case 'meshtastic':
      return meshtasticMtu(model.encryption);
    case 'serial':
      return model.mtu ?? DEFAULT_SERIAL_MTU;
    case 'mqtt':
      return model.mtu ?? DEFAULT_MQTT_MTU;
  }
}

/**
 * How long a frame of `bytes` occupies the sender, in ms (fractional): its
 * time on air for LoRa and Meshtastic (the first hop's: each relay spends as
 * much again, see `meshtasticHops`), on the wire for serial. MQTT: 0 (the
 * broker queues).
 */
export function frameDurationMs(model: LinkModel, bytes: number): number {
  switch (model.kind) {
    case 'lora': {
      const modulation = loraModulation(model);
      return rnodePacketSizes(bytes).reduce((sum, packet) => sum + timeOnAirMs(modulation, packet), 0);
    }
    case 'meshtastic':
      return meshtasticAirtimeMs(model.preset, bytes, model.encryption);
    case 'serial':
      return (serialFrameMaxLength(bytes) * BITS_PER_SERIAL_BYTE * 1000) / model.baudRate;
    case 'mqtt':
      return 0;
  }
}

/** Meshtastic hops between a link's two ends: each one a whole transmission. 1 for every other kind. */
export function meshtasticHops(model: LinkModel): number {
  return model.kind === 'meshtastic' ? (model.hops ?? 1) : 1;
}
