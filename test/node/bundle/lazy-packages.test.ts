// What a node loads at start: the packages of a medium (MQTT, serial ports, Meshtastic's protobufs) load only
// when a link of that kind opens, so none of them is in the static imports of the device's `lnmesh node`.
import t from 'tap';
import { build, type Metafile } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { EXTERNAL_PACKAGES } from '../../../node/bundle/external-packages.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LAZY = ['mqtt', 'serialport', '@serialport/bindings-cpp', 'protobufjs'];

/** The inputs reached from `entry` by static imports only (esbuild's metafile: `import-statement` and `require-call`). */
function staticClosure(metafile: Metafile, entry: string): Set<string> {
  const reached = new Set([entry]);
  for (const input of reached) {
    for (const record of metafile.inputs[input]?.imports ?? []) {
      if (record.kind !== 'dynamic-import') reached.add(record.path);
    }
  }
  return reached;
}

t.test("the node daemon's static imports hold no medium's package", async (t) => {
  const entry = 'node/daemon/node-daemon.ts';
  const result = await build({ absWorkingDir: ROOT, entryPoints: [entry], bundle: true, write: false, platform: 'node', format: 'esm', target: 'node20', external: EXTERNAL_PACKAGES.map((external) => external.name), metafile: true, logLevel: 'silent' });
  const reached = [...staticClosure(result.metafile, entry)];
  t.ok(reached.some((path) => path.startsWith('transports/mqtt.ts')), 'the MQTT transport itself is there');
  for (const name of LAZY) {
    const found = reached.filter((path) => path === name || path.includes(`node_modules/${name}/`));
    t.same(found, [], `${name} is not imported statically`);
  }
  const all = Object.keys(result.metafile.inputs);
  for (const name of ['mqtt', 'protobufjs']) t.ok(all.some((path) => path.includes(`node_modules/${name}/`)), `${name} is still in the bundle, behind an import()`);
});
