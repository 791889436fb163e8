// The device bundle swaps the WebAssembly secp256k1 backend for noble, readable-stream for Node's stream module, and bitcoinjs-lib's index for the modules the node uses.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import Stream from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { deviceSubstitutes } from '../../../node/bundle/device-substitutes.js';
import * as native from '../../../node/bundle/readable-stream-native.js';
import { ROOT } from '../cli/run-cli.js';

t.test('an entry bundled with the substitutes gets noble and Node streams, and runs', async (t) => {
  const outDir = mkdtempSync(join(tmpdir(), 'lnmesh-substitutes-'));
  t.teardown(() => rmSync(outDir, { recursive: true, force: true }));
  const outfile = join(outDir, 'entry.mjs');
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['test/node/bundle/fixtures/imports-substituted.js'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    plugins: [deviceSubstitutes(ROOT)],
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  t.ok(inputs.includes('node/core/secp256k1-portable-device.ts'), 'the device backend is in');
  t.notOk(inputs.includes('node/core/secp256k1-portable.ts'), 'the WebAssembly one is not');
  t.notOk(inputs.some((input) => input.includes('node_modules/tiny-secp256k1/')), 'nor tiny-secp256k1');
  t.notOk(inputs.some((input) => input.includes('node_modules/readable-stream/')), 'no copy of readable-stream');
  t.ok(inputs.some((input) => input.endsWith('bitcoinjs-lib/src/esm/transaction.js')), "bitcoinjs-lib's transactions are in");
  t.notOk(inputs.some((input) => /bitcoinjs-lib\/src\/esm\/(psbt|payments)|node_modules\/bip174\//.test(input)), 'its PSBT and payments are not');
  t.equal(execFileSync(process.execPath, [outfile], { encoding: 'utf8' }).trim(), 'function noble 1 1', 'it runs, on noble, with transactions and scripts');
});

t.test("readable-stream's names are Node's stream classes", async (t) => {
  t.equal(native.Duplex, Stream.Duplex);
  t.equal(native.Readable, Stream.Readable);
  t.equal(native.Writable, Stream.Writable);
  t.equal(native.Transform, Stream.Transform);
  t.equal(native.PassThrough, Stream.PassThrough);
  t.equal(native.pipeline, Stream.pipeline);
  t.equal(native.finished, Stream.finished);
  t.equal(native.Stream, Stream);
  t.equal(typeof native.destroy, 'function', 'destroy, which @types/node does not declare, is there too');
});
