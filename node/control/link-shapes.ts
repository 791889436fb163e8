/**
 * What both daemons answer about their links, in one shape: a neighbour
 * (`peers`), a route (`routes`) and a link's counters (`links`).
 */
import type { LinkCounters } from '../../transports/link/link.js';

export type PeerShape = {
  readonly nodeId: string;
  /** The name the config gives the neighbour, if any. */
  readonly name: string | undefined;
  /** The link's index in the config. */
  readonly link: number;
  readonly transport: string | undefined;
  readonly up: boolean;
  /** Absent when never heard from. */
  readonly heardSecondsAgo?: number;
  /** Messages waiting for it. */
  readonly outbox: number;
};

export type RouteShape = {
  readonly destination: string;
  readonly nextHop: string;
  readonly nextHopName: string | undefined;
  /** A neighbour: reached on a link, not through the route table. */
  readonly direct?: true;
};

export type LinkShape = { readonly link: number; readonly transport: string | undefined } & Readonly<LinkCounters>;

/** Resident memory and the JavaScript heap, in MB. */
export type MemoryShape = { readonly rssMB: number; readonly heapUsedMB: number; readonly externalMB: number };
