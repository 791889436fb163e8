/**
 * The node daemon's control API: each method's params and result. The
 * handlers (node/daemon/node-control.ts) answer it; the CLI verbs call it.
 */
import type { ChannelSummary } from '../channel/manager.js';
import type { NetworkName } from '../chain/network-params.js';
import type { PaymentRecord } from '../persist/persister.js';
import type { WalletCoin } from '../wallet/node-wallet.js';
import type { ControlMethod } from './control-api.js';
import type { LinkShape, MemoryShape, PeerShape, RouteShape } from './link-shapes.js';

type NoParams = Record<never, never>;

export type NodeStatus = {
  readonly daemon: 'node';
  readonly nodeId: string;
  readonly network: NetworkName;
  readonly uptimeSeconds: number;
  readonly chainHeight: number | null;
  readonly gateway: string | null;
  readonly neighboursUp: number;
  readonly neighbours: number;
  readonly channelsOpen: number;
  readonly channelsPending: number;
  readonly balanceMsat: number;
  readonly walletSatoshis: number;
  readonly paymentsPending: number;
  readonly appointmentsQueued: number;
  readonly dataDir: string;
} & MemoryShape;

export type ChannelShape = ChannelSummary & { readonly peerName: string | undefined };
export type PaymentShape = PaymentRecord & { readonly paymentHash: string };

export type NodeControlApi = {
  status: ControlMethod<NoParams, NodeStatus>;
  peers: ControlMethod<NoParams, (PeerShape & { readonly isGateway: boolean })[]>;
  channels: ControlMethod<NoParams, ChannelShape[]>;
  open: ControlMethod<{ peer: string; satoshis: number; pushMsat?: number }, { peer: string; handle: number }>;
  close: ControlMethod<{ peer: string; handle: number; force: boolean }, { peer: string; handle: number; closing: 'force' | 'cooperative' }>;
  /** `public`: a BOLT 11 invoice the gateway issues for this node's payment hash, payable from the Lightning Network. */
  invoice: ControlMethod<{ amountMsat: number; public?: boolean; description?: string; expirySecs?: number }, { paymentRequest: string; paymentHash: string; amountMsat: number }>;
  /** Leaves `count` payment hashes of this node's (any amount) with the gateway, for invoices it issues while the node is away. `left`: how many it keeps now. */
  leave_hashes: ControlMethod<{ count: number }, { paymentHashes: string[]; left: number }>;
  /**
   * `request`: lnm1... (a mesh node's) or a BOLT 11 invoice (paid through the gateway's bridge; `bridgeFeeMsat` is
   * then part of `feeMsat`). `maxFeeMsat`: refuse, before anything is sent, fees above it (default 1% + 1 sat).
   */
  pay: ControlMethod<{ request: string; maxFeeMsat?: number }, { paymentHash: string; amountMsat: number; feeMsat: number; payee: string; bridgeFeeMsat?: number }>;
  payment: ControlMethod<{ paymentHash: string }, PaymentShape>;
  /** Newest first; `limit` defaults to 50. */
  payments: ControlMethod<{ limit?: number }, PaymentShape[]>;
  routes: ControlMethod<NoParams, RouteShape[]>;
  outbox: ControlMethod<NoParams, { peer: string; name: string | undefined; up: boolean; messages: number }[]>;
  links: ControlMethod<NoParams, LinkShape[]>;
  tower: ControlMethod<NoParams, { gateway: string | null; appointmentsQueued: number; channelsWatched: number }>;
  wallet: ControlMethod<NoParams, { address: string; satoshis: number; coins: WalletCoin[]; depositsWaiting: string[] }>;
  deposit: ControlMethod<{ txid: string }, { txid: string; address: string }>;
};
