/**
 * LDK's `Persist` for the `ChainMonitor`: each channel's `ChannelMonitor`
 * as one file, `monitors/<txid>_<vout>` under the data directory (the
 * funding outpoint names it, as LDK's own `MonitorUpdatingPersister` does),
 * rewritten whole and durably. A closed channel's monitor moves to
 * `archived_monitors/`, never deleted.
 *
 * A channel's update (a new commitment, a revocation, a claim) never reaches
 * the disk apart from the manager it goes with: LDK force-closes a channel
 * whose manager on disk is older than its monitor (a gateway killed between
 * the two writes did that), and refuses to read a manager that lists a claim
 * in flight beside a monitor that already holds it. So each update goes
 * through three steps, one per round of the node's event loop:
 * 1. `staged`: the update answers `InProgress` and its monitor waits here,
 *    serialized. LDK sends none of the channel's messages meanwhile.
 * 2. The node commits its manager, which lists the update in flight (a
 *    restart replays it onto the monitor on disk); `committed` then tells
 *    the `ChainMonitor` it is persisted, and the monitor is `announced`.
 * 3. The next commit writes the manager, which has seen the update
 *    completed, together with the announced monitor (channel-state-journal.ts).
 *
 * A new channel's monitor is written at once (a manager holds no update to
 * replay it from), and a chain-sync write too unless the channel's monitor
 * waits here: then it replaces the waiting bytes. A new channel's write that
 * fails holds the channel (`InProgress`) until `retryFailed` writes it.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '../../node/core/hex.js';
import type { Logger } from '../../node/core/logger.js';
import type { Ldk } from './ldk.js';
import { fsyncDirectory, writeFileDurably } from '../../node/core/durable-file.js';
import type { ChainMonitor, ChannelMonitor, ChannelMonitorUpdate, ChannelMonitorUpdateStatus, OutPoint, Persist } from 'lightningdevkit';

export const MONITORS_DIR = 'monitors';
export const ARCHIVED_MONITORS_DIR = 'archived_monitors';

/** The file name of the monitor of the channel funded at `outpoint` (txid as displayed). */
export function monitorFileName(outpoint: OutPoint): string {
  return `${bytesToHex(outpoint.get_txid().slice().reverse())}_${outpoint.get_index()}`;
}

export interface MonitorPersister {
  readonly persist: Persist;
  /** Monitors not on disk yet: staged, announced, or a new channel's whose write failed. */
  readonly pendingCount: () => number;
  /** The monitors the next commit writes beside the manager (by file name): those LDK was told are persisted. */
  readonly announced: () => ReadonlyMap<string, Uint8Array>;
  /**
   * The manager is committed, with the announced monitors: they are on disk. Each staged update is listed in
   * flight in that manager, so it is now persisted as far as LDK is concerned: `chainMonitor` is told, and its
   * monitor goes with the next commit.
   */
  readonly committed: (chainMonitor: ChainMonitor) => void;
  /** Writes again each new channel's monitor whose write failed; those written are reported to `chainMonitor`. */
  readonly retryFailed: (chainMonitor: ChainMonitor) => void;
}

interface WaitingMonitor {
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
  const staged = new Map<string, WaitingMonitor>();
  const announced = new Map<string, WaitingMonitor>();
  const failedNew = new Map<string, WaitingMonitor>();
  // Serialized now: the monitor object is LDK's and lives only for this call.
  const waiting = (outpoint: OutPoint, monitor: ChannelMonitor): WaitingMonitor => ({ outpoint: outpoint.clone(), bytes: monitor.write(), updateId: monitor.get_latest_update_id() });
  const writeMonitor = (name: string, bytes: Uint8Array) => writeFile(join(dataDir, MONITORS_DIR, name), bytes);

  const persistNew = (outpoint: OutPoint, monitor: ChannelMonitor): ChannelMonitorUpdateStatus => {
    const name = monitorFileName(outpoint);
    const write = waiting(outpoint, monitor);
    try {
      writeMonitor(name, write.bytes);
      return Completed;
    } catch (error) {
      // InProgress holds the channel still (LDK panics on UnrecoverableError).
      failedNew.set(name, write);
      logger.log('error', 'cannot persist a channel monitor; the channel is held until a retry succeeds', { monitor: name, error: String(error) });
      return InProgress;
    }
  };
  const persistUpdate = (outpoint: OutPoint, update: ChannelMonitorUpdate, monitor: ChannelMonitor): ChannelMonitorUpdateStatus => {
    const name = monitorFileName(outpoint);
    if (!isChainSync(update)) {
      staged.set(name, waiting(outpoint, monitor));
      return InProgress;
    }
    // Chain data only: no manager state depends on it, but it must not overtake a waiting update.
    const queue = staged.has(name) ? staged : announced.has(name) ? announced : failedNew.has(name) ? failedNew : undefined;
    if (queue) {
      queue.set(name, waiting(outpoint, monitor));
      return InProgress;
    }
    const write = waiting(outpoint, monitor);
    try {
      writeMonitor(name, write.bytes);
      return Completed;
    } catch (error) {
      // Written with the next commit (a chain-sync write is not tracked by LDK: nothing is held).
      announced.set(name, write);
      logger.log('warn', 'cannot write a channel monitor after a block; it goes with the next commit', { monitor: name, error: String(error) });
      return InProgress;
    }
  };
  const persist = ldk.Persist.new_impl({
    persist_new_channel: persistNew,
    update_persisted_channel: persistUpdate,
    archive_persisted_channel: (outpoint) => {
      const name = monitorFileName(outpoint);
      for (const queue of [staged, announced, failedNew]) queue.delete(name);
      archive(dataDir, name);
    },
  });

  return {
    persist,
    pendingCount: () => staged.size + announced.size + failedNew.size,
    announced: () => new Map([...announced].map(([name, write]) => [name, write.bytes])),
    committed: (chainMonitor) => announceStaged(staged, announced, chainMonitor, logger),
    retryFailed: (chainMonitor) => retryFailedWrites(failedNew, writeMonitor, chainMonitor, logger),
  };
}

/** After a commit: the announced monitors are on disk; the staged become announced, LDK told they are persisted. */
function announceStaged(staged: Map<string, WaitingMonitor>, announced: Map<string, WaitingMonitor>, chainMonitor: ChainMonitor, logger: Logger): void {
  announced.clear();
  for (const [name, write] of staged) {
    reportPersisted(chainMonitor, write, name, logger);
    announced.set(name, write);
  }
  staged.clear();
}

function retryFailedWrites(failedNew: Map<string, WaitingMonitor>, write: (name: string, bytes: Uint8Array) => void, chainMonitor: ChainMonitor, logger: Logger): void {
  for (const [name, waiting] of failedNew) {
    try {
      write(name, waiting.bytes);
    } catch (error) {
      logger.log('error', 'still cannot persist a channel monitor', { monitor: name, error: String(error) });
      continue;
    }
    failedNew.delete(name);
    reportPersisted(chainMonitor, waiting, name, logger);
  }
}

/** A write for blocks, not channel state: LDK's None update, which the bindings hand over as an object on a null pointer. */
function isChainSync(update: ChannelMonitorUpdate | null): boolean {
  if (update === null) return true;
  const pointer = (update as unknown as { ptr: bigint | number }).ptr;
  return pointer === 0n || pointer === 0;
}

/** Each update LDK waits on, up to the one written, is now persisted. */
function reportPersisted(chainMonitor: ChainMonitor, written: WaitingMonitor, name: string, logger: Logger): void {
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
