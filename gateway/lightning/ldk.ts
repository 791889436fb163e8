/**
 * rust-lightning, as the `lightningdevkit` package's WebAssembly build: the
 * gateway's Lightning side (issue 17). The module is one instance per
 * process; `loadLdk` compiles it the first time and hands the same module
 * back after. Only gateway/lightning/ imports the package, and through here;
 * other files import its types only. Imported on first use, not with the
 * gateway: parsing its bindings takes most of a second and ~60 MB.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { silentLogger, type Logger } from '../../node/core/logger.js';

export type Ldk = typeof import('lightningdevkit');

let loading: Promise<Ldk> | undefined;

/**
 * The LDK module, its WebAssembly compiled and instantiated (once per process;
 * `logger` is the first caller's, for the version line the package prints).
 */
export function loadLdk(logger: Logger = silentLogger): Promise<Ldk> {
  loading ??= instantiate(logger).catch((error: unknown) => {
    loading = undefined; // a failed load may be retried
    throw error;
  });
  return loading;
}

async function instantiate(logger: Logger): Promise<Ldk> {
  const ldk: Ldk = await import('lightningdevkit');
  const require = createRequire(import.meta.url);
  const wasm = await readFile(require.resolve('lightningdevkit/liblightningjs.wasm'));
  // The package prints its version to stdout, where the daemon's JSON log
  // lines go: that one line goes to our logger; any other passes through.
  const print = console.log;
  console.log = (...args: unknown[]) => {
    const line = args.map(String).join(' ');
    if (line.startsWith(VERSION_LINE)) logger.log('info', line);
    else print(...args);
  };
  try {
    await ldk.initializeWasmFromBinary(wasm);
  } finally {
    console.log = print;
  }
  return ldk;
}

const VERSION_LINE = 'Loaded LDK-Java Bindings';
