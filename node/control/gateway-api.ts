/**
 * The gateway daemon's control API: each method's params and result, as
 * plain JSON shapes (the device's code reads them without importing the
 * gateway). gateway/daemon/gateway-control.ts answers it.
 */
import type { NetworkName } from '../chain/network-params.js';
import type { ControlMethod } from './control-api.js';
import type { LinkShape, MemoryShape, PeerShape, RouteShape } from './link-shapes.js';
import type { ChannelShape } from './node-api.js';

type NoParams = Record<never, never>;

export type GatewayStatus = {
  readonly daemon: 'gateway';
  readonly nodeId: string;
  readonly network: NetworkName;
  readonly uptimeSeconds: number;
  readonly chainBackend: 'embedded' | 'core';
  readonly chainHeight: number;
  readonly neighboursUp: number;
  readonly neighbours: number;
  readonly appointments: number;
  readonly responsesActive: number;
  readonly nodesWithMail: number;
  /** The gateway's mesh channels with the nodes. */
  readonly channelsOpen: number;
  readonly channelsPending: number;
  /** What the gateway holds in its open mesh channels. */
  readonly balanceMsat: number;
  readonly dataDir: string;
} & MemoryShape;

/** What the tower holds for one node. */
export type TowerUsageShape = { readonly nodeId: string; readonly name: string | undefined; readonly appointments: number; readonly bytes: number; readonly watches: number };

/** The tower's answer to one breach. */
export type TowerResponseShape = {
  readonly breachTxid: string;
  readonly nodeId: string;
  readonly state: 'active' | 'buried' | 'abandoned' | 'invalid';
  readonly justiceTxid: string | undefined;
  readonly confirmations: number;
  readonly alerted: boolean;
  readonly reason?: string;
};

export type GatewayControlApi = {
  status: ControlMethod<NoParams, GatewayStatus>;
  peers: ControlMethod<NoParams, (PeerShape & { readonly mailbox: number; readonly appointments: number })[]>;
  routes: ControlMethod<NoParams, RouteShape[]>;
  outbox: ControlMethod<NoParams, { peer: string; name: string | undefined; up: boolean; messages: number; mailbox: number }[]>;
  links: ControlMethod<NoParams, LinkShape[]>;
  /** The gateway's mesh channels, as a node's `channels` lists them (`lnmesh channels --socket` reads either). */
  channels: ControlMethod<NoParams, ChannelShape[]>;
  tower: ControlMethod<NoParams, { watching: boolean; appointments: number; storageBytes: number; byNode: TowerUsageShape[]; responses: TowerResponseShape[] }>;
  /** Regtest with the embedded chain only; `blocks` defaults to 1. */
  mine: ControlMethod<{ blocks?: number }, { blocks: number; height: number }>;
  reorg: ControlMethod<{ depth: number }, { depth: number; blocks: number; height: number; forkHeight: number }>;
  faucet: ControlMethod<{ address: string; satoshis: number }, { txid: string; satoshis: number; address: string }>;
};
