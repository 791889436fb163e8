/**
 * What the node daemon and the gateway daemon do alike around their own
 * parts: lock the data directory, open the stores, start the service,
 * answer the control socket, and stop it all in reverse order: the control
 * socket, the service (links closed), the stores (flushed, last opened
 * first), the lock. A start that fails undoes what it had done.
 */
import type { ControlApi, ControlHandlers } from '../control/control-api.js';
import { ControlServer } from '../control/control-server.js';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import { octal } from './data-dir-permissions.js';
import { type Logger, componentLogger } from './logger.js';

/** A store the host closes when the daemon stops. */
export interface Closable {
  close(): unknown;
}

/** What the host starts, and stops before the stores close: a `MeshNode`, a `Gateway`. */
export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface DaemonHostInit {
  readonly dataDir: string;
  readonly controlSocket: string;
  readonly logger: Logger;
}

export class DaemonHost {
  readonly #stores: Closable[] = [];
  #service: Service | undefined;
  #control: ControlServer | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(
    private readonly init: DaemonHostInit,
    private readonly lock: DataDirLock,
  ) {}

  /**
   * Locks the data directory, then runs `build` with the host; when it
   * throws, whatever it started stops and whatever it opened closes before
   * the error goes on.
   */
  static async start<Daemon>(init: DaemonHostInit, build: (host: DaemonHost) => Promise<Daemon>): Promise<Daemon> {
    // Refuses a data directory that others can write; from here on every file the daemon makes is owner-only.
    const lock = lockDataDir(init.dataDir);
    if (lock.tightenedFrom !== undefined) init.logger.warn({ dataDir: init.dataDir, was: octal(lock.tightenedFrom) }, 'the data directory was readable by group or others: made 0700');
    const host = new DaemonHost(init, lock);
    try {
      return await build(host);
    } catch (error) {
      await host.#undo(async () => {
        await host.#control?.stop();
        await host.#service?.stop().catch(() => {}); // whatever started stops before its stores close
      });
      throw error;
    }
  }

  /** Keeps `store` to close when the daemon stops, before those opened earlier. */
  open<Store extends Closable>(store: Store): Store {
    this.#stores.push(store);
    return store;
  }

  /** Starts the service; it stops, when the daemon does, before the stores close. */
  async run(service: Service): Promise<void> {
    this.#service = service;
    await service.start();
  }

  /** Answers the control socket with a handler for each method of the daemon's table, until the daemon stops. */
  async listen<Api extends ControlApi>(handlers: ControlHandlers<Api>): Promise<void> {
    const control = new ControlServer(handlers, { socketPath: this.init.controlSocket, logger: componentLogger(this.init.logger, 'control') });
    await control.start();
    this.#control = control;
  }

  /** Stops everything, once; later calls wait for the first. */
  stop(): Promise<void> {
    this.#stopping ??= this.#undo(async () => {
      await this.#control?.stop();
      await this.#service?.stop();
    });
    return this.#stopping;
  }

  /** The stores close and the lock goes even if the service would not stop cleanly. */
  async #undo(stopRunning: () => Promise<void>): Promise<void> {
    try {
      await stopRunning();
    } finally {
      for (const store of [...this.#stores].reverse()) await store.close();
      this.lock.release();
    }
  }
}
