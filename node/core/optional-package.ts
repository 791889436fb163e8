/**
 * A package loaded only where it is used (`await import()` at first use):
 * a device loads the code of the media and verbs it runs, not all of them.
 * The import is passed in as a function so that a bundler still sees its
 * literal specifier. A package that is not there (a device bundle built
 * without it, a broken install) is a `MissingPackageError` naming it and
 * what needs it, rather than Node's bare "Cannot find package".
 */

/** Thrown when a package loaded on first use is not installed. */
export class MissingPackageError extends Error {
  override name = 'MissingPackageError';
  constructor(
    readonly packageName: string,
    readonly neededFor: string,
    override readonly cause: unknown,
  ) {
    super(`the package ${packageName} (needed for ${neededFor}) cannot be loaded: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/** `load()`, with a missing package (or one that fails to load) reported as a `MissingPackageError`. */
export async function loadOptionalPackage<T>(packageName: string, neededFor: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new MissingPackageError(packageName, neededFor, error);
  }
}

/**
 * The export `name` of a package loaded with `import()`: Node's loader names
 * a CommonJS package's exports, an esbuild chunk (the device bundle) has
 * them only under `default`. Absent from both, the package is not the one
 * expected: a `MissingPackageError` too.
 */
export function exportOf<M extends object, K extends keyof M & string>(module: M, name: K, packageName: string, neededFor: string): M[K] {
  const value = module[name] ?? (module as { default?: Partial<M> }).default?.[name];
  if (value === undefined) throw new MissingPackageError(packageName, neededFor, new Error(`it has no export ${name}`));
  return value as M[K];
}
