/**
 * Thrown when a device bundle cannot be built as asked: the message says what
 * went wrong and what to do (run npm ci, check the registry, fix an import).
 */
export class BundleError extends Error {
  override name = 'BundleError';
}
