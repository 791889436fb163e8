/**
 * The on-chain wallet of a gateway on Bitcoin Core: Core's own wallet over
 * JSON-RPC. Core chooses the coins (`fundrawtransaction`, change placed
 * after the outputs asked for), signs (`signrawtransactionwithwallet`) and
 * keeps the chosen coins locked across its restarts (`lockunspent` with
 * `persistent`, Core 23 or later). Only calls bcoin's wallet RPC also
 * answers, or that bcoin-wallet-rpc.ts gives it, so the same tests run
 * against bcoin here.
 */
import { address as bitcoinAddress } from 'bitcoinjs-lib';
import type { Clock } from '../../node/core/clock.js';
import { Transaction, addOutput, type Outpoint } from '../../node/bolt3/transaction.js';
import { JsonRpcClient, RpcCallError, type RpcCredentials, RpcResponseError } from '../chain/json-rpc-client.js';
import { checkFundedTransaction } from './funded-transaction.js';
import { InsufficientFundsError, type OnChainWallet, type WalletBalance, WalletError, type WalletOutput, checkFundRequest } from './on-chain-wallet.js';

export interface CoreRpcWalletOptions {
  /** Core's RPC with the wallet's path: http://127.0.0.1:8332/wallet/NAME (with one wallet loaded, the bare URL does). */
  readonly url: string;
  readonly credentials: RpcCredentials;
  readonly clock?: Clock;
  /** Per request; default 30 s. */
  readonly requestTimeoutMs?: number;
}

/** Core's code for a wallet that cannot pay (RPC_WALLET_INSUFFICIENT_FUNDS); Core 0.21 and later say it with -4, a wallet error, and "Insufficient funds". */
const RPC_WALLET_INSUFFICIENT_FUNDS = -6;
const isInsufficientFunds = (error: unknown) => error instanceof RpcCallError && (error.code === RPC_WALLET_INSUFFICIENT_FUNDS || (error.code === -4 && /insufficient funds/i.test(error.rpcMessage)));

export class CoreRpcWallet implements OnChainWallet {
  private readonly rpc: JsonRpcClient;
  /** Fundings one at a time: between Core's coin choice and our lock, no other funding of ours may choose. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: CoreRpcWalletOptions) {
    this.rpc = new JsonRpcClient({ url: options.url, credentials: options.credentials, clock: options.clock, timeoutMs: options.requestTimeoutMs });
  }

  get url(): string {
    return this.rpc.url;
  }

  /** Checks that the server answers and has the wallet loaded. */
  async open(): Promise<void> {
    try {
      this.fieldsOf('getwalletinfo', await this.rpc.call('getwalletinfo'));
    } catch (error) {
      if (!(error instanceof RpcCallError)) throw error;
      throw new WalletError(`Bitcoin Core at ${this.url} has no wallet to use (${error.rpcMessage}): load one (bitcoin-cli loadwallet NAME) and put /wallet/NAME in the URL`);
    }
  }

  /** Abandons the requests in flight. */
  async close(): Promise<void> {
    this.rpc.abortInFlight();
    await this.queue.catch(() => undefined);
  }

  async receiveScript(): Promise<Uint8Array> {
    const address = await this.rpc.call('getnewaddress', ['', 'bech32']);
    let decoded: ReturnType<typeof bitcoinAddress.fromBech32>;
    try {
      decoded = bitcoinAddress.fromBech32(String(address));
    } catch {
      throw new RpcResponseError(this.url, `getnewaddress answered ${JSON.stringify(address)?.slice(0, 100)}, not a bech32 address`);
    }
    if (decoded.version !== 0 || decoded.data.length !== 20) throw new RpcResponseError(this.url, `getnewaddress answered ${address}, not a P2WPKH address`);
    return Uint8Array.from([0x00, 0x14, ...decoded.data]);
  }

  async balance(): Promise<WalletBalance> {
    const [confirmed, balances] = await this.rpc.batch([
      { method: 'getbalance', params: ['*', 1] },
      { method: 'getbalances', params: [] },
    ]);
    for (const outcome of [confirmed!, balances!]) if ('error' in outcome) throw outcome.error;
    const confirmedSatoshis = this.satoshis('getbalance', (confirmed as { result: unknown }).result);
    const mine = this.fieldsOf('getbalances.mine', this.fieldsOf('getbalances', (balances as { result: unknown }).result).mine);
    // Core's trusted balance holds our own unconfirmed change beside the confirmed coins.
    const all = this.satoshis('getbalances.mine.trusted', mine.trusted) + this.satoshis('getbalances.mine.untrusted_pending', mine.untrusted_pending);
    return { confirmed: confirmedSatoshis, unconfirmed: Math.max(0, all - confirmedSatoshis) };
  }

  async fund(outputs: readonly WalletOutput[], feeratePerKw: number): Promise<Transaction> {
    checkFundRequest(outputs, feeratePerKw);
    return this.enqueue(() => this.fundNow(outputs, feeratePerKw));
  }

  async release(tx: Transaction): Promise<void> {
    const locked = await this.rpc.call('listlockunspent');
    if (!Array.isArray(locked)) throw new RpcResponseError(this.url, 'listlockunspent did not answer a list');
    const lockedKeys = new Set(locked.map((outpoint: { txid?: unknown; vout?: unknown }) => `${String(outpoint?.txid)}:${String(outpoint?.vout)}`));
    // Core refuses to unlock an output that is not locked (spent since, or released already): only those still locked.
    const ours = inputsOf(tx).filter((outpoint) => lockedKeys.has(`${outpoint.txid}:${outpoint.vout}`));
    if (ours.length > 0) await this.rpc.call('lockunspent', [true, ours]);
  }

  private async fundNow(outputs: readonly WalletOutput[], feeratePerKw: number): Promise<Transaction> {
    const unsigned = new Transaction();
    unsigned.version = 2;
    for (const output of outputs) addOutput(unsigned, output.script, output.satoshis);
    const funded = await this.fundRaw(unsigned, feeratePerKw);
    const inputs = inputsOf(funded);
    await this.rpc.call('lockunspent', [false, inputs, true]);
    try {
      const signed = this.fieldsOf('signrawtransactionwithwallet', await this.rpc.call('signrawtransactionwithwallet', [funded.toHex()]));
      if (signed.complete !== true) throw new WalletError(`Bitcoin Core could not sign every input: ${JSON.stringify(signed.errors ?? 'no reason given').slice(0, 300)}`);
      const tx = this.decodeTransaction('signrawtransactionwithwallet', signed.hex);
      checkFundedTransaction(tx, outputs);
      return tx;
    } catch (error) {
      await this.rpc.call('lockunspent', [true, inputs]).catch(() => undefined);
      throw error;
    }
  }

  /** Core's coin choice for `unsigned` at `feeratePerKw`, change after the outputs asked for; its refusal for want of funds as InsufficientFundsError. */
  private async fundRaw(unsigned: Transaction, feeratePerKw: number): Promise<Transaction> {
    const feeRate = Number(((feeratePerKw * 4) / 1e8).toFixed(8)); // BTC per 1,000 virtual bytes
    let answer: unknown;
    try {
      answer = await this.rpc.call('fundrawtransaction', [unsigned.toHex(), { feeRate, changePosition: unsigned.outs.length }]);
    } catch (error) {
      if (!isInsufficientFunds(error)) throw error;
      // Core does not say how much it lacked: what it could spend, against the outputs and the least fee they cost.
      const outputsTotal = unsigned.outs.reduce((sum, output) => sum + Number(output.value), 0);
      throw new InsufficientFundsError(await this.spendable(), outputsTotal + Math.ceil((feeratePerKw * unsigned.weight()) / 1000));
    }
    return this.decodeTransaction('fundrawtransaction', this.fieldsOf('fundrawtransaction', answer).hex);
  }

  /** What the wallet's unlocked coins add up to (Core's listunspent leaves locked coins out; bcoin marks them unspendable). */
  private async spendable(): Promise<number> {
    const coins = await this.rpc.call('listunspent', [0]);
    if (!Array.isArray(coins)) throw new RpcResponseError(this.url, 'listunspent did not answer a list');
    return coins
      .filter((coin: { spendable?: unknown; safe?: unknown }) => coin?.spendable !== false && coin?.safe !== false)
      .reduce((sum: number, coin: { amount?: unknown }) => sum + this.satoshis('listunspent amount', coin.amount), 0);
  }

  private decodeTransaction(method: string, hex: unknown): Transaction {
    if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) throw new RpcResponseError(this.url, `${method} did not answer a transaction's hex`);
    try {
      return Transaction.fromHex(hex);
    } catch (error) {
      throw new RpcResponseError(this.url, `${method} answered something that is not a transaction (${(error as Error).message})`);
    }
  }

  /** A BTC amount as Core writes it (a number with up to 8 decimals), in satoshis. */
  private satoshis(what: string, btc: unknown): number {
    if (typeof btc !== 'number' || !Number.isFinite(btc) || btc < 0 || btc > 21e6) throw new RpcResponseError(this.url, `${what} is not an amount of bitcoin: ${JSON.stringify(btc)?.slice(0, 100)}`);
    return Math.round(btc * 1e8);
  }

  private fieldsOf(what: string, value: unknown): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RpcResponseError(this.url, `${what} did not answer an object`);
    return value as Record<string, unknown>;
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const result = this.queue.then(job, job);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function inputsOf(tx: Transaction): Outpoint[] {
  return tx.ins.map((input) => ({ txid: Buffer.from(input.hash).reverse().toString('hex'), vout: input.index }));
}
