/**
 * A transport from its description in a node's config: the one place that
 * knows which class serves which `kind`, so that the daemon's config, the
 * simulator and tests describe media as plain data.
 */
import type { Clock } from '../../node/core/clock.js';
import { InvalidInputError } from '../../node/core/input.js';
import { LoRaTransport, type LoRaTransportOptions } from '../lora/lora-transport.js';
import { MqttTransport, type MqttTransportOptions } from '../mqtt.js';
import { SerialTransport, type SerialTransportOptions } from '../serial/serial-transport.js';
import type { Transport } from '../transport.js';

export type TransportSpec =
  /** An RNode-flashed LoRa board on a serial port. */
  | ({ readonly kind: 'lora' } & Omit<LoRaTransportOptions, 'clock'>)
  /** A serial line: a wire, or a radio modem in transparent mode. */
  | ({ readonly kind: 'serial' } & SerialTransportOptions)
  /** An MQTT broker. */
  | ({ readonly kind: 'mqtt' } & MqttTransportOptions);

export const TRANSPORT_KINDS = ['lora', 'serial', 'mqtt'] as const;

/** Builds (does not open) the transport `spec` describes; an unknown kind is an `InvalidInputError`. */
export function createTransport(spec: TransportSpec, clock?: Clock): Transport {
  switch (spec?.kind) {
    case 'lora':
      return new LoRaTransport({ ...spec, ...(clock && { clock }) });
    case 'serial':
      return new SerialTransport(spec);
    case 'mqtt':
      return new MqttTransport(spec);
    default:
      throw new InvalidInputError('kind', `unknown transport kind ${JSON.stringify((spec as { kind?: unknown } | undefined)?.kind)}: expected one of ${TRANSPORT_KINDS.join(', ')}`);
  }
}
