/** Resident memory and the JavaScript heap, in MB: small devices have little. */
export function memoryFigures(): { rssMB: number; heapUsedMB: number; externalMB: number } {
  const usage = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 104_857.6) / 10;
  return { rssMB: mb(usage.rss), heapUsedMB: mb(usage.heapUsed), externalMB: mb(usage.external + usage.arrayBuffers) };
}
