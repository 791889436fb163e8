/**
 * The config of a Meshtastic transport, checked: where the radio is (a
 * serial device or `tcp://host:4403`), which port number and channel
 * lnmesh's frames use, and how far they may be relayed. Bad config is an
 * `InvalidInputError` naming the field, before anything is opened.
 */
import { checkInteger, describe, InvalidInputError } from '../../node/core/input.js';
import { HOP_MAX, MAX_CHANNEL_INDEX, PortNum } from './client-messages.js';

/**
 * The largest frame: 219 bytes. `Data.payload` holds 233 (DATA_PAYLOAD_LEN),
 * but the firmware refuses (TOO_LARGE) a packet whose encoded Data and
 * 16-byte radio header exceed 255 bytes, the LoRa packet: 3 (port) + 2 (the
 * bitfield the firmware adds) + 3 (payload tag and length) + 231 + 16. A
 * direct message on channel 0 to a node whose key the radio knows (firmware
 * 2.5 and later, the default) is encrypted to that key: 12 bytes more
 * (MESHTASTIC_PKC_OVERHEAD), so 219. Measured on the radio model
 * (sim/kit/meshtastic, test/sim/kit/meshtastic/radio-model.test.ts).
 */
export const MESHTASTIC_MTU = 219;

export interface MeshtasticTransportOptions {
  /** The radio: a serial device (`/dev/ttyUSB0`, opened by path) or `tcp://host:4403` (a radio on the network). */
  readonly path: string;
  /** Port number of lnmesh's frames: 256 (PRIVATE_APP) by default; 256..511 are for private applications. */
  readonly port?: number;
  /** Channel index, 0..7; default 0 (the primary channel; direct messages on it are encrypted to the node's key). */
  readonly channel?: number;
  /** How many times a frame may be relayed on its way, 1..7; default 3, the firmware's. */
  readonly hopLimit?: number;
  /** Ask the firmware to retry until the destination acks (default false: lnmesh's link acks and retransmits). */
  readonly wantAck?: boolean;
  /**
   * The radio's modem preset, default LongFast. Set on the radio (its LoRa
   * config), not by lnmesh: this only tells lnmesh how long a packet is on
   * the air, so the link's first retransmission waits long enough.
   */
  readonly preset?: MeshtasticPresetName;
}

/**
 * Modem presets as the firmware defines them (modemPresetToParams, src/mesh/MeshRadio.h): SF, bandwidth, coding rate 4/n.
 * The Turbo ones are 500 kHz wide (not allowed in EU_868); MediumTurbo (ModemPreset 16) is the newest
 * (firmware test/test_radio/test_main.cpp: SF9, 500 kHz, 4/5).
 * The one table: the radio model and the simulator's link model use it too.
 */
export const MESHTASTIC_PRESETS = {
  LongFast: { spreadingFactor: 11, bandwidthHz: 250_000, codingRate: 5 },
  LongModerate: { spreadingFactor: 11, bandwidthHz: 125_000, codingRate: 8 },
  LongSlow: { spreadingFactor: 12, bandwidthHz: 125_000, codingRate: 8 },
  LongTurbo: { spreadingFactor: 11, bandwidthHz: 500_000, codingRate: 8 },
  MediumSlow: { spreadingFactor: 10, bandwidthHz: 250_000, codingRate: 5 },
  MediumFast: { spreadingFactor: 9, bandwidthHz: 250_000, codingRate: 5 },
  MediumTurbo: { spreadingFactor: 9, bandwidthHz: 500_000, codingRate: 5 },
  ShortSlow: { spreadingFactor: 8, bandwidthHz: 250_000, codingRate: 5 },
  ShortFast: { spreadingFactor: 7, bandwidthHz: 250_000, codingRate: 5 },
  ShortTurbo: { spreadingFactor: 7, bandwidthHz: 500_000, codingRate: 5 },
} as const;
export type MeshtasticPresetName = keyof typeof MESHTASTIC_PRESETS;

export interface CheckedMeshtasticOptions {
  readonly path: string;
  readonly tcp: { readonly host: string; readonly port: number } | undefined;
  readonly port: number;
  readonly channel: number;
  readonly hopLimit: number;
  readonly wantAck: boolean;
  readonly preset: MeshtasticPresetName;
}

const TCP = /^tcp:\/\/([^:/]+)(?::(\d+))?\/?$/;
/** The firmware's TCP API port (meshtastic/python tcp_interface.py DEFAULT_TCP_PORT). */
export const MESHTASTIC_TCP_PORT = 4403;

/** `options` checked, defaults filled in. */
export function checkMeshtasticOptions(options: MeshtasticTransportOptions): CheckedMeshtasticOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidInputError('transport', `expected an object, got ${describe(options)}`);
  if (typeof options.path !== 'string' || options.path === '') throw new InvalidInputError('path', 'expected a serial device path or tcp://host:4403');
  if (options.wantAck !== undefined && typeof options.wantAck !== 'boolean') throw new InvalidInputError('wantAck', `expected true or false, got ${describe(options.wantAck)}`);
  return {
    path: options.path,
    tcp: tcpAddress(options.path),
    port: checkInteger('port', options.port ?? PortNum.privateApp, PortNum.privateApp, PortNum.max),
    channel: checkInteger('channel', options.channel ?? 0, 0, MAX_CHANNEL_INDEX),
    hopLimit: checkInteger('hopLimit', options.hopLimit ?? 3, 1, HOP_MAX),
    wantAck: options.wantAck ?? false,
    preset: checkPreset(options.preset ?? 'LongFast'),
  };
}

function checkPreset(preset: unknown): MeshtasticPresetName {
  if (typeof preset === 'string' && Object.hasOwn(MESHTASTIC_PRESETS, preset)) return preset as MeshtasticPresetName;
  throw new InvalidInputError('preset', `unknown modem preset ${describe(preset)}: expected one of ${Object.keys(MESHTASTIC_PRESETS).join(', ')}`);
}

function tcpAddress(path: string): CheckedMeshtasticOptions['tcp'] {
  if (!path.startsWith('tcp:')) return undefined;
  const match = TCP.exec(path);
  if (!match) throw new InvalidInputError('path', `expected tcp://host:port (like tcp://192.168.1.20:4403), got ${describe(path)}`);
  const port = match[2] === undefined ? MESHTASTIC_TCP_PORT : Number(match[2]);
  return { host: match[1]!, port: checkInteger('path', port, 1, 65535) };
}
