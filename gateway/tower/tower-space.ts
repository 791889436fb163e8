/**
 * How much of the watchtower nodes may fill, by who they are.
 *
 * Node ids cost nothing: a per-node quota alone is multiplied by every key
 * an attacker generates (40 fresh keys stored 40 times one node's quota).
 * So the tower sorts nodes in two: the nodes the gateway's operator named
 * (`allowedNodes`: the gateway config's neighbours, route destinations and
 * `tower.allowedNodes`), and strangers. All strangers together share one
 * pool, a fixed share of the tower's capacity, whatever the number of their
 * keys; a named node is bounded by its own per-node quota, which no stranger
 * can take from it.
 *
 * The capacity (`maxAppointments`, `maxBytes`, `maxWatches`) is what the
 * store holds from everyone before it turns strangers away, even while
 * their pool has room. Named nodes still store past it, each within its
 * own quota: they are few and the operator chose them, so the disk is
 * bounded by the capacity plus their quotas. Nothing is ever evicted: a
 * full tower refuses new writes and keeps what it has (a node's
 * appointments are its only guard while it is away).
 *
 * Only growth is checked: replacing, dropping and forgetting always go
 * through, so a node over a lowered cap can still clean up.
 */
import { InvalidInputError, checkHex, checkInteger } from '../../node/core/input.js';
import { checkPublicKey } from '../../node/core/curve.js';

export interface NodeUsage {
  readonly appointments: number;
  /** Blob and tag bytes, as the node sent them. */
  readonly bytes: number;
  readonly watches: number;
}

export interface TowerCapacity {
  /**
   * Appointments held from all nodes before strangers are turned away.
   * Default 1,000,000: with keys and indexes an appointment of a compact
   * kit takes about 350 bytes of disk, so about 350 MB.
   */
  readonly maxAppointments?: number;
  /** Blob and tag bytes held from all nodes before strangers are turned away. Default 256 MiB. */
  readonly maxBytes?: number;
  /** Funding outpoints watched for all nodes before strangers are turned away (they are held in memory too). Default 100,000. */
  readonly maxWatches?: number;
  /**
   * The share of each of the three that all strangers together may hold,
   * from 0 (a private tower: named nodes only) to 1. Default 0.1: 100,000
   * appointments, enough for a few unnamed nodes to use the tower for
   * months, while a flood of fresh keys costs at most a tenth of it.
   */
  readonly strangerShare?: number;
}

export interface TowerSpaceInit extends TowerCapacity {
  /** Node ids (hex) that are not strangers: each is bounded by its own quota only. */
  readonly allowedNodes?: readonly string[];
}

export const DEFAULT_TOWER_MAX_APPOINTMENTS = 1_000_000;
export const DEFAULT_TOWER_MAX_BYTES = 256 * 1024 * 1024;
export const DEFAULT_TOWER_MAX_WATCHES = 100_000;
export const DEFAULT_TOWER_STRANGER_SHARE = 0.1;

const ZERO: NodeUsage = { appointments: 0, bytes: 0, watches: 0 };

/** Which space was full: the strangers' pool, or the tower's capacity. */
export type TowerPool = 'strangers' | 'capacity';

/** The tower has no room for this stranger's request: nothing of it was stored. */
export class TowerFullError extends Error {
  override name = 'TowerFullError';
  constructor(
    readonly nodeId: string,
    readonly pool: TowerPool,
    /** What the full space holds. */
    readonly held: NodeUsage,
    readonly adding: NodeUsage,
    /** The space's bounds. */
    readonly limits: NodeUsage,
  ) {
    const space = pool === 'strangers' ? 'the space this watchtower shares among the nodes it does not know' : 'this watchtower';
    super(
      `${space} is full: it holds ${held.appointments} of ${limits.appointments} appointments, ${held.bytes} of ${limits.bytes} bytes and ${held.watches} of ${limits.watches} funding watches, ` +
        `and this request adds ${adding.appointments} (${adding.bytes} bytes) and ${adding.watches}; nothing of it was stored. ` +
        `${nodeId} is not among the gateway's known nodes: ask its operator to add it to tower.allowedNodes, or use another tower.`,
    );
  }
}

export class TowerSpace {
  readonly capacity: NodeUsage;
  /** What all strangers together may hold. */
  readonly strangerPool: NodeUsage;
  private readonly allowed: ReadonlySet<string>;
  private all: NodeUsage = ZERO;
  private strangers: NodeUsage = ZERO;

  constructor(init: TowerSpaceInit = {}) {
    this.capacity = {
      appointments: checkInteger('maxAppointments', init.maxAppointments ?? DEFAULT_TOWER_MAX_APPOINTMENTS, 0, 1_000_000_000),
      bytes: checkInteger('maxBytes', init.maxBytes ?? DEFAULT_TOWER_MAX_BYTES, 0, 2 ** 44),
      watches: checkInteger('maxWatches', init.maxWatches ?? DEFAULT_TOWER_MAX_WATCHES, 0, 100_000_000),
    };
    const share = init.strangerShare ?? DEFAULT_TOWER_STRANGER_SHARE;
    if (typeof share !== 'number' || !(share >= 0 && share <= 1)) throw new InvalidInputError('strangerShare', `expected a share from 0 to 1, got ${String(share)}`);
    this.strangerPool = {
      appointments: Math.floor(this.capacity.appointments * share),
      bytes: Math.floor(this.capacity.bytes * share),
      watches: Math.floor(this.capacity.watches * share),
    };
    const allowed = init.allowedNodes ?? [];
    if (!Array.isArray(allowed)) throw new InvalidInputError('allowedNodes', 'expected a list of node ids');
    this.allowed = new Set(allowed.map((id, i) => Buffer.from(checkPublicKey(`allowedNodes[${i}]`, checkHex(`allowedNodes[${i}]`, id, 33))).toString('hex')));
  }

  /** True for a node the operator named; false for a stranger. */
  isAllowed(nodeId: string): boolean {
    return this.allowed.has(nodeId.toLowerCase());
  }

  /** What all nodes, and all strangers, hold now. */
  held(): { all: NodeUsage; strangers: NodeUsage } {
    return { all: this.all, strangers: this.strangers };
  }

  /** Throws `TowerFullError` when `nodeId` going from `before` to `after` would take space the caps do not leave it. */
  check(nodeId: string, before: NodeUsage, after: NodeUsage): void {
    if (this.isAllowed(nodeId)) return; // bounded by its own quota, checked by the store
    const adding = minus(after, before);
    if (overflows(this.strangers, adding, this.strangerPool)) throw new TowerFullError(nodeId, 'strangers', this.strangers, positive(adding), this.strangerPool);
    if (overflows(this.all, adding, this.capacity)) throw new TowerFullError(nodeId, 'capacity', this.all, positive(adding), this.capacity);
  }

  /** Records a change the store has written (or, at open, what a node held: from nothing). */
  moved(nodeId: string, before: NodeUsage, after: NodeUsage): void {
    const change = minus(after, before);
    this.all = plus(this.all, change);
    if (!this.isAllowed(nodeId)) this.strangers = plus(this.strangers, change);
  }
}

/** True when a dimension that grows ends above its bound. */
function overflows(held: NodeUsage, adding: NodeUsage, bound: NodeUsage): boolean {
  return (['appointments', 'bytes', 'watches'] as const).some((key) => adding[key] > 0 && held[key] + adding[key] > bound[key]);
}

function minus(a: NodeUsage, b: NodeUsage): NodeUsage {
  return { appointments: a.appointments - b.appointments, bytes: a.bytes - b.bytes, watches: a.watches - b.watches };
}

function plus(a: NodeUsage, b: NodeUsage): NodeUsage {
  return { appointments: a.appointments + b.appointments, bytes: a.bytes + b.bytes, watches: a.watches + b.watches };
}

function positive(usage: NodeUsage): NodeUsage {
  return { appointments: Math.max(0, usage.appointments), bytes: Math.max(0, usage.bytes), watches: Math.max(0, usage.watches) };
}
