/**
 * Opening channels funded from the gateway's on-chain wallet: `open` asks
 * LDK for a channel; when the peer has accepted, LDK's
 * `FundingGenerationReady` says what output to pay, the wallet builds and
 * signs a transaction paying it, and LDK takes it (it broadcasts once the
 * peer has signed our first commitment). If the wallet cannot pay, the
 * channel is dropped before anything is signed, and `open` rejects.
 */
import { randomBytes } from 'node:crypto';
import { bytesToHex } from '../../node/core/hex.js';
import { checkBytes, checkInteger } from '../../node/core/input.js';
import type { Logger } from '../../node/core/logger.js';
import { Transaction } from '../../node/bolt3/transaction.js';
import type { OnChainWallet } from '../wallet/on-chain-wallet.js';
import type { ChannelManager, Event, Event_DiscardFunding, Event_FundingGenerationReady } from 'lightningdevkit';
import type { Ldk } from './ldk.js';
import type { LightningEvent } from './lightning-events.js';
import { LightningError } from './lightning-errors.js';

interface PendingOpen {
  resolve(channelId: string): void;
  reject(error: LightningError): void;
}

type FundingReady = Event_FundingGenerationReady;

export class ChannelFunding {
  /** Opens we started and have not answered yet, by the user channel id we gave LDK. */
  private readonly pending = new Map<bigint, PendingOpen>();

  constructor(
    private readonly ldk: Ldk,
    private readonly channelManager: ChannelManager,
    private readonly wallet: OnChainWallet,
    /** The feerate (sat per 1000 weight) a funding transaction pays. */
    private readonly fundingFeerate: () => number,
    private readonly emit: (event: LightningEvent) => void,
    private readonly logger: Logger,
  ) {}

  /** Opens a channel of `satoshis` to the connected peer `nodeId`; resolves with its channel id (hex) once funded. */
  async open(nodeId: Uint8Array, satoshis: number, options: { readonly pushMsat?: number } = {}): Promise<string> {
    checkBytes('nodeId', nodeId, 33);
    checkInteger('satoshis', satoshis, 1, 21_000_000 * 100_000_000);
    checkInteger('pushMsat', options.pushMsat ?? 0, 0, satoshis * 1000);
    const userChannelId = palindromicU128();
    const created = this.channelManager.create_channel(nodeId, BigInt(satoshis), BigInt(options.pushMsat ?? 0), userChannelId, null, null);
    if (created instanceof this.ldk.Result_ChannelIdAPIErrorZ_Err) {
      throw new LightningError('channel-refused', `cannot open a channel to ${bytesToHex(nodeId)}: ${apiErrorText(created.err)}`);
    }
    return await new Promise((resolve, reject) => this.pending.set(userChannelId, { resolve, reject }));
  }

  /** Handles LDK's funding events; false for an event that is not one. */
  handle(event: Event): boolean {
    const { ldk } = this;
    if (event instanceof ldk.Event_FundingGenerationReady) void this.fund(event);
    else if (event instanceof ldk.Event_DiscardFunding) this.discard(event);
    else if (event instanceof ldk.Event_ChannelClosed) this.closed(event.user_channel_id, event.reason.to_str());
    else return false;
    return true;
  }

  private async fund(ready: FundingReady): Promise<void> {
    const peer = bytesToHex(ready.counterparty_node_id);
    let tx: Transaction;
    try {
      tx = await this.wallet.fund([{ script: ready.output_script, satoshis: Number(ready.channel_value_satoshis) }], this.fundingFeerate());
    } catch (error) {
      return this.refuse(ready, `the wallet cannot fund it: ${error instanceof Error ? error.message : String(error)}`);
    }
    const given = this.channelManager.funding_transaction_generated(ready.temporary_channel_id, ready.counterparty_node_id, tx.toBuffer());
    if (given instanceof this.ldk.Result_NoneAPIErrorZ_Err) {
      await this.wallet.release(tx).catch(() => undefined);
      return this.refuse(ready, `LDK refused the funding transaction: ${apiErrorText(given.err)}`);
    }
    this.logger.log('info', 'channel funded', { peer, txid: tx.getId(), satoshis: Number(ready.channel_value_satoshis) });
    const channel = this.channelManager.list_channels().find((c) => c.get_user_channel_id() === ready.user_channel_id);
    this.pending.get(ready.user_channel_id)?.resolve(channel ? bytesToHex(channel.get_channel_id().get_a()) : bytesToHex(ready.temporary_channel_id.get_a()));
    this.pending.delete(ready.user_channel_id);
  }

  /** Drops the unfunded channel (nothing to broadcast: it was never funded) and tells the owner. */
  private refuse(ready: FundingReady, reason: string): void {
    const peer = bytesToHex(ready.counterparty_node_id);
    const temporaryChannelId = bytesToHex(ready.temporary_channel_id.get_a());
    this.logger.log('warn', 'channel not funded; dropping it', { peer, reason });
    this.channelManager.force_close_without_broadcasting_txn(ready.temporary_channel_id, ready.counterparty_node_id, reason);
    this.emit({ type: 'channel-funding-failed', temporaryChannelId, peerNodeId: peer, reason });
    this.pending.get(ready.user_channel_id)?.reject(new LightningError('funding-failed', `the channel to ${peer} was not opened: ${reason}`));
    this.pending.delete(ready.user_channel_id);
  }

  /** LDK will never broadcast this funding transaction: the wallet may spend its inputs again. */
  private discard(event: Event_DiscardFunding): void {
    const info = event.funding_info;
    if (!(info instanceof this.ldk.FundingInfo_Tx)) return;
    this.wallet.release(Transaction.fromBuffer(Buffer.from(info.transaction))).catch((error: unknown) => {
      this.logger.log('warn', 'the wallet cannot release a discarded funding transaction', { error: String(error) });
    });
  }

  private closed(userChannelId: bigint, reason: string): void {
    this.pending.get(userChannelId)?.reject(new LightningError('channel-refused', `the channel closed before it was funded: ${reason}`));
    this.pending.delete(userChannelId);
  }
}

/**
 * A random u128 that survives the bindings: they write a u128 into LDK little
 * endian but read one back big endian (a value comes back byte-reversed), and
 * refuse one of 2^124 or more. A 16-byte palindrome under 2^124 reads back
 * as itself, with 60 random bits: enough to tell our pending opens apart.
 */
export function palindromicU128(): bigint {
  const half = randomBytes(8);
  half[0]! &= 0x0f;
  const bytes = Buffer.concat([half, Buffer.from(half).reverse()]);
  return BigInt(`0x${bytes.toString('hex')}`);
}

/** An `APIError`'s words (each variant but one carries `err`). */
export function apiErrorText(error: object): string {
  const text = (error as { err?: unknown }).err;
  return typeof text === 'string' ? text : error.constructor.name.replace(/^APIError_/, '');
}
