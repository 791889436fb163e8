/**
 * A real bcoin full node on regtest, in memory, in the test's process: it
 * mines blocks to a wallet key of ours, accepts or rejects transactions with
 * Bitcoin Core's rules (bcoin's mempool), and confirms them in blocks.
 */
import bcoin from 'bcoin';
import { sha256 } from '@noble/hashes/sha2.js';
import { addFeeInputs } from '../../../node/bolt3/fee-inputs.js';
import { type FundingInput, buildFundingTransaction } from '../../../node/bolt3/funding.js';
import { hash160, p2wpkh } from '../../../node/bolt3/scripts.js';
import { Transaction } from '../../../node/bolt3/transaction.js';
import { publicKeyOf, signDigest } from '../../../node/core/curve.js';

const COINBASE_MATURITY = 100;

export class Regtest {
  readonly walletKey = sha256(Uint8Array.of(0xbc, 0x01));
  readonly walletPubkey = publicKeyOf(this.walletKey);
  /** Our coinbase outputs, oldest first, not yet spent by `coin()`. */
  private readonly coinbases: { txid: string; satoshis: number; height: number }[] = [];

  private constructor(private readonly node: any) {}

  static async start(blocks = 450): Promise<Regtest> {
    // The RPC server on a free loopback port: test files run in parallel, each with its own node.
    const node = new (bcoin as any).FullNode({ network: 'regtest', memory: true, workers: false, logLevel: 'error', listen: false, indexTX: true, httpHost: '127.0.0.1', httpPort: 0, apiKey: 'test' });
    await node.open();
    const regtest = new Regtest(node);
    await regtest.mine(blocks); // past CSV and segwit activation (about 432 blocks on regtest)
    return regtest;
  }

  get height(): number {
    return this.node.chain.height;
  }

  /** Mines `count` blocks paying our wallet, with whatever the mempool holds. */
  async mine(count: number): Promise<void> {
    const address = (bcoin as any).Address.fromWitnessPubkeyhash(Buffer.from(hash160(this.walletPubkey)), 'regtest');
    for (let i = 0; i < count; i++) {
      const block = await this.node.miner.mineBlock(this.node.chain.tip, address);
      await this.node.chain.add(block);
      const coinbase = block.txs[0];
      this.coinbases.push({ txid: coinbase.txid(), satoshis: coinbase.outputs[0].value, height: this.node.chain.height });
    }
  }

  /** Submits a transaction to the mempool. Rejects with bcoin's reason when it is not acceptable. */
  async broadcast(tx: Transaction): Promise<void> {
    await this.node.mempool.addTX((bcoin as any).TX.fromRaw(Buffer.from(tx.toBuffer())));
  }

  /** Confirmations of a transaction: 0 in the mempool or unknown. */
  async confirmations(txid: string): Promise<number> {
    const meta = await this.node.getMeta(Buffer.from(txid, 'hex').reverse());
    if (!meta || meta.height < 0) return 0;
    return this.node.chain.height - meta.height + 1;
  }

  /** The transactions of the block at `height`, as bitcoinjs transactions. */
  async blockTransactions(height: number): Promise<Transaction[]> {
    const block = await this.node.chain.getBlock(height);
    return block.txs.map((tx: any) => Transaction.fromBuffer(tx.toRaw()));
  }

  /** One mature coinbase coin of ours, taken out of the list: it will be spent. */
  private matureCoin(): FundingInput {
    const index = this.coinbases.findIndex((coin) => this.node.chain.height - coin.height + 1 > COINBASE_MATURITY);
    if (index < 0) throw new Error('no mature coin');
    const [coin] = this.coinbases.splice(index, 1);
    return { outpoint: { txid: coin!.txid, vout: 0 }, satoshis: coin!.satoshis, publicKey: this.walletPubkey, kind: 'p2wpkh' };
  }

  /** A funding transaction from one mature coinbase coin of ours. */
  fund(request: { localFundingPubkey: Uint8Array; remoteFundingPubkey: Uint8Array; satoshis: number; feeratePerKw: number }): { tx: Transaction; outputIndex: number } {
    const input = this.matureCoin();
    const built = buildFundingTransaction(
      { inputs: [input], fundingSatoshis: request.satoshis, localFundingPubkey: request.localFundingPubkey, remoteFundingPubkey: request.remoteFundingPubkey, changeScript: p2wpkh(this.walletPubkey), feeratePerKw: request.feeratePerKw },
      (_coin, digest) => signDigest(digest, this.walletKey),
    );
    return { tx: built.tx, outputIndex: built.fundingOutputIndex };
  }

  /** Pays the fee of an anchors HTLC transaction with one mature coinbase coin of ours. */
  payFee(tx: Transaction, baseWeight: number, feeratePerKw: number): void {
    const coin = this.matureCoin();
    addFeeInputs(tx, { coins: [coin], changeScript: p2wpkh(this.walletPubkey), baseWeight, feeratePerKw }, (_coin, digest) => signDigest(digest, this.walletKey));
  }

  async close(): Promise<void> {
    await this.node.close();
  }
}
