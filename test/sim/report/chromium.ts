/**
 * Debian's Chromium, headless, as a person's browser would open a report:
 * `dumpDom` loads a local page and returns the DOM it built. Nothing is
 * installed at run time; `.ci/run` installs the `chromium` package, and under
 * CI (CI=true) a missing Chromium is a failure, not a skip.
 *
 * The flags keep it from reaching the network on its own (no updates, sync
 * or background fetches) and give each run a fresh profile.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const CANDIDATES = ['/usr/bin/chromium', 'chromium'];
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The Chromium to run, or undefined when none answers `--version`. */
export function findChromium(): string | undefined {
  return CANDIDATES.find((candidate) => (candidate.startsWith('/') ? existsSync(candidate) : true) && spawnSync(candidate, ['--version'], { stdio: 'ignore', timeout: 30_000 }).status === 0);
}

/** Why a browser test cannot run here, or undefined when it can. In CI a missing Chromium is a failure. */
export function chromiumSkipReason(): string | undefined {
  if (findChromium() !== undefined) return undefined;
  if (process.env.CI === 'true') throw new Error('chromium is not installed, and CI=true requires the browser tests to run (.ci/run installs it)');
  return 'chromium is not installed (apt-get install chromium); this test opens the report in a real browser';
}

/** The DOM Chromium builds from the page at `file`, serialized. */
export function dumpDom(file: string): string {
  const chromium = findChromium();
  if (chromium === undefined) throw new Error('chromium is not installed');
  const profile = mkdtempSync(join(tmpdir(), 'lnmesh-chromium-'));
  try {
    const result = spawnSync(chromium, [...FLAGS, `--user-data-dir=${profile}`, '--dump-dom', pathToFileURL(file).href], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0 || !result.stdout) {
      throw new Error(`chromium --dump-dom ${file} failed (status ${result.status}, ${result.error?.message ?? 'no error'}): ${(result.stderr ?? '').slice(-2000)}`);
    }
    return result.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
