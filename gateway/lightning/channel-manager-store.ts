/**
 * The `ChannelManager` on disk, `<dataDir>/channel-manager` (written with
 * its monitors by channel-state-journal.ts), and reading a node back in the
 * order LDK requires: the channel monitors first, then the manager that refers to
 * them. A monitor or manager that does not read stops the node from
 * starting: running on without one could lose a channel's funds.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChannelMonitor, EntropySource, SignerProvider } from 'lightningdevkit';
import type { Ldk } from './ldk.js';
import { MONITORS_DIR } from './monitor-persister.js';

export const CHANNEL_MANAGER_FILE = 'channel-manager';

/** The data directory holds what LDK cannot read back: the node must not start on it. */
export class LightningStoreError extends Error {
  override name = 'LightningStoreError';
}

/** The persisted manager's bytes, or undefined for a node never started here. */
export function readChannelManagerBytes(dataDir: string): Uint8Array | undefined {
  const path = join(dataDir, CHANNEL_MANAGER_FILE);
  return existsSync(path) ? readFileSync(path) : undefined;
}

/** Every monitor under `monitors/` (temporaries of an interrupted write skipped). */
export function readMonitors(ldk: Ldk, dataDir: string, entropy: EntropySource, signer: SignerProvider): ChannelMonitor[] {
  const directory = join(dataDir, MONITORS_DIR);
  if (!existsSync(directory)) return [];
  const names = readdirSync(directory).filter((name) => !name.startsWith('.')).sort();
  return names.map((name) => {
    const read = ldk.UtilMethods.constructor_C2Tuple_ThirtyTwoBytesChannelMonitorZ_read(readFileSync(join(directory, name)), entropy, signer);
    if (!(read instanceof ldk.Result_C2Tuple_ThirtyTwoBytesChannelMonitorZDecodeErrorZ_OK)) {
      throw new LightningStoreError(`the channel monitor ${join(directory, name)} does not read back; restore it from a backup before starting`);
    }
    return read.res.get_b();
  });
}
