// The device bundle refuses bcoin and the simulator, and names the imports that pulled them in.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { bundleDeviceCode } from '../../../node/bundle/bundle-code.js';
import { checkDeviceGraph, importChain } from '../../../node/bundle/clean-graph.js';
import { ROOT } from '../cli/run-cli.js';

/** A metafile with just the import edges. */
function metafile(edges: Record<string, string[]>): Metafile {
  const inputs: Metafile['inputs'] = {};
  for (const [from, to] of Object.entries(edges)) {
    inputs[from] = { bytes: 1, imports: to.map((path) => ({ path, kind: 'import-statement' as const, original: path })) };
    for (const path of to) inputs[path] ??= { bytes: 1, imports: [] };
  }
  return { inputs, outputs: {} };
}

t.test('a clean graph passes', async (t) => {
  const graph = metafile({ 'node/cli/lnmesh-device.ts': ['node/cli/seed.ts', 'node_modules/commander/index.js'], 'node/cli/seed.ts': ['node/keys/seed.ts'] });
  t.doesNotThrow(() => checkDeviceGraph(graph, 'node/cli/lnmesh-device.ts'));
});

t.test('bcoin is refused with the shortest import chain', async (t) => {
  const graph = metafile({
    'node/cli/lnmesh-device.ts': ['node/cli/device-commands.ts'],
    'node/cli/device-commands.ts': ['node/cli/seed.ts', 'node/cli/status.ts'],
    'node/cli/status.ts': ['gateway/chain/bcoin-backend.ts'],
    'node/cli/seed.ts': ['node/keys/seed.ts'],
    'gateway/chain/bcoin-backend.ts': ['node_modules/bcoin/lib/bcoin.js'],
  });
  t.throws(() => checkDeviceGraph(graph, 'node/cli/lnmesh-device.ts'), {
    name: 'BundleError',
    message: 'the device bundle would contain bcoin: node/cli/lnmesh-device.ts -> node/cli/device-commands.ts -> node/cli/status.ts -> gateway/chain/bcoin-backend.ts -> node_modules/bcoin/lib/bcoin.js; device verbs (node/cli/device-commands.ts) must not import the gateway or the simulator',
  });
});

t.test('the simulator is refused', async (t) => {
  const graph = metafile({ 'node/cli/lnmesh-device.ts': ['sim/cli.ts'] });
  t.throws(() => checkDeviceGraph(graph, 'node/cli/lnmesh-device.ts'), { message: /would contain the simulator \(sim\/\): node\/cli\/lnmesh-device\.ts -> sim\/cli\.ts/ });
});

t.test('the WebAssembly libsecp256k1 is refused: a device runs noble', async (t) => {
  const graph = metafile({ 'node/cli/lnmesh-device.ts': ['node/core/curve.ts'], 'node/core/curve.ts': ['node_modules/tiny-secp256k1/lib/index.js'] });
  t.throws(() => checkDeviceGraph(graph, 'node/cli/lnmesh-device.ts'), { message: /would contain the WebAssembly libsecp256k1 \(tiny-secp256k1\): node\/cli\/lnmesh-device\.ts -> node\/core\/curve\.ts -> node_modules\/tiny-secp256k1\/lib\/index\.js; import secp256k1 operations through node\/core\/curve\.ts/ });
});

t.test('importChain skips external imports and says when there is no path', async (t) => {
  const graph = metafile({ a: ['b'], b: ['c'] });
  t.same(importChain(graph, 'a', 'c'), ['a', 'b', 'c']);
  t.same(importChain(graph, 'c', 'a'), ['c', '...', 'a']);
});

t.test('esbuild on an entry that imports bcoin fails the bundle', async (t) => {
  const outDir = mkdtempSync(join(tmpdir(), 'lnmesh-graph-'));
  t.teardown(() => rmSync(outDir, { recursive: true, force: true }));
  await t.rejects(bundleDeviceCode({ root: ROOT, outDir, entry: 'test/node/bundle/fixtures/imports-bcoin.js' }), {
    name: 'BundleError',
    message: /would contain bcoin: test\/node\/bundle\/fixtures\/imports-bcoin\.js -> node_modules\/bcoin\//,
  });
});
