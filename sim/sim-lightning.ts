/**
 * The gateway's Lightning side in a run (issue 17): the gateway's LDK node
 * (`LightningNode`) on the run's bcoin chain, an outside LDK node standing
 * for the rest of the Lightning Network, one channel between them funded by
 * the gateway's wallet, and the payments across the bridge (`payOutside`,
 * `payFromOutside`), followed to their end on both sides.
 *
 * Real parts: both LDK nodes are `lightningdevkit` over WebAssembly, with
 * their own keys and data directories, talking BOLT 8 over TCP on
 * 127.0.0.1 (ephemeral ports). TCP moves in real time, the mesh in virtual
 * time; `busy` tells the run's settle (see `sim/README.md`, "The Lightning
 * side") when a bridge payment is crossing the TCP link, so that virtual
 * time waits for it, as it waits for bcoin.
 *
 * The LDK nodes read the virtual time (their keys' start time, hence
 * LDK's own randomness, is the run's) but their timers (event processing,
 * pings, reconnection) run on the system clock: LDK's peer manager drops a
 * peer that has not answered a ping by its next tick, and a virtual tick
 * comes long before a real pong. What LDK decides by time here goes by the
 * chain's heights and block times, which are virtual.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../node/core/hex.js';
import type { Bridge } from '../gateway/bridge/bridge.js';
import type { Coin } from '../gateway/chain/regtest-coins.js';
import type { LightningEvent } from '../gateway/lightning/lightning-events.js';
import { LightningNode } from '../gateway/lightning/lightning-node.js';
import { ObservedFeerates } from '../node/chain/fee-estimator.js';
import { type Clock, systemClock } from '../node/core/clock.js';
import type { Logger } from '../node/core/logger.js';
import { BridgeBook, type BridgePaymentRecord } from './bridge-book.js';
import { RegtestCoinbaseWallet } from '../gateway/wallet/regtest-coinbase-wallet.js';
import type { GatewayLightning } from './scenario.js';
import type { SimChain } from './sim-chain.js';

const LOOPBACK = '127.0.0.1';
/** Real time given to LDK for a step over TCP (connect, channel open) before the run gives up. */
const REAL_WAIT_MS = 60_000;
/** How long settle waits, in real time, for a bridge payment crossing the TCP link before it lets virtual time go on (logged). */
const SETTLE_LIMIT_MS = 20_000;

export class SimLightningError extends Error {
  override name = 'SimLightningError';
}

export interface SimLightningParts {
  readonly chain: SimChain;
  readonly directory: string;
  readonly logger: Logger;
  /** The run's virtual clock: LDK reads its time (see above). */
  readonly clock: Clock;
  /** The bridge of the gateway running now, if it is up. */
  readonly bridge: () => Bridge | undefined;
  /** Told each bridge payment's end. */
  readonly onEnd?: (record: BridgePaymentRecord) => void;
}

export class SimLightning {
  readonly book: BridgeBook;
  /** The outside node's events, by payment hash: its claims of payments out. */
  readonly outsideClaims = new Map<string, number>();
  private outsideStartMsat = 0;
  private gatewayStartMsat = 0;

  private constructor(
    readonly gatewayNode: LightningNode,
    readonly outside: LightningNode,
    private readonly parts: SimLightningParts,
    readonly spec: GatewayLightning,
  ) {
    this.book = new BridgeBook((record) => parts.onEnd?.(record));
    outside.on('event', (event) => this.onOutsideEvent(event));
  }

  /** Both LDK nodes on the run's chain, the gateway's wallet holding `coin` (outside the mesh's economy). */
  static async create(parts: SimLightningParts, spec: GatewayLightning, coin: Coin): Promise<SimLightning> {
    const start = (name: string, fill: number, wallet: RegtestCoinbaseWallet) =>
      LightningNode.create(
        { broadcaster: { broadcast: (tx) => void parts.chain.tracked.broadcast(tx) }, feeEstimator: new ObservedFeerates(), chain: parts.chain.tracked, wallet, clock: { now: () => parts.clock.now(), setTimer: systemClock.setTimer }, logger: parts.logger },
        { seed: new Uint8Array(32).fill(fill), network: 'regtest', dataDir: mkdtempSync(join(parts.directory, `ldk-${name}-`)), listen: { host: LOOPBACK, port: 0 } },
      );
    const gatewayNode = await start('gateway', 0x61, new RegtestCoinbaseWallet([coin]));
    const outside = await start('outside', 0x62, new RegtestCoinbaseWallet([])).catch(async (error: unknown) => {
      await gatewayNode.stop();
      throw error;
    });
    return new SimLightning(gatewayNode, outside, parts, spec);
  }

  /** Before time starts: the gateway connects to the outside node and opens their channel; it is usable once 6 blocks deep. */
  async openOutsideChannel(): Promise<void> {
    const { capacitySatoshis, pushSatoshis } = this.spec.outsideChannel;
    await this.gatewayNode.connect(this.outside.nodeId, LOOPBACK, await this.outside.listen());
    await realWait('the outside node connected', () => this.gatewayNode.peers().length > 0);
    let fundingTxid: string | undefined;
    this.gatewayNode.on('event', (event) => void (event.type === 'channel-pending' && (fundingTxid = event.fundingTxid)));
    await withTimeout(this.gatewayNode.openChannel(this.outside.nodeId, capacitySatoshis, { pushMsat: pushSatoshis * 1000 }), 'the outside channel funded');
    await realWait('the funding in the mempool', async () => fundingTxid !== undefined && (await this.parts.chain.chain.status(fundingTxid)).state === 'mempool');
    await this.parts.chain.chain.mine(6);
    await realWait('the outside channel usable', () => this.channel(this.gatewayNode)?.usable === true && this.channel(this.outside)?.usable === true);
    this.outsideStartMsat = this.outsideMsat();
    this.gatewayStartMsat = this.channel(this.gatewayNode)!.outboundCapacityMsat;
  }

  /** The one channel, as `node` sees it. */
  channel(node: LightningNode) {
    return node.channels()[0];
  }

  /** What the outside node can send now: its balance less its reserve (and whatever is in flight). */
  outsideMsat(): number {
    return this.channel(this.outside)?.outboundCapacityMsat ?? 0;
  }

  /** How the outside node's and the gateway's sides of their channel moved since it opened (msat). */
  changes(): { outsideMsat: number; gatewayMsat: number } {
    return { outsideMsat: this.outsideMsat() - this.outsideStartMsat, gatewayMsat: (this.channel(this.gatewayNode)?.outboundCapacityMsat ?? 0) - this.gatewayStartMsat };
  }

  /**
   * A bridge payment is crossing the TCP link: LDK pays an invoice out
   * (`paying`), or the outside node's payment in has not reached the
   * gateway's hold yet, or its claim or failure is on its way back.
   * Held payments (`claimable`, `forwarding`) wait for the mesh: not busy.
   */
  busy(): boolean {
    const bridge = this.parts.bridge();
    let busy = false;
    for (const payment of this.book.pendingPayments()) {
      const hash = payment.paymentHash;
      const state = hash === undefined ? undefined : bridge?.payments().find((record) => record.paymentHash === hash)?.state;
      const crossing = (payment.kind === 'out' && state === 'paying') || (payment.kind === 'in' && payment.outsidePaying === true && state !== 'claimable' && state !== 'forwarding');
      if (hash === undefined) continue;
      if (!crossing) {
        this.busySince.delete(hash);
        continue;
      }
      // A payment stuck on one crossing holds virtual time up for SETTLE_LIMIT_MS of real time in all, not at every event.
      const since = this.busySince.get(hash) ?? Date.now();
      this.busySince.set(hash, since);
      if (Date.now() - since <= SETTLE_LIMIT_MS) busy = true;
    }
    return busy;
  }

  /** When each bridge payment started its current crossing of TCP (real time). */
  private readonly busySince = new Map<string, number>();

  /** Settle's wait: real time while `busy`; false if a payment crossing TCP passed `SETTLE_LIMIT_MS` meanwhile. */
  async whileBusy(settle: () => Promise<void>): Promise<boolean> {
    const start = Date.now();
    while (this.busy()) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      await settle();
    }
    return Date.now() - start <= SETTLE_LIMIT_MS;
  }

  /** The outside node pays `invoice` for the book's payment `paymentHash`; the book hears how it ended. */
  payFromOutside(paymentHash: string, invoice: string, nowMs: () => number): void {
    this.book.outsidePaying(paymentHash);
    this.outside.payInvoice(invoice).then(
      (sent) => {
        const good = bytesToHex(sha256(Buffer.from(sent.preimage, 'hex'))) === paymentHash;
        this.book.end(paymentHash, good ? 'settled' : 'failed', nowMs(), good ? undefined : `the outside node got a preimage that is not the payment hash's: ${sent.preimage}`);
      },
      (error: Error) => {
        const held = this.parts.bridge()?.payments().find((record) => record.paymentHash === paymentHash);
        this.book.end(paymentHash, 'failed', nowMs(), `${error.message}${held?.reason ? ` (the gateway: ${held.reason})` : ''}`);
      },
    );
  }

  /** Waits (real time) until the outside node's side has moved by `expectedMsat` since the channel opened; false if it did not. */
  async outsideSettles(expectedMsat: number): Promise<boolean> {
    return realWait('the outside channel settled', () => this.outsideMsat() - this.outsideStartMsat === expectedMsat, 10_000).then(
      () => true,
      () => false,
    );
  }

  async stop(): Promise<void> {
    await this.outside.stop().catch(() => undefined);
    await this.gatewayNode.stop().catch(() => undefined);
  }

  private onOutsideEvent(event: LightningEvent): void {
    if (event.type === 'payment-claimed') this.outsideClaims.set(event.paymentHash, event.amountMsat);
  }
}

/** Polls `ready` in real time until it holds; rejects after `limitMs`. */
async function realWait(what: string, ready: () => boolean | Promise<boolean>, limitMs = REAL_WAIT_MS): Promise<void> {
  const start = Date.now();
  while (!(await ready())) {
    if (Date.now() - start > limitMs) throw new SimLightningError(`${what}: not within ${limitMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new SimLightningError(`${what}: not within ${REAL_WAIT_MS / 1000} s`)), REAL_WAIT_MS)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
