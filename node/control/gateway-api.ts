/**
 * The gateway daemon's control API: each method's params and result, as
 * plain JSON shapes (the device's code reads them without importing the
 * gateway). gateway/daemon/gateway-control.ts answers it.
 */
import type { NetworkName } from '../chain/network-params.js';
import type { ControlMethod } from './control-api.js';
import type { LinkShape, MemoryShape, PeerShape, RouteShape } from './link-shapes.js';
import type { ChannelShape } from './node-api.js';
import type { WalletCoin } from '../wallet/node-wallet.js';

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
  /** What its mesh channels' wallet holds, to fund channels to nodes (`lnmesh wallet`). */
  readonly walletSatoshis: number;
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

/** The gateway's Lightning node (`lnmesh ln info`). */
export type LnInfoShape = {
  readonly nodeId: string;
  /** host:port where it accepts peers. */
  readonly listen: string;
  readonly network: NetworkName;
  /** The block LDK has seen last. */
  readonly blockHeight: number;
  readonly channels: number;
  readonly channelsUsable: number;
  readonly peers: number;
  /** What the network graph (from gossip) knows beyond our own channels. */
  readonly graph: { readonly channels: number; readonly nodes: number };
  /** Sum of what the usable channels can send now, and receive. */
  readonly outboundMsat: number;
  readonly inboundMsat: number;
  readonly wallet: { readonly confirmedSat: number; readonly unconfirmedSat: number };
};

/** One channel of the gateway's Lightning node (gateway/lightning/channels.ts's `ChannelSummary`). */
export type LnChannelShape = {
  readonly channelId: string;
  readonly peerNodeId: string;
  readonly capacitySat: number;
  readonly outboundCapacityMsat: number;
  readonly inboundCapacityMsat: number;
  readonly usable: boolean;
  readonly ready: boolean;
  readonly confirmations: number;
  readonly isOutbound: boolean;
  readonly fundingOutpoint: string | undefined;
};

/** A payment the Lightning node sent, or an invoice it issued (`lnmesh ln payments`). */
export type LnPaymentShape = {
  readonly direction: 'sent' | 'received';
  readonly paymentHash: string;
  readonly amountMsat: number;
  /**
   * Sent: pending, sent or failed. Received: unpaid (the invoice waits), received, or expired; for a mesh node's
   * invoice (`forNode`) also held (the gateway holds the payer's HTLC for the node) or failed (failed back: `reason`).
   */
  readonly state: 'pending' | 'sent' | 'failed' | 'unpaid' | 'received' | 'expired' | 'held';
  /** The invoice; not kept for a mesh node's invoice. */
  readonly bolt11?: string;
  /** The mesh node a bridged invoice is for. */
  readonly forNode?: string;
  /** Held: the last block height at which the node, heard, is still paid; after it the payer's HTLC is failed back. */
  readonly heldUntil?: number;
  readonly feeMsat?: number;
  readonly preimage?: string;
  readonly reason?: string;
  readonly description?: string;
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
  /** A mesh channel to a node, funded from the channels' wallet (`lnmesh open` on the gateway): the node's inbound liquidity. */
  open: ControlMethod<{ peer: string; satoshis: number; pushMsat?: number }, { peer: string; handle: number }>;
  close: ControlMethod<{ peer: string; handle: number; force: boolean }, { peer: string; handle: number; closing: 'force' | 'cooperative' }>;
  /** The mesh channels' wallet, as a node's `wallet` shows its own (no deposits: its coins come by `fundChannels`). */
  wallet: ControlMethod<NoParams, { address: string; satoshis: number; coins: WalletCoin[]; depositsWaiting: string[] }>;
  /** Sends `satoshis` from the on-chain wallet (`lightning:`) to the mesh channels' wallet; its coin counts at once. */
  fundChannels: ControlMethod<{ satoshis: number }, { txid: string; satoshis: number; walletSatoshis: number }>;
  /** A block `depth` below the tip (default 6), as a node's `gateway.checkpoint` takes it: where a node on a slow link starts its header chain. */
  checkpoint: ControlMethod<{ depth?: number }, { height: number; header: string }>;
  /** Regtest with the embedded chain only; `blocks` defaults to 1. */
  mine: ControlMethod<{ blocks?: number }, { blocks: number; height: number }>;
  reorg: ControlMethod<{ depth: number }, { depth: number; blocks: number; height: number; forkHeight: number }>;
  faucet: ControlMethod<{ address: string; satoshis: number }, { txid: string; satoshis: number; address: string }>;
  /** The gateway's Lightning node, with a `lightning:` section in its config (`lnmesh ln ...`). */
  lnInfo: ControlMethod<NoParams, LnInfoShape>;
  /** A new receive address of the gateway's on-chain wallet, which funds its channels. */
  lnAddress: ControlMethod<NoParams, { address: string }>;
  /** Resolves once the peer's handshake and `init` are done. */
  lnConnect: ControlMethod<{ nodeId: string; host: string; port: number }, { nodeId: string; address: string }>;
  /** Resolves once the wallet funded the channel (its funding transaction goes out once the peer signed). */
  lnOpen: ControlMethod<{ nodeId: string; satoshis: number; pushMsat?: number }, { channelId: string; satoshis: number }>;
  lnChannels: ControlMethod<NoParams, LnChannelShape[]>;
  lnClose: ControlMethod<{ channelId: string; force?: boolean }, { channelId: string; force: boolean }>;
  /** Resolves once paid (or rejects with why not). */
  lnPay: ControlMethod<{ bolt11: string; maxFeeMsat?: number }, { paymentHash: string; preimage: string; feeMsat: number; amountMsat: number }>;
  /**
   * `forNode`: an invoice for that mesh node, for one of the payment hashes it left with the gateway (used once),
   * issued through the bridge: paid, the node is paid over the mesh (when it is heard, within the hold window).
   */
  lnInvoice: ControlMethod<{ satoshis: number; description?: string; expirySecs?: number; forNode?: string }, { bolt11: string; paymentHash: string; amountMsat: number; expirySecs: number; forNode?: string; hashesLeft?: number }>;
  lnPayments: ControlMethod<NoParams, LnPaymentShape[]>;
};
