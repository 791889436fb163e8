/**
 * Keeps the node connected to the peers it has channels with (as
 * ldk-sample does): at start and every `everyMs`, each peer we have a
 * channel with, an address for, and no connection to is dialled. A peer
 * still missing is tried less and less often: after n dials in a row, not
 * before `everyMs * 2^n` (at most `maxBackoffMs`) has passed; seen
 * connected, it starts over. A dial whose TCP connects but whose handshake
 * fails (another node at that address) backs off the same way. Errors are
 * logged, never thrown.
 */
import type { Clock } from '../../node/core/clock.js';
import type { Logger } from '../../node/core/logger.js';
import type { PeerAddress } from './peer-addresses.js';

export interface ReconnectPolicy {
  /** How often the peers are checked (ms). */
  readonly everyMs: number;
  /** The longest a peer that cannot be reached waits between tries (ms). */
  readonly maxBackoffMs: number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = { everyMs: 10_000, maxBackoffMs: 5 * 60_000 };

/** What the reconnector needs of the node. */
export interface ReconnectTargets {
  /** Node ids (hex) we have a channel with and no connection to. */
  missing(): string[];
  address(nodeId: string): PeerAddress | undefined;
  /** Resolves once TCP is connected and the handshake started; rejects if not. */
  connect(nodeId: string, address: PeerAddress): Promise<void>;
}

interface Backoff {
  readonly failures: number;
  readonly notBefore: number;
}

export class Reconnector {
  private readonly backoff = new Map<string, Backoff>();
  private readonly dialling = new Set<string>();
  private cancelTimer: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly targets: ReconnectTargets,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly policy: ReconnectPolicy = DEFAULT_RECONNECT_POLICY,
  ) {}

  /** Dials the missing peers now, then every `everyMs` until `stop`. */
  start(): void {
    this.round();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /** One pass: each missing peer with an address, not dialling already and past its back-off. */
  round(): void {
    if (this.stopped) return;
    let missing: string[];
    try {
      missing = this.targets.missing();
    } catch (error) {
      return this.logger.log('error', 'cannot list the peers to reconnect', { error: String(error) });
    }
    const now = this.clock.now();
    for (const nodeId of this.backoff.keys()) if (!missing.includes(nodeId)) this.backoff.delete(nodeId); // connected: start over
    for (const nodeId of missing) {
      const address = this.targets.address(nodeId);
      if (!address || this.dialling.has(nodeId) || (this.backoff.get(nodeId)?.notBefore ?? 0) > now) continue;
      void this.dial(nodeId, address);
    }
  }

  private async dial(nodeId: string, address: PeerAddress): Promise<void> {
    this.dialling.add(nodeId);
    // Counted until the peer is seen connected (the next round clears it): a failed handshake backs off too.
    const failures = (this.backoff.get(nodeId)?.failures ?? 0) + 1;
    const waitMs = Math.min(this.policy.everyMs * 2 ** failures, this.policy.maxBackoffMs);
    const fields = { nodeId, host: address.host, port: address.port, failures };
    try {
      await this.targets.connect(nodeId, address);
      this.logger.log('info', 'dialled a channel peer again; the handshake follows', fields);
    } catch (error) {
      this.logger.log('warn', `cannot reconnect to a channel peer; trying again in ${waitMs / 1000} s`, { ...fields, error: String(error) });
    } finally {
      this.backoff.set(nodeId, { failures, notBefore: this.clock.now() + waitMs });
      this.dialling.delete(nodeId);
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancelTimer = this.clock.setTimer(this.policy.everyMs, () => {
      this.round();
      this.schedule();
    });
  }
}
