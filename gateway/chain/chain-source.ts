/**
 * The gateway's view of the Bitcoin chain, whatever serves it: an embedded
 * bcoin full node (regtest by default: demos, tests, the simulator) or
 * Bitcoin Core over JSON-RPC (production). The watchtower, the chain feed
 * for mesh nodes and the broadcaster are written against this interface
 * only, and are tested on the embedded backend.
 *
 * Hashes and txids are hex in display order (as Bitcoin Core prints them);
 * headers and transactions are raw bytes or our `Transaction`.
 *
 * Events, in chain order: `connect` for each block that joins the best
 * chain, `disconnect` for each that leaves it in a reorg (tip first, before
 * the new branch's `connect`s), `transaction` for each transaction the
 * mempool accepts. A listener that needs every block may also ask `blockAt`
 * after a restart: events are not replayed.
 */
import type { EventEmitter } from 'node:events';
import type { Transaction } from '../../node/bolt3/transaction.js';

export interface ChainTip {
  readonly height: number;
  readonly hash: string;
}

export interface ChainBlock {
  readonly height: number;
  readonly hash: string;
  /** The 80-byte header. */
  readonly header: Uint8Array;
  readonly transactions: readonly Transaction[];
}

/** Where a transaction is: in a block of the best chain (with its depth), in the mempool, or nowhere known. */
export type TransactionStatus =
  | { readonly state: 'confirmed'; readonly blockHash: string; readonly height: number; readonly confirmations: number }
  | { readonly state: 'mempool' }
  | { readonly state: 'unknown' };

export type BroadcastResult =
  | { readonly accepted: true; readonly txid: string }
  /** `reason` is the backend's own words (e.g. "bad-txns-inputs-missingorspent"), for the user who must act. */
  | { readonly accepted: false; readonly txid: string; readonly reason: string };

export interface ChainSourceEvents {
  connect: [block: ChainBlock];
  disconnect: [block: ChainBlock];
  transaction: [tx: Transaction];
}

export interface ChainSource extends EventEmitter<ChainSourceEvents> {
  /** Connects (or starts the embedded node); events flow from here on. */
  open(): Promise<void>;
  close(): Promise<void>;
  tip(): Promise<ChainTip>;
  /** The header of the best chain's block at `height`, or undefined above the tip. */
  headerAt(height: number): Promise<Uint8Array | undefined>;
  /** The best chain's block at `height`, or undefined above the tip. */
  blockAt(height: number): Promise<ChainBlock | undefined>;
  /** A transaction by txid, confirmed or in the mempool (the embedded node indexes them; Core needs txindex or the block). */
  transaction(txid: string): Promise<Transaction | undefined>;
  status(txid: string): Promise<TransactionStatus>;
  /** Hands a signed transaction to the mempool and the network; resolves with acceptance or the backend's reason. */
  broadcast(tx: Transaction): Promise<BroadcastResult>;
  /** A feerate (sat per 1000 weight units) to confirm within `targetBlocks`; undefined when the backend has no estimate yet. */
  estimateFeerate(targetBlocks: number): Promise<number | undefined>;
}
