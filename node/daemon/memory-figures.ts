/**
 * Resident memory and the JavaScript heap, in MB: small devices have little.
 * `externalMB` is memory V8 does not manage (buffers, WebAssembly memories,
 * native modules' buffers), which Node's `external` already includes
 * `arrayBuffers` in. It counts what was allocated, not what is resident:
 * lmdb's 16 MB shared read buffer is in it but mostly untouched.
 */
export function memoryFigures(): { rssMB: number; heapUsedMB: number; externalMB: number } {
  const usage = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 104_857.6) / 10;
  return { rssMB: mb(usage.rss), heapUsedMB: mb(usage.heapUsed), externalMB: mb(usage.external) };
}
