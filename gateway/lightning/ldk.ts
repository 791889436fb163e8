/**
 * rust-lightning, as the `lightningdevkit` package's WebAssembly build: the
 * gateway's Lightning side (issue 17). The module is one instance per
 * process; `loadLdk` compiles it the first time and hands the same module
 * back after. Only gateway/lightning/ imports the package, and through here.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as ldk from 'lightningdevkit';

export type Ldk = typeof ldk;

let loading: Promise<Ldk> | undefined;

/** The LDK module, its WebAssembly compiled and instantiated (once per process). */
export function loadLdk(): Promise<Ldk> {
  loading ??= instantiate().catch((error: unknown) => {
    loading = undefined; // a failed load may be retried
    throw error;
  });
  return loading;
}

async function instantiate(): Promise<Ldk> {
  const require = createRequire(import.meta.url);
  const wasmPath = require.resolve('lightningdevkit/liblightningjs.wasm');
  await ldk.initializeWasmFromBinary(await readFile(wasmPath));
  return ldk;
}
