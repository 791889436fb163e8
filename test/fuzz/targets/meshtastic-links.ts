/**
 * Seeds for the config fuzz targets (config.ts): node and gateway configs with
 * Meshtastic links, a valid one and one broken per key a user gets wrong (a
 * node number that is not one, a hop limit of 0 or 8, a preset the firmware
 * lacks, channel 9, port 100, no path). Mutations of the broken ones walk the
 * refusal paths; each is refused with a ConfigError naming its key
 * (test/fuzz/meshtastic-link-seeds.test.ts).
 */
import { hex } from '../target.js';
import { gatewayId, otherId } from './fixtures.js';

/** Two Meshtastic links, every option of the transport set on the first, the second on TCP with the defaults. */
const LINKS = `links:
  - transport:
      kind: meshtastic
      path: /dev/ttyUSB0
      port: 300
      channel: 1
      hopLimit: 2
      preset: MediumFast
      wantAck: false
    neighbours:
      - { nodeId: ${hex(otherId)}, address: "!a1b2c3d4", name: hilltop }
  - transport: { kind: meshtastic, path: "tcp://192.168.1.20:4403" }
    neighbours:
      - { nodeId: ${hex(gatewayId)}, address: "!0000beef" }
`;

export const MESHTASTIC_NODE_CONFIG = `network: regtest\ndataDir: ./data\n${LINKS}`;
export const MESHTASTIC_GATEWAY_CONFIG = `network: regtest\ndataDir: ./gateway-data\nchain: { backend: embedded }\n${LINKS}`;

export interface BrokenMeshtasticLink {
  /** The key the refusal names. */
  readonly key: string;
  /** The text replaced in the links, there once, and what replaces it. */
  readonly from: string;
  readonly to: string;
}

export const BROKEN_MESHTASTIC_LINKS: readonly BrokenMeshtasticLink[] = [
  { key: 'links[0].neighbours[0].address', from: '"!a1b2c3d4"', to: '"!xyz"' },
  { key: 'links[0].transport.hopLimit', from: 'hopLimit: 2', to: 'hopLimit: 0' },
  { key: 'links[0].transport.hopLimit', from: 'hopLimit: 2', to: 'hopLimit: 8' },
  { key: 'links[0].transport.preset', from: 'preset: MediumFast', to: 'preset: VeryFast' },
  { key: 'links[0].transport.channel', from: 'channel: 1', to: 'channel: 9' },
  { key: 'links[0].transport.port', from: 'port: 300', to: 'port: 100' },
  { key: 'links[0].transport.path', from: '      path: /dev/ttyUSB0\n', to: '' },
];

/** `config` with one broken link setting. */
export function broken(config: string, { from, to }: BrokenMeshtasticLink): string {
  if (config.split(from).length !== 2) throw new Error(`${JSON.stringify(from)} is not in the config exactly once`);
  return config.replace(from, to);
}

/** The valid config and each broken one. */
export function meshtasticSeeds(config: string): string[] {
  return [config, ...BROKEN_MESHTASTIC_LINKS.map((change) => broken(config, change))];
}
