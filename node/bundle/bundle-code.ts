/**
 * Step one of the device bundle: the device's `lnmesh` and everything it
 * imports, in one ES module (lnmesh.mjs) built by esbuild, except the
 * packages that load native code (external-packages.ts); and `lnmesh check`
 * alone in another (check.mjs, see node/cli/check-program.ts).
 *
 * ES module output keeps the entry's top-level await and `import.meta.url`
 * working. Inlined CommonJS code still calls `require` and reads
 * `__dirname`: a banner gives the module a `require` (createRequire) and
 * the bundle's own file and folder, where its node_modules is.
 */
import { chmodSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { type Message, build } from 'esbuild';
import { BundleError } from './bundle-error.js';
import { checkDeviceGraph } from './clean-graph.js';
import { EXTERNAL_PACKAGES } from './external-packages.js';
import { deviceSubstitutes } from './device-substitutes.js';

/** What inlined CommonJS code expects of its module scope (esbuild renames any inlined declaration these would clash with). */
const BANNER = [
  "import { createRequire as __lnmeshCreateRequire } from 'node:module';",
  "import { dirname as __lnmeshDirnameOf } from 'node:path';",
  "import { fileURLToPath as __lnmeshFileURLToPath } from 'node:url';",
  'const require = __lnmeshCreateRequire(import.meta.url);',
  'const __lnmeshFilename = __lnmeshFileURLToPath(import.meta.url);',
  'const __lnmeshDirname = __lnmeshDirnameOf(__lnmeshFilename);',
].join('\n');

export const DEVICE_ENTRY = 'node/cli/lnmesh-device.ts';
export const BUNDLE_MAIN = 'lnmesh.mjs';
/** `lnmesh check` on its own (node/cli/check-program.ts), so that it works when lnmesh.mjs cannot start. */
export const CHECK_ENTRY = 'node/cli/check-program.ts';
export const BUNDLE_CHECK = 'check.mjs';

export interface BundleCodeOptions {
  /** The lnmesh source tree. */
  readonly root: string;
  /** The folder that receives lnmesh.mjs and its runtime files. */
  readonly outDir: string;
  /** Relative to root; the device's entry point unless a test says otherwise. */
  readonly entry?: string;
}

export interface BundledCode {
  /** Files written into outDir, by name. */
  readonly files: readonly string[];
  /** How many source files went in, and the size of lnmesh.mjs. */
  readonly inputCount: number;
  readonly bytes: number;
  readonly warnings: readonly string[];
}

export async function bundleDeviceCode(options: BundleCodeOptions): Promise<BundledCode> {
  const entry = options.entry ?? DEVICE_ENTRY;
  const outputs = [BUNDLE_MAIN, BUNDLE_CHECK];
  let result;
  try {
    result = await build({
      absWorkingDir: options.root,
      entryPoints: [
        { in: entry, out: basename(BUNDLE_MAIN, '.mjs') },
        { in: CHECK_ENTRY, out: basename(BUNDLE_CHECK, '.mjs') },
      ],
      outdir: options.outDir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      // Chunks: what a verb imports lazily (the daemon, with lmdb and serialport) loads only for that verb,
      // so a device whose native modules do not load still answers `status`, `seed`, `check`.
      splitting: true,
      // The device holds every module's source in memory while it runs: without whitespace and comments
      // it is smaller, and plain ASCII (a comment's "§" or "–" made V8 keep a whole chunk as two-byte text).
      // Names are kept (no minified identifiers), so errors and stacks still read.
      minifyWhitespace: true,
      minifySyntax: true,
      chunkNames: 'lnmesh-[name]-[hash]',
      external: EXTERNAL_PACKAGES.map((external) => external.name),
      banner: { js: BANNER },
      define: { __dirname: '__lnmeshDirname', __filename: '__lnmeshFilename' },
      plugins: [deviceSubstitutes(options.root)],
      metafile: true,
      logLevel: 'silent',
    });
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    if (!errors) throw error;
    throw new BundleError(`esbuild could not bundle ${entry}: ${errors.map(formatMessage).join('; ')}`);
  }
  checkDeviceGraph(result.metafile, entry);
  checkDeviceGraph(result.metafile, CHECK_ENTRY);
  // esbuild marks them executable (they start with #!); bin/lnmesh is the way to run them, with its Node.js check.
  for (const output of outputs) chmodSync(join(options.outDir, output), 0o644);
  const inputs = Object.keys(result.metafile.inputs);
  const outDir = resolve(options.root, options.outDir);
  const files = [...outputs, ...Object.keys(result.metafile.outputs).map((path) => relative(outDir, resolve(options.root, path))).filter((path) => path.startsWith('lnmesh-'))];
  for (const chunk of files.slice(outputs.length)) chmodSync(join(options.outDir, chunk), 0o644);
  return { files, inputCount: inputs.length, bytes: statSync(join(options.outDir, BUNDLE_MAIN)).size, warnings: result.warnings.map(formatMessage) };
}

function formatMessage(message: Message): string {
  const where = message.location ? `${message.location.file}:${message.location.line}: ` : '';
  return `${where}${message.text}`;
}
