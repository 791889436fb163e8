// The config fuzz targets' Meshtastic seeds (targets/meshtastic-links.ts): the valid node and gateway configs read,
// and each broken one is refused by both daemons' readers with a ConfigError that names its key, at its line.
import t from 'tap';
import { parseGatewayConfig } from '../../gateway/daemon/gateway-config.js';
import { parseNodeConfig } from '../../node/config/node-config.js';
import { ConfigError } from '../../node/config/yaml-reader.js';
import { gatewayConfig, nodeConfig } from './targets/config.js';
import { BROKEN_MESHTASTIC_LINKS, broken, MESHTASTIC_GATEWAY_CONFIG, MESHTASTIC_NODE_CONFIG } from './targets/meshtastic-links.js';

const READERS = [
  { name: 'node', config: MESHTASTIC_NODE_CONFIG, read: (text: string) => parseNodeConfig(text, '/fuzz/node.yaml').links, target: nodeConfig },
  { name: 'gateway', config: MESHTASTIC_GATEWAY_CONFIG, read: (text: string) => parseGatewayConfig(text, '/fuzz/gateway.yaml').links, target: gatewayConfig },
];

/** The line (1-based) where `text` first differs from `config`. */
function changedLine(config: string, text: string): number {
  let at = 0;
  while (at < text.length && text[at] === config[at]) at++;
  return config.slice(0, at).split('\n').length;
}

for (const { name, config, read, target } of READERS) {
  t.test(`the ${name}'s config: the Meshtastic seeds are among its fuzz target's`, async (t) => {
    const seeds = target.seeds().map((seed) => new TextDecoder().decode(seed));
    t.ok(seeds.includes(config), 'the valid one');
    for (const change of BROKEN_MESHTASTIC_LINKS) t.ok(seeds.includes(broken(config, change)), `${change.to.trim() || 'no path'}`);
  });

  t.test(`the ${name}'s config: the valid Meshtastic links read`, async (t) => {
    t.strictSame(read(config).map((link) => link.transport), [
      { kind: 'meshtastic', path: '/dev/ttyUSB0', port: 300, channel: 1, hopLimit: 2, wantAck: false, preset: 'MediumFast' },
      { kind: 'meshtastic', path: 'tcp://192.168.1.20:4403' },
    ]);
  });

  t.test(`the ${name}'s config: each broken Meshtastic setting is a ConfigError naming its key, at its line`, async (t) => {
    for (const change of BROKEN_MESHTASTIC_LINKS) {
      const text = broken(config, change);
      const error = t.throws(() => read(text), ConfigError, `${change.to.trim() || 'no path'} is refused`) as Error;
      const line = change.to === '' ? changedLine(config, text) - 1 : changedLine(config, text); // a key left out: at its map
      t.match(error.message, new RegExp(`^/fuzz/${name}\\.yaml:${line}:\\d+: ${change.key.replace(/[[\].]/g, '\\$&')}: `), error.message);
    }
  });
}
