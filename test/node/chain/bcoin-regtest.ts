/**
 * A real bcoin full node on regtest, in memory, as a source of real
 * headers and blocks: it mines on its tip or on any earlier block (a
 * competing branch, which it reorganises to when heavier), and fills its
 * mempool with transactions so that blocks have merkle trees worth proving.
 * bcoin has no types: what leaves this file is bytes and numbers.
 */
import bcoin from 'bcoin';
import { sha256 } from '@noble/hashes/sha2.js';

const COINBASE_MATURITY = 100;
const FEE = 10_000;

export class BcoinRegtest {
  private readonly ring: any;
  private readonly address: any;
  /** Our coinbases not yet spent, oldest first. */
  private readonly coinbases: { tx: any; height: number }[] = [];

  private constructor(private readonly node: any) {
    this.ring = (bcoin as any).KeyRing.fromPrivate(Buffer.from(sha256(Uint8Array.of(0xc4, 0xa1))));
    this.ring.witness = false; // P2PKH: segwit activates only after about 432 regtest blocks
    this.address = this.ring.getAddress();
  }

  static async start(): Promise<BcoinRegtest> {
    // bcoin's HTTP server always opens: on a free port, so that test files running side by side do not collide on 48332.
    const node = new (bcoin as any).FullNode({ network: 'regtest', memory: true, workers: false, logLevel: 'error', listen: false, httpHost: '127.0.0.1', httpPort: 0, apiKey: 'test' });
    await node.open();
    return new BcoinRegtest(node);
  }

  get height(): number {
    return this.node.chain.height;
  }

  /** Display order hex. */
  get tipHash(): string {
    return this.node.chain.tip.rhash();
  }

  /**
   * Mines `count` blocks on the tip, or on `parent`: the best chain's block
   * at that height, or any block by hash (display order), to grow a
   * competing branch. Returns their hashes, display order.
   */
  async mine(count: number, on?: number | string): Promise<string[]> {
    let parent = on === undefined ? this.node.chain.tip : await this.node.chain.getEntry(typeof on === 'number' ? on : Buffer.from(on, 'hex').reverse().toString('hex'));
    const hashes: string[] = [];
    for (let i = 0; i < count; i++) {
      const block = await this.node.miner.mineBlock(parent, this.address);
      await this.node.chain.add(block);
      parent = await this.node.chain.getEntry(block.hash('hex'));
      this.coinbases.push({ tx: block.txs[0], height: parent.height });
      hashes.push(block.rhash());
    }
    return hashes;
  }

  /** The raw headers of the best chain from `from` to `to`, inclusive. */
  async headers(from: number, to = this.height): Promise<Uint8Array[]> {
    const headers: Uint8Array[] = [];
    for (let height = from; height <= to; height++) headers.push(await this.headerAt(height));
    return headers;
  }

  async headerAt(height: number): Promise<Uint8Array> {
    const entry = await this.node.chain.getEntry(height);
    return new Uint8Array(entry.toHeaders().toHead());
  }

  /** The raw header of any block bcoin holds, on the best chain or not (display-order hash). */
  async headerOf(hash: string): Promise<Uint8Array> {
    const block = await this.node.chain.getBlock(Buffer.from(hash, 'hex').reverse().toString('hex'));
    return new Uint8Array(block.toHead());
  }

  /** The txids (internal order) of the best chain's block at `height`, coinbase first. */
  async txids(height: number): Promise<Uint8Array[]> {
    const entry = await this.node.chain.getEntry(height);
    const block = await this.node.chain.getBlock(entry.hash);
    return block.txs.map((tx: any) => new Uint8Array(tx.hash()));
  }

  /**
   * Puts `count` transactions in the mempool: one mature coinbase split in
   * `count - 1` outputs, and one transaction spending each.
   */
  async fillMempool(count: number): Promise<void> {
    const { MTX, Coin } = bcoin as any;
    const index = this.coinbases.findIndex((coinbase) => this.height - coinbase.height + 1 > COINBASE_MATURITY);
    if (index < 0) throw new Error('no mature coinbase: mine more than 100 blocks first');
    const [coinbase] = this.coinbases.splice(index, 1);
    const split = new MTX();
    split.addCoin(Coin.fromTX(coinbase!.tx, 0, coinbase!.height));
    const share = Math.floor((coinbase!.tx.outputs[0].value - FEE) / (count - 1));
    for (let i = 0; i < count - 1; i++) split.addOutput(this.address, share);
    split.sign(this.ring);
    const splitTx = split.toTX();
    await this.node.mempool.addTX(splitTx);
    for (let i = 0; i < count - 1; i++) {
      const spend = new MTX();
      spend.addCoin(Coin.fromTX(splitTx, i, -1));
      spend.addOutput(this.address, share - FEE);
      spend.sign(this.ring);
      await this.node.mempool.addTX(spend.toTX());
    }
  }

  async close(): Promise<void> {
    await this.node.close();
  }
}
