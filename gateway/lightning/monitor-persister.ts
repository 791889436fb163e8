/**
 * LDK's `Persist` for the `ChainMonitor`: each channel's `ChannelMonitor`
 * as one file, `monitors/<txid>_<vout>` under the data directory (the
 * funding outpoint names it, as LDK's own `MonitorUpdatingPersister` does),
 * rewritten whole and durably on every update. A closed channel's monitor
 * moves to `archived_monitors/`, never deleted.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Logger } from '../../node/core/logger.js';
import type { Ldk } from './ldk.js';
import { fsyncDirectory, writeFileDurably } from './durable-file.js';
import type { ChannelMonitor, ChannelMonitorUpdateStatus, OutPoint, Persist } from 'lightningdevkit';

export const MONITORS_DIR = 'monitors';
export const ARCHIVED_MONITORS_DIR = 'archived_monitors';

/** The file name of the monitor of the channel funded at `outpoint` (txid as displayed). */
export function monitorFileName(outpoint: OutPoint): string {
  return `${bytesToHex(outpoint.get_txid().slice().reverse())}_${outpoint.get_index()}`;
}

export function monitorPersister(ldk: Ldk, dataDir: string, logger: Logger): Persist {
  const { Completed, InProgress } = {
    Completed: ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_Completed,
    InProgress: ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_InProgress,
  };
  const write = (outpoint: OutPoint, monitor: ChannelMonitor): ChannelMonitorUpdateStatus => {
    const name = monitorFileName(outpoint);
    try {
      writeFileDurably(join(dataDir, MONITORS_DIR, name), monitor.write());
      return Completed;
    } catch (error) {
      // InProgress holds the channel still (LDK panics on UnrecoverableError).
      // Retrying and calling ChainMonitor.channel_monitor_updated is a later slice.
      logger.log('error', 'cannot persist a channel monitor; the channel is held', { monitor: name, error: String(error) });
      return InProgress;
    }
  };
  return ldk.Persist.new_impl({
    persist_new_channel: (outpoint, monitor) => write(outpoint, monitor),
    update_persisted_channel: (outpoint, _update, monitor) => write(outpoint, monitor),
    archive_persisted_channel(outpoint) {
      const name = monitorFileName(outpoint);
      const from = join(dataDir, MONITORS_DIR, name);
      if (!existsSync(from)) return;
      const archive = join(dataDir, ARCHIVED_MONITORS_DIR);
      mkdirSync(archive, { recursive: true });
      renameSync(from, join(archive, name));
      fsyncDirectory(archive);
      fsyncDirectory(join(dataDir, MONITORS_DIR));
    },
  });
}
