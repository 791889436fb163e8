/**
 * LDK's `Persist` for the `ChainMonitor`: each channel's `ChannelMonitor`
 * as one file, `monitors/<txid>_<vout>` under the data directory (the
 * funding outpoint names it, as LDK's own `MonitorUpdatingPersister` does),
 * rewritten whole and durably on every update. A closed channel's monitor
 * moves to `archived_monitors/`, never deleted.
 *
 * A write that fails answers `InProgress`: LDK holds the channel (no new
 * state is signed) until `retryFailed` has written the monitor and told the
 * `ChainMonitor` with `channel_monitor_updated`.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Logger } from '../../node/core/logger.js';
import type { Ldk } from './ldk.js';
import { fsyncDirectory, writeFileDurably } from '../../node/core/durable-file.js';
import type { ChainMonitor, ChannelMonitor, ChannelMonitorUpdateStatus, OutPoint, Persist } from 'lightningdevkit';

export const MONITORS_DIR = 'monitors';
export const ARCHIVED_MONITORS_DIR = 'archived_monitors';

/** The file name of the monitor of the channel funded at `outpoint` (txid as displayed). */
export function monitorFileName(outpoint: OutPoint): string {
  return `${bytesToHex(outpoint.get_txid().slice().reverse())}_${outpoint.get_index()}`;
}

export interface MonitorPersister {
  readonly persist: Persist;
  /** How many monitors wait for a write that failed. */
  readonly failedCount: () => number;
  /** Writes again each monitor whose write failed; those written are reported to `chainMonitor` as persisted. */
  readonly retryFailed: (chainMonitor: ChainMonitor) => void;
}

interface FailedWrite {
  readonly outpoint: OutPoint;
  readonly bytes: Uint8Array;
  readonly updateId: bigint;
}

/** `writeFile` is a parameter so that tests can make writes fail. */
export function monitorPersister(ldk: Ldk, dataDir: string, logger: Logger, writeFile = writeFileDurably): MonitorPersister {
  const { Completed, InProgress } = {
    Completed: ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_Completed,
    InProgress: ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_InProgress,
  };
  const failed = new Map<string, FailedWrite>();
  const write = (outpoint: OutPoint, monitor: ChannelMonitor): ChannelMonitorUpdateStatus => {
    const name = monitorFileName(outpoint);
    // Serialized now: the monitor object is LDK's and lives only for this call.
    const bytes = monitor.write();
    try {
      writeFile(join(dataDir, MONITORS_DIR, name), bytes);
      failed.delete(name);
      return Completed;
    } catch (error) {
      // InProgress holds the channel still (LDK panics on UnrecoverableError).
      failed.set(name, { outpoint: outpoint.clone(), bytes, updateId: monitor.get_latest_update_id() });
      logger.log('error', 'cannot persist a channel monitor; the channel is held until a retry succeeds', { monitor: name, error: String(error) });
      return InProgress;
    }
  };
  const persist = ldk.Persist.new_impl({
    persist_new_channel: (outpoint, monitor) => write(outpoint, monitor),
    update_persisted_channel: (outpoint, _update, monitor) => write(outpoint, monitor),
    archive_persisted_channel: (outpoint) => archive(dataDir, monitorFileName(outpoint)),
  });
  const retryFailed = (chainMonitor: ChainMonitor) => {
    for (const [name, pending] of failed) {
      try {
        writeFile(join(dataDir, MONITORS_DIR, name), pending.bytes);
      } catch (error) {
        logger.log('error', 'still cannot persist a channel monitor', { monitor: name, error: String(error) });
        continue;
      }
      failed.delete(name);
      reportPersisted(chainMonitor, pending, name, logger);
    }
  };
  return { persist, failedCount: () => failed.size, retryFailed };
}

/** Each update LDK waits on, up to the one written, is now on disk. */
function reportPersisted(chainMonitor: ChainMonitor, written: FailedWrite, name: string, logger: Logger): void {
  for (const pending of chainMonitor.list_pending_monitor_updates()) {
    if (monitorFileName(pending.get_a()) !== name) continue;
    for (const updateId of pending.get_b()) {
      if (updateId > written.updateId) continue;
      const result = chainMonitor.channel_monitor_updated(pending.get_a(), updateId);
      if (!result.is_ok()) logger.log('error', 'LDK refused a persisted monitor update', { monitor: name, updateId: String(updateId) });
    }
  }
}

function archive(dataDir: string, name: string): void {
  const from = join(dataDir, MONITORS_DIR, name);
  if (!existsSync(from)) return;
  const archived = join(dataDir, ARCHIVED_MONITORS_DIR);
  mkdirSync(archived, { recursive: true });
  renameSync(from, join(archived, name));
  fsyncDirectory(archived);
  fsyncDirectory(join(dataDir, MONITORS_DIR));
}
