/**
 * `lnmesh check`: does lnmesh's native code load and work on this machine?
 * The first thing to run on a new device (a bundle for the wrong
 * architecture, or a Node.js too old or built for another ABI, fails here
 * with the reason, not later inside the daemon). Each module is loaded only
 * here, when the check runs, so that one that fails is reported, not fatal.
 *
 * Exit status 1 when lmdb (the stores) or serialport (the radio) fails; the
 * two decoders are optional (their packages work without them, slower).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';

interface CheckRow {
  readonly module: string;
  readonly ok: boolean;
  readonly detail: string;
  /** lnmesh cannot run without it. */
  readonly required: boolean;
}

/** A port path that exists on no machine: opening it proves the native serial code answers, and touches nothing. */
const ABSENT_PORT = '/dev/lnmesh-check-no-such-port';

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .summary("check that lnmesh's native modules work on this machine")
    .description(
      [
        "Loads each of lnmesh's native modules and has it do something harmless,",
        'then prints ok or fail for each, with the reason:',
        '  lmdb              writes and reads a record in a temporary store',
        "  msgpackr-extract  lmdb's fast decoder (optional)",
        "  cbor-extract      cbor-x's fast decoder (optional)",
        '  serialport        has the native serial code open a port that does not',
        '                    exist, and lists the serial ports it finds',
        'Exit status 1 when lmdb or serialport fails: lnmesh cannot run here.',
      ].join('\n'),
    )
    .action(async () => {
      console.log(`Node.js ${process.version} on ${process.platform}-${process.arch} (ABI ${process.versions.modules})`);
      const rows = [await checkLmdb(), checkMsgpackrExtract(), await checkCborExtract(), await checkSerialport()];
      const width = Math.max(...rows.map((row) => row.module.length));
      for (const row of rows) {
        console.log(`${row.module.padEnd(width)}  ${(row.ok ? 'ok' : 'fail').padEnd(4)}  ${row.detail}`);
      }
      const failed = rows.filter((row) => row.required && !row.ok);
      if (failed.length > 0) {
        console.log(`lnmesh cannot run here: ${failed.map((row) => row.module).join(' and ')} failed`);
        process.exitCode = 1;
      } else {
        console.log('lnmesh can run here');
      }
    });
}

async function checkLmdb(): Promise<CheckRow> {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-check-'));
  try {
    const { open } = await import('lmdb');
    const db = open<{ text: string; bytes: Uint8Array }, string>({ path: dir });
    try {
      await db.put('check', { text: 'lnmesh', bytes: Uint8Array.of(1, 2, 3) });
      const back = db.get('check');
      if (back?.text !== 'lnmesh' || back.bytes?.length !== 3) return row('lmdb', false, 'the record read back differs from the one written', true);
    } finally {
      await db.close();
    }
    return row('lmdb', true, 'wrote and read a record in a temporary store', true);
  } catch (error) {
    return row('lmdb', false, firstLine(error), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkMsgpackrExtract(): CheckRow {
  try {
    const extract = createRequire(import.meta.url)('msgpackr-extract') as { extractStrings?: unknown };
    if (typeof extract.extractStrings !== 'function') return row('msgpackr-extract', false, 'loaded, but without its extractStrings function', false);
    return row('msgpackr-extract', true, 'loaded: lmdb decodes records natively', false);
  } catch (error) {
    return row('msgpackr-extract', false, `${firstLine(error)} (lmdb works without it, slower)`, false);
  }
}

async function checkCborExtract(): Promise<CheckRow> {
  const cbor = await import('cbor-x');
  if (cbor.isNativeAccelerationEnabled) return row('cbor-extract', true, 'in use by cbor-x', false);
  let reason = 'not in use by cbor-x';
  try {
    createRequire(import.meta.url)('cbor-extract');
  } catch (error) {
    reason = firstLine(error);
  }
  return row('cbor-extract', false, `${reason} (cbor-x works without it, slower)`, false);
}

async function checkSerialport(): Promise<CheckRow> {
  let binding;
  try {
    binding = (await import('@serialport/bindings-cpp')).autoDetect();
  } catch (error) {
    return row('serialport', false, firstLine(error), true);
  }
  try {
    const port = await binding.open({ path: ABSENT_PORT, baudRate: 9600 });
    await port.close();
    return row('serialport', false, `${ABSENT_PORT} opened: the native code did not answer as expected`, true);
  } catch (error) {
    if (!/no such file|ENOENT/i.test(String((error as Error)?.message))) return row('serialport', false, firstLine(error), true);
  }
  let ports: string;
  try {
    const found = await binding.list();
    ports = found.length === 0 ? 'no serial ports found' : `serial ports: ${found.map((port) => port.path).join(', ')}`;
  } catch (error) {
    ports = `cannot list the serial ports (${firstLine(error)})`;
  }
  return row('serialport', true, `the native serial code answers; ${ports}`, true);
}

function row(module: string, ok: boolean, detail: string, required: boolean): CheckRow {
  return { module, ok, detail, required };
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]?.trim() ?? '';
}
