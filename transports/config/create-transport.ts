/**
 * A transport from its description in a node's config: the one place that
 * knows which class serves which `kind`, so that the daemon's config, the
 * simulator and tests describe media as plain data.
 */
import type { Clock } from '../../node/core/clock.js';
import { InvalidInputError } from '../../node/core/input.js';
import type { Logger } from '../../node/core/logger.js';
import { LoRaTransport, type LoRaTransportOptions } from '../lora/lora-transport.js';
import { MeshtasticTransport, type MeshtasticTransportOptions } from '../meshtastic/meshtastic-transport.js';
import { MqttTransport, type MqttTransportOptions } from '../mqtt.js';
import { SerialTransport, type SerialTransportOptions } from '../serial/serial-transport.js';
import type { Transport } from '../transport.js';

export type TransportSpec =
  /** An RNode-flashed LoRa board on a serial port. */
  | ({ readonly kind: 'lora' } & Omit<LoRaTransportOptions, 'clock' | 'logger'>)
  /** A serial line: a wire, or a radio modem in transparent mode. */
  | ({ readonly kind: 'serial' } & Omit<SerialTransportOptions, 'logger'>)
  /** A radio running Meshtastic firmware, on serial or TCP; neighbours' addresses are node numbers (`!aabbccdd`). */
  | ({ readonly kind: 'meshtastic' } & MeshtasticTransportOptions)
  /** An MQTT broker. */
  | ({ readonly kind: 'mqtt' } & Omit<MqttTransportOptions, 'logger'>);

export const TRANSPORT_KINDS = ['lora', 'meshtastic', 'serial', 'mqtt'] as const;

/**
 * Builds (does not open) the transport `spec` describes, telling `logger`
 * what it survives; an unknown kind is an `InvalidInputError`.
 */
export function createTransport(spec: TransportSpec, clock?: Clock, logger?: Logger): Transport {
  switch (spec?.kind) {
    case 'lora':
      return new LoRaTransport({ ...spec, ...(clock && { clock }), ...(logger && { logger }) });
    case 'meshtastic':
      return new MeshtasticTransport({ ...spec, ...(clock && { clock }), ...(logger && { logger }) });
    case 'serial':
      return new SerialTransport({ ...spec, ...(logger && { logger }) });
    case 'mqtt':
      return new MqttTransport({ ...spec, ...(logger && { logger }) });
    default:
      throw new InvalidInputError('kind', `unknown transport kind ${JSON.stringify((spec as { kind?: unknown } | undefined)?.kind)}: expected one of ${TRANSPORT_KINDS.join(', ')}`);
  }
}
