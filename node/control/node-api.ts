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
  invoice: ControlMethod<{ amountMsat: number }, { paymentRequest: string; paymentHash: string; amountMsat: number }>;
  /** `maxFeeMsat`: refuse, before anything is sent, a route whose fees are higher (default 1% + 1 sat). */
  pay: ControlMethod<{ request: string; maxFeeMsat?: number }, { paymentHash: string; amountMsat: number; feeMsat: number; payee: string }>;
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
