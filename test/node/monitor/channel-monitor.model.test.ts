// A model-based test of the node's on-chain half (the "monitor" part of the
// ChannelManager, rust-lightning's ChannelMonitor): two managers with one
// channel, driven by random commands (payments that settle, fail or stay in
// flight, partial message delivery, force closes by either side, breaches
// with a revoked commitment, blocks, reorgs of 1..6 blocks with or without
// the reorged transactions, a mempool that forgets, restarts from the
// persister). The chain is a model kept here: blocks of transactions, a
// mempool, and a miner that includes a transaction only when its inputs
// exist and are unspent, its fee is not negative, and its locks (absolute
// and BIP 68) allow the block's height. Everything a manager hands to its
// broadcaster goes to that mempool.
//
// Properties, each checked on every run:
// 1. Every transaction either manager broadcasts spends outputs that exist
//    (chain or mempool), is accepted by a real script interpreter (bcoin's
//    Script.verify, standard flags: segwit, CSV, CLTV, ...), pays a fee that
//    is not negative, and may enter the next block (its locks have passed).
// 2. No manager broadcasts one of its own revoked commitments (the model
//    keeps every local commitment each side ever held).
// 3. Liveness: after the close, with enough blocks, every output that
//    descends from the funding output is spent into a wallet (anchors
//    aside), and the honest side gets at least its balance, less the fees
//    of its own claims (bounded) and, for the funder, the commitment's fee.
//
// Reproduce a failure with FC_SEED=<seed> (and FC_PATH=<path>); FC_RUNS sets the number of runs.
import t from 'tap';
import fc from 'fast-check';
import bcoin from 'bcoin';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { addFeeInputs } from '../../../node/bolt3/fee-inputs.js';
import { type FundingInput, buildFundingTransaction } from '../../../node/bolt3/funding.js';
import { p2wpkh } from '../../../node/bolt3/scripts.js';
import type { Transaction } from '../../../node/bolt3/transaction.js';
import { hashToHex } from '../../../node/chain/block-header.js';
import { ChannelManager, type ManagerEvent } from '../../../node/channel/manager.js';
import type { FundingWallet } from '../../../node/wallet/funding-wallet.js';
import { publicKeyOf, signDigest } from '../../../node/core/curve.js';
import { MemoryPersister } from '../../../node/persist/persister.js';
import { signerOf } from '../../../sim/kit/signer-of.js';
import { recordingBroadcaster } from '../../../sim/kit/broadcaster.js';

const { Script, TX } = bcoin as unknown as {
  Script: {
    fromRaw(raw: Buffer): unknown;
    verify(input: unknown, witness: unknown, output: unknown, tx: unknown, index: number, value: number, flags?: number): void;
  };
  TX: { fromRaw(raw: Buffer): { inputs: { script: unknown; witness: unknown }[] } };
};

/** Short delays (48 blocks: to_self_delay, expiry deltas) keep the chain short, as in mesh-node-onchain.test.ts. */
const POLICY = { offlineHorizonBlocks: 40, marginBlocks: 8 };
const FUNDING_SATOSHIS = 1_000_000;
const PUSH_MSAT = 400_000_000;
/** The model chain starts here: wallet coins are confirmed below it. */
const BASE_HEIGHT = 500;
const ANCHOR_SATOSHIS = 330;
/** The chain's median time past, for time locks. */
const MEDIAN_TIME_PAST = 1_700_000_000;
/** What one claim of ours may pay in fees at most (2,500 sat/kw and a wallet input for anchors HTLC transactions). */
const MAX_FEE_PER_CLAIM = 5_000;
/** Blocks mined after the commands, at most, for everything to be swept. */
const LIVENESS_BLOCKS = 400;

type Side = 0 | 1;
export type Command =
  | { readonly t: 'pay'; readonly from: Side; readonly sat: number; readonly known: boolean }
  | { readonly t: 'deliver'; readonly n: number }
  | { readonly t: 'hold'; readonly node: Side; readonly hold: boolean }
  | { readonly t: 'mine'; readonly n: number }
  | { readonly t: 'reorg'; readonly depth: number; readonly drop: boolean }
  | { readonly t: 'restart'; readonly node: Side }
  | { readonly t: 'dropMempool' }
  | { readonly t: 'close'; readonly node: Side }
  | { readonly t: 'breach'; readonly node: Side; readonly pick: number };

export interface Scenario {
  readonly channelType: 'anchors' | 'static_remotekey';
  readonly commands: readonly Command[];
  /** Who force-closes after the commands if the channel is still open. */
  readonly closer: Side;
}

interface Coin {
  readonly script: Uint8Array;
  readonly value: number;
}

const outpointKey = (txid: string, vout: number) => `${txid}:${vout}`;
const inputKey = (input: { hash: Uint8Array; index: number }) => outpointKey(hashToHex(input.hash), input.index);

/** Blocks of transactions, a mempool and a miner with Bitcoin's rules on inputs, fees and locks. */
class ModelChain {
  readonly blocks: Transaction[][] = [];
  /** Every transaction ever broadcast or mined, by txid. */
  readonly known = new Map<string, Transaction>();
  /** Coins of the wallets, made up on demand, confirmed below the model's first block. */
  readonly walletCoins = new Map<string, Coin>();
  readonly confirmedAt = new Map<string, number>();
  /** Outpoint to the txid of the chain transaction spending it. */
  readonly spentBy = new Map<string, string>();
  mempool: Transaction[] = [];
  private minted = 0;
  branch = 0;

  get tip(): number {
    return BASE_HEIGHT + this.blocks.length;
  }

  mint(script: Uint8Array, value: number): { txid: string; vout: number } {
    const txid = bytesToHex(sha256(Uint8Array.of(0xc0, ...new TextEncoder().encode(String(this.minted++)))));
    this.walletCoins.set(outpointKey(txid, 0), { script, value });
    return { txid, vout: 0 };
  }

  /** The output an outpoint names, if any transaction we know (or a wallet coin) made it. */
  output(key: string): Coin | undefined {
    const coin = this.walletCoins.get(key);
    if (coin) return coin;
    const [txid, vout] = key.split(':') as [string, string];
    const out = this.known.get(txid)?.outs[Number(vout)];
    return out && { script: out.script, value: Number(out.value) };
  }

  /** Height at which an outpoint's transaction confirmed (wallet coins: below the model), or undefined. */
  heightOf(key: string): number | undefined {
    if (this.walletCoins.has(key)) return 0;
    return this.confirmedAt.get(key.split(':')[0]!);
  }

  inMempool(txid: string): boolean {
    return this.mempool.some((tx) => tx.getId() === txid);
  }

  /** Adds to the mempool unless already there or in the chain. Returns whether it is new there. */
  accept(tx: Transaction): boolean {
    const txid = tx.getId();
    this.known.set(txid, tx);
    if (this.confirmedAt.has(txid) || this.inMempool(txid)) return false;
    this.mempool.push(tx);
    return true;
  }

  /** Whether `tx` may be in a block at `height`, with `inBlock` the transactions before it in that block. */
  minable(tx: Transaction, height: number, inBlock: Map<string, Transaction>, spentInBlock: Set<string>): string | undefined {
    let total = 0;
    for (const input of tx.ins) {
      const key = inputKey(input);
      const parentTxid = key.split(':')[0]!;
      const coin = this.output(key);
      const at = inBlock.has(parentTxid) ? height : this.heightOf(key);
      if (!coin || at === undefined) return `input ${key} is not in the chain`;
      if (this.spentBy.has(key) || spentInBlock.has(key)) return `input ${key} is spent`;
      total += coin.value;
      const lock = lockOf(tx, input.sequence);
      if (lock !== undefined && height < at + lock) return `input ${key} is locked until ${at + lock} (BIP 68)`;
    }
    if (total < tx.outs.reduce((sum, out) => sum + Number(out.value), 0)) return 'negative fee';
    if (!absoluteFinal(tx, height)) return `locktime ${tx.locktime} not passed at ${height}`;
    return undefined;
  }

  /** Mines a block from the mempool (first seen first), unless `empty`. Returns its transactions. */
  mine(empty = false): Transaction[] {
    const height = this.tip + 1;
    const block: Transaction[] = [];
    const inBlock = new Map<string, Transaction>();
    const spentInBlock = new Set<string>();
    for (let changed = !empty; changed; ) {
      changed = false;
      for (const tx of this.mempool) {
        const txid = tx.getId();
        if (inBlock.has(txid) || this.minable(tx, height, inBlock, spentInBlock) !== undefined) continue;
        block.push(tx);
        inBlock.set(txid, tx);
        for (const input of tx.ins) spentInBlock.add(inputKey(input));
        changed = true;
      }
    }
    this.mempool = this.mempool.filter((tx) => !inBlock.has(tx.getId()));
    this.blocks.push(block);
    for (const tx of block) {
      this.confirmedAt.set(tx.getId(), height);
      for (const input of tx.ins) this.spentBy.set(inputKey(input), tx.getId());
    }
    return block;
  }

  /** Takes the tip block off the chain; its transactions are returned (not put back in the mempool). */
  disconnect(): Transaction[] {
    const block = this.blocks.pop()!;
    for (const tx of block) {
      this.confirmedAt.delete(tx.getId());
      for (const input of tx.ins) this.spentBy.delete(inputKey(input));
    }
    return block;
  }

  chainTransactions(): Transaction[] {
    return this.blocks.flat();
  }
}

/** BIP 68: the relative lock in blocks of an input, if any (time-based locks are not expected here). */
function lockOf(tx: Transaction, sequence: number): number | undefined {
  if (tx.version < 2 || sequence & 0x80000000) return undefined;
  if (sequence & 0x00400000) throw new Error('a time-based relative lock');
  return sequence & 0xffff;
}

function absoluteFinal(tx: Transaction, height: number): boolean {
  if (tx.locktime === 0 || tx.ins.every((input) => input.sequence === 0xffffffff)) return true;
  // A time lock (commitments carry 0x20 in their top byte: BOLT 3's obscured number) is long past.
  return tx.locktime < (tx.locktime >= 500_000_000 ? MEDIAN_TIME_PAST : height);
}

/** bcoin's interpreter on every input, against the outputs they spend; the rule broken, or undefined. */
function scriptFailure(tx: Transaction, prevouts: Coin[]): string | undefined {
  const parsed = TX.fromRaw(Buffer.from(tx.toBuffer()));
  for (let i = 0; i < tx.ins.length; i++) {
    try {
      const input = parsed.inputs[i]!;
      Script.verify(input.script, input.witness, Script.fromRaw(Buffer.from(prevouts[i]!.script)), parsed, i, prevouts[i]!.value);
    } catch (error) {
      return `input ${i}: ${(error as { code?: string }).code ?? (error as Error).message}`;
    }
  }
  return undefined;
}

interface Node {
  readonly i: Side;
  readonly id: string;
  readonly persister: MemoryPersister;
  readonly walletKey: Uint8Array;
  readonly walletScript: Uint8Array;
  manager: ChannelManager;
  readonly events: ManagerEvent[];
  /** Broadcasts not yet taken to the mempool. */
  readonly pending: Transaction[];
  /** Every local commitment this node held, oldest first: all but the last are revoked (or being revoked). */
  readonly history: { txid: string; tx: Transaction }[];
  hold: boolean;
  counter: number;
}

/** Two managers, a channel between them, the model chain, and what the properties found. */
export class World {
  readonly chain = new ModelChain();
  readonly nodes: [Node, Node];
  readonly queue: [Side, Side, Uint8Array][] = [];
  readonly violations: string[] = [];
  /** Commitments the harness broadcast as a cheater, by txid: whose. */
  readonly cheats = new Map<string, Side>();
  handle = -1;
  fundingOutpoint = '';
  fundingTxid = '';
  fundingHeight = 0;
  readonly log: string[] = [];

  constructor(readonly scenario: Pick<Scenario, 'channelType'>) {
    this.nodes = [0, 1].map((i) => {
      const walletKey = sha256(Uint8Array.of(0x3b, i));
      const node = {
        i: i as Side,
        id: bytesToHex(signerOf(40 + i).nodeId),
        persister: new MemoryPersister(),
        walletKey,
        walletScript: p2wpkh(publicKeyOf(walletKey)),
        events: [],
        pending: [],
        history: [],
        hold: false,
        counter: 0,
      } as unknown as Node;
      node.manager = this.startManager(node);
      return node;
    }) as [Node, Node];
  }

  private wallet(node: Node): FundingWallet {
    const coin = (satoshis: number): FundingInput => ({ outpoint: this.chain.mint(node.walletScript, satoshis), satoshis, publicKey: publicKeyOf(node.walletKey), kind: 'p2wpkh' });
    return {
      fund: ({ localFundingPubkey, remoteFundingPubkey, satoshis, feeratePerKw }) => {
        const built = buildFundingTransaction(
          { inputs: [coin(satoshis + 100_000)], fundingSatoshis: satoshis, localFundingPubkey, remoteFundingPubkey, changeScript: node.walletScript, feeratePerKw },
          (_input, digest) => signDigest(digest, node.walletKey),
        );
        return { tx: built.tx, outputIndex: built.fundingOutputIndex };
      },
      sweepScript: () => node.walletScript,
      payFee: (tx, baseWeight, feeratePerKw) => {
        addFeeInputs(tx, { coins: [coin(100_000)], changeScript: node.walletScript, baseWeight, feeratePerKw }, (_input, digest) => signDigest(digest, node.walletKey));
      },
    };
  }

  private startManager(node: Node): ChannelManager {
    const manager = new ChannelManager(
      {
        signer: signerOf(40 + node.i),
        persister: node.persister,
        messenger: { send: (peer, bytes) => this.queue.push([node.i, peer === this.nodes[0].id ? 0 : 1, bytes]) },
        wallet: this.wallet(node),
        broadcaster: recordingBroadcaster(node.pending),
        randomBytes: (length) => sha256(Uint8Array.of(0x77, node.i, ...new TextEncoder().encode(String(node.counter++)))).slice(0, length),
      },
      { network: 3, policy: POLICY, minimumDepth: 1, channelType: this.scenario.channelType },
    );
    manager.on('event', (event) => {
      node.events.push(event);
      if (event.type === 'peer_error' && / on chain: /.test(event.reason)) this.violation(`node ${node.i}: ${event.reason}`);
    });
    return manager;
  }

  violation(what: string): void {
    if (this.violations.some((seen) => seen.startsWith(what))) return;
    this.violations.push(`${what} (at height ${this.chain.tip}, after: ${this.log.slice(-3).join(' | ')})`);
  }

  peer(node: Node): Node {
    return this.nodes[node.i === 0 ? 1 : 0];
  }

  /** Opens the channel (node 0 funds it, pushing some to node 1) and confirms its funding in the model chain. */
  open(): void {
    const [a, b] = this.nodes;
    this.handle = a.manager.openChannel(b.id, FUNDING_SATOSHIS, PUSH_MSAT);
    this.deliver(0);
    const funding = this.chain.mempool.find((tx) => tx.outs.some((out) => Number(out.value) === FUNDING_SATOSHIS));
    if (!funding) throw new Error('no funding transaction');
    this.fundingTxid = funding.getId();
    const vout = funding.outs.findIndex((out) => Number(out.value) === FUNDING_SATOSHIS);
    this.fundingOutpoint = outpointKey(this.fundingTxid, vout);
    this.pump();
    this.mine(1);
    this.fundingHeight = this.chain.confirmedAt.get(this.fundingTxid)!;
    this.deliver(0);
    this.mine(1);
    this.deliver(0);
    for (const node of this.nodes) {
      if (!node.events.some((event) => event.type === 'channel_opened')) throw new Error(`node ${node.i}: the channel did not open`);
      this.snapshot(node);
    }
  }

  /** Records the node's latest local commitment, if it changed. */
  snapshot(node: Node): void {
    let tx: Transaction;
    try {
      tx = node.manager.forceCloseTransaction(this.peer(node).id, this.handle);
    } catch {
      return;
    }
    const txid = tx.getId();
    if (node.history.at(-1)?.txid !== txid) node.history.push({ txid, tx });
  }

  /** Takes every broadcast to the mempool, checking it first; announces what is new there to both managers. */
  pump(): void {
    for (let rounds = 0; ; rounds++) {
      if (rounds > 1000) throw new Error('broadcasts do not stop');
      const fresh: Transaction[] = [];
      for (const node of this.nodes) {
        for (let tx = node.pending.shift(); tx; tx = node.pending.shift()) {
          this.checkBroadcast(node, tx);
          if (this.chain.accept(tx)) fresh.push(tx);
        }
      }
      if (fresh.length === 0) return;
      for (const tx of fresh) for (const node of this.nodes) node.manager.transactionUnconfirmedSeen(tx);
    }
  }

  /** Properties 1 and 2, for one broadcast transaction. */
  checkBroadcast(node: Node, tx: Transaction): void {
    const txid = tx.getId();
    const what = `node ${node.i} broadcast ${txid.slice(0, 12)}`;
    if (txid === this.fundingTxid) return;
    const prevouts: Coin[] = [];
    const next = this.chain.tip + 1;
    let total = 0;
    for (const input of tx.ins) {
      const key = inputKey(input);
      const parent = key.split(':')[0]!;
      const coin = this.chain.output(key);
      const there = this.chain.walletCoins.has(key) || this.chain.confirmedAt.has(parent) || this.chain.inMempool(parent);
      if (!coin || !there) return this.violation(`${what}, which spends ${key}: no such output in the chain or the mempool`);
      prevouts.push(coin);
      total += coin.value;
      const lock = lockOf(tx, input.sequence);
      const at = this.chain.heightOf(key) ?? next;
      if (lock !== undefined && next < at + lock) this.violation(`${what} before its relative lock: input ${key} confirmed at ${at} is locked ${lock} blocks, next block ${next}`);
    }
    if (!absoluteFinal(tx, next)) this.violation(`${what} before its locktime ${tx.locktime} (next block ${next})`);
    const failure = scriptFailure(tx, prevouts);
    if (failure) this.violation(`${what}: the interpreter refuses it: ${failure}`);
    if (total < tx.outs.reduce((sum, out) => sum + Number(out.value), 0)) this.violation(`${what} with a negative fee`);
    // Property 2: a spend of the funding output must be this node's latest commitment.
    if (tx.ins.some((input) => inputKey(input) === this.fundingOutpoint)) {
      this.snapshot(node);
      const index = node.history.findIndex((entry) => entry.txid === txid);
      if (index < 0) this.violation(`${what}: spends the funding output, and is none of its commitments`);
      else if (index < node.history.length - 1) this.violation(`${what}: its own revoked commitment ${index} (latest is ${node.history.length - 1})`);
    }
  }

  /** Delivers up to `n` queued messages (0: until none is left). */
  deliver(n: number): void {
    for (let delivered = 0; this.queue.length > 0 && (n === 0 || delivered < n); delivered++) {
      if (delivered > 10_000) throw new Error('the network did not go quiet');
      const [from, to, bytes] = this.queue.shift()!;
      const node = this.nodes[to];
      node.manager.handleMessage(this.nodes[from].id, bytes);
      this.snapshot(node);
      this.pump();
    }
  }

  mine(count: number, empty = false): void {
    for (let i = 0; i < count; i++) {
      const block = this.chain.mine(empty);
      const height = this.chain.tip;
      const hash = `${height.toString(16)}-${this.chain.branch}`;
      for (const node of this.nodes) {
        node.manager.transactionsConfirmed(height, hash, block);
        node.manager.bestBlockUpdated(height, hash);
      }
      this.pump();
    }
  }

  /** The last `depth` blocks leave (never the funding's); a new, longer branch replaces them. */
  reorg(depth: number, drop: boolean): void {
    const d = Math.min(depth, this.chain.tip - this.fundingHeight);
    if (d <= 0) return;
    this.chain.branch++;
    const returned: Transaction[] = [];
    for (let k = 0; k < d; k++) {
      const height = this.chain.tip;
      returned.unshift(...this.chain.disconnect());
      for (const node of this.nodes) node.manager.blockDisconnected(height);
    }
    // Kept: back in the mempool (first), mined again after one empty block. Dropped: gone, but for the
    // cheater's transactions (the harness is a cheater that does not give up).
    const back = drop ? returned.filter((tx) => this.cheats.has(tx.getId())) : returned;
    this.chain.mempool = [...back, ...this.chain.mempool];
    this.mine(1, true);
    this.mine(d);
  }

  restart(node: Node): void {
    node.manager.removeAllListeners();
    node.manager = this.startManager(node);
    // As MeshNode.start: the height the feed left us at, not synced, then the messages we owe; then the feed says it is current.
    node.manager.bestBlockUpdated(this.chain.tip, `${this.chain.tip.toString(16)}-${this.chain.branch}`);
    node.manager.setChainSynced(false);
    node.manager.resume();
    node.manager.setChainSynced(!node.hold);
    this.pump();
  }

  dropMempool(): void {
    this.chain.mempool = this.chain.mempool.filter((tx) => this.cheats.has(tx.getId()));
  }

  run(command: Command): void {
    this.log.push(JSON.stringify(command));
    const [a, b] = this.nodes;
    switch (command.t) {
      case 'pay': {
        const payer = this.nodes[command.from];
        const payee = this.peer(payer);
        const request = command.known
          ? payee.manager.receive(command.sat * 1000, this.chain.tip)
          : { paymentHash: sha256(Uint8Array.of(0x55, ...new TextEncoder().encode(String(this.log.length)))), amountMsat: command.sat * 1000, minFinalExpiry: this.chain.tip + 48, payee: Uint8Array.from(Buffer.from(payee.id, 'hex')) };
        try {
          payer.manager.pay(payee.id, this.handle, request);
        } catch {
          // not affordable, or the channel is closing: nothing happens
        }
        break;
      }
      case 'deliver':
        this.deliver(command.n);
        break;
      case 'hold': {
        const node = this.nodes[command.node];
        node.hold = command.hold;
        node.manager.setChainSynced(!command.hold);
        break;
      }
      case 'mine':
        this.mine(command.n);
        break;
      case 'reorg':
        this.reorg(command.depth, command.drop);
        break;
      case 'restart':
        this.restart(this.nodes[command.node]);
        break;
      case 'dropMempool':
        this.dropMempool();
        break;
      case 'close': {
        const node = this.nodes[command.node];
        node.manager.forceClose(this.peer(node).id, this.handle);
        break;
      }
      case 'breach': {
        const node = this.nodes[command.node];
        const revoked = node.history.slice(0, -1);
        if (revoked.length === 0) break;
        const { tx } = revoked[command.pick % revoked.length]!;
        this.cheats.set(tx.getId(), node.i);
        if (this.chain.accept(tx)) for (const each of [a, b]) each.manager.transactionUnconfirmedSeen(tx);
        break;
      }
    }
    for (const node of this.nodes) this.snapshot(node);
    this.pump();
  }

  /** The transaction of the chain that spends the funding output, if any. */
  closing(): Transaction | undefined {
    const txid = this.chain.spentBy.get(this.fundingOutpoint);
    return txid === undefined ? undefined : this.chain.known.get(txid);
  }

  /** Outputs descending from the funding output that are unspent and in no wallet (anchors aside). */
  stranded(): string[] {
    const wallets = new Set(this.nodes.map((node) => bytesToHex(node.walletScript)));
    const descendants = new Set([this.fundingOutpoint]);
    const left: string[] = [];
    for (const tx of this.chain.chainTransactions()) {
      if (!tx.ins.some((input) => descendants.has(inputKey(input)))) continue;
      tx.outs.forEach((out, vout) => {
        const key = outpointKey(tx.getId(), vout);
        descendants.add(key);
        if (this.chain.spentBy.has(key) || wallets.has(bytesToHex(out.script)) || Number(out.value) === ANCHOR_SATOSHIS) return;
        left.push(`${key} (${Number(out.value)} sat)`);
      });
    }
    if (!this.chain.spentBy.has(this.fundingOutpoint)) left.push('the funding output');
    return left;
  }

  /** After the commands: closes if nobody did, mines until everything is swept, and checks property 3. */
  finish(closer: Side): void {
    this.log.push('finish');
    for (const node of this.nodes) {
      node.hold = false;
      node.manager.setChainSynced(true);
    }
    this.pump();
    const closed = this.nodes.some((node) => node.manager.channelSummaries().some((summary) => summary.status === 'force_closed'));
    if (!closed && !this.chain.spentBy.has(this.fundingOutpoint)) {
      const node = this.nodes[closer];
      node.manager.forceClose(this.peer(node).id, this.handle);
      this.pump();
    }
    let quiet = 0;
    for (let i = 0; i < LIVENESS_BLOCKS && quiet < 8; i++) {
      this.mine(1);
      quiet = this.stranded().length === 0 && this.chain.mempool.every((tx) => this.chain.minable(tx, this.chain.tip + 1, new Map(), new Set()) !== undefined) ? quiet + 1 : 0;
    }
    const closing = this.closing();
    if (!closing) return this.violation(`the funding output is still unspent ${LIVENESS_BLOCKS} blocks after the commands`);
    const cheater = this.cheats.get(closing.getId());
    // A cheater's commitment the victim has no revocation for (its revocation was still in flight) leaves the
    // cheater's own outputs to the cheater's old backup: only the victim's share is checked then.
    const victim = cheater === undefined ? undefined : this.peer(this.nodes[cheater]);
    const revoked = victim !== undefined && victim.persister.getAll('remedy').has(bytesToHex(closing.getHash()));
    const stranded = this.stranded();
    if (stranded.length > 0 && (cheater === undefined || revoked)) this.violation(`property 3: outputs never swept ${LIVENESS_BLOCKS} blocks on: ${stranded.join(', ')}`);
    for (const node of this.nodes) {
      if (node.i === cheater) continue;
      this.checkShare(node, closing);
    }
  }

  /** Property 3 for an honest node: its wallet gained at least its balance, less its claims' fees (bounded) and the funder's commitment fee. */
  checkShare(node: Node, closing: Transaction): void {
    const script = bytesToHex(node.walletScript);
    let gained = 0;
    let fees = 0;
    let claims = 0;
    for (const tx of this.chain.chainTransactions()) {
      if (tx.getId() === this.fundingTxid) continue;
      const received = tx.outs.filter((out) => bytesToHex(out.script) === script).reduce((sum, out) => sum + Number(out.value), 0);
      const paidIn = tx.ins.map(inputKey).filter((key) => this.chain.walletCoins.has(key) && bytesToHex(this.chain.walletCoins.get(key)!.script) === script);
      if (received === 0 && paidIn.length === 0) continue;
      const spent = paidIn.reduce((sum, key) => sum + this.chain.walletCoins.get(key)!.value, 0);
      gained += received - spent;
      const inputs = tx.ins.reduce((sum, input) => sum + (this.chain.output(inputKey(input))?.value ?? 0), 0);
      fees += inputs - tx.outs.reduce((sum, out) => sum + Number(out.value), 0);
      claims++;
    }
    const state = [...node.persister.loadChannels().values()][0]!.state;
    const balanceMsat = Math.min(state.localCommit.spec.toLocalMsat, state.remoteCommit.spec.toLocalMsat, state.nextRemoteCommit?.spec.toLocalMsat ?? Infinity);
    const closingFee = state.localIsFunder ? FUNDING_SATOSHIS - closing.outs.reduce((sum, out) => sum + Number(out.value), 0) + (state.variant === 'anchors' ? 2 * ANCHOR_SATOSHIS : 0) : 0;
    const owed = Math.floor(balanceMsat / 1000) - closingFee;
    if (fees > claims * MAX_FEE_PER_CLAIM) this.violation(`property 3: node ${node.i} paid ${fees} sat in fees over ${claims} claims`);
    if (gained + fees < owed) this.violation(`property 3: node ${node.i} got ${gained} sat (+ ${fees} sat of fees) of the ${owed} sat it was owed (balance ${balanceMsat} msat, commitment fee ${closingFee} sat)`);
  }
}

/** Runs a scenario; returns what the properties found. */
export function runScenario(scenario: Scenario): World {
  const world = new World(scenario);
  world.open();
  for (const command of scenario.commands) world.run(command);
  world.finish(scenario.closer);
  return world;
}

/** What a run exercised, for FC_STATS=1: how the channel closed, and what was claimed on chain. */
function tally(world: World): string[] {
  const closing = world.closing();
  const how = !closing ? 'not closed' : world.cheats.has(closing.getId()) ? 'breach' : 'force close';
  const spendable = world.nodes.flatMap((node) => node.events.flatMap((event) => (event.type === 'funds_spendable' ? [event.description.replace(/\d+/g, 'N')] : [])));
  const breaches = world.nodes.flatMap((node) => node.events.filter((event) => event.type === 'breach')).length;
  return [how, ...new Set(spendable), ...(breaches > 0 ? ['justice'] : [])];
}

const side = fc.constantFrom<Side>(0, 1);
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('pay' as const), from: side, sat: fc.integer({ min: 5_000, max: 150_000 }), known: fc.boolean() }) },
  { weight: 8, arbitrary: fc.record({ t: fc.constant('deliver' as const), n: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('hold' as const), node: side, hold: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('mine' as const), n: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('reorg' as const), depth: fc.integer({ min: 1, max: 6 }), drop: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restart' as const), node: side }) },
  { weight: 1, arbitrary: fc.constant({ t: 'dropMempool' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('close' as const), node: side }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('breach' as const), node: side, pick: fc.nat({ max: 20 }) }) },
);
const scenario: fc.Arbitrary<Scenario> = fc.record({
  channelType: fc.constantFrom('anchors' as const, 'static_remotekey' as const),
  commands: fc.array(command, { minLength: 1, maxLength: 30 }),
  closer: side,
});

t.test('the monitor: valid broadcasts, never a revoked commitment of its own, everything swept', (t) => {
  const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
  const started = Date.now();
  const stats = new Map<string, number>();
  fc.assert(
    fc.property(scenario, (each) => {
      const world = runScenario(each);
      if (process.env.FC_STATS) for (const label of tally(world)) stats.set(label, (stats.get(label) ?? 0) + 1);
      if (world.violations.length > 0) throw new Error(world.violations.join('\n'));
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 30), ...(seed !== undefined && { seed }), ...(process.env.FC_PATH && { path: process.env.FC_PATH }), endOnFailure: process.env.FC_SHRINK === '0' },
  );
  t.pass(`${process.env.FC_RUNS ?? 30} runs in ${Date.now() - started} ms`);
  if (process.env.FC_STATS) t.comment([...stats].map(([label, count]) => `${label}: ${count}`).join(', '));
  t.end();
});

// Counterexamples the property found, kept as plain cases.
const cases: Record<string, Scenario> = {
  // Node 0 broadcasts its first, revoked commitment. Node 1's justice took node 0's to_local, but nothing swept
  // node 1's own to_remote on it (400,000 sat to its payment basepoint, which no wallet watches): lost for ever.
  // Fixed: a revoked commitment gets a to_remote claim like a current one (node/monitor/to-remote.ts).
  'the victim of a breach sweeps its own to_remote too': {
    channelType: 'static_remotekey',
    commands: [{ t: 'pay', from: 0, sat: 5_006, known: true }, { t: 'deliver', n: 0 }, { t: 'breach', node: 0, pick: 0 }, { t: 'mine', n: 2 }],
    closer: 1,
  },
  'the victim of a breach sweeps its own to_remote too (anchors)': {
    channelType: 'anchors',
    commands: [{ t: 'pay', from: 0, sat: 5_006, known: true }, { t: 'deliver', n: 0 }, { t: 'breach', node: 0, pick: 0 }, { t: 'mine', n: 2 }],
    closer: 1,
  },
  // The justice went to the broadcaster when the breach was seen, and again when it confirmed, never after:
  // a mempool that dropped it then (a gateway restart) left the cheater's to_local and HTLCs to the cheater
  // after its delay. Fixed: the justice transactions are claims of the revoked close, broadcast again every
  // REBROADCAST_AFTER_BLOCKS until one confirms, voided by whatever spends their outputs first.
  'the justice goes out again when the mempool loses it': {
    channelType: 'static_remotekey',
    commands: [{ t: 'pay', from: 0, sat: 5_006, known: true }, { t: 'deliver', n: 0 }, { t: 'breach', node: 0, pick: 0 }, { t: 'dropMempool' }, { t: 'mine', n: 1 }, { t: 'dropMempool' }, { t: 'mine', n: 2 }],
    closer: 1,
  },
};
for (const [name, each] of Object.entries(cases)) {
  t.test(name, (t) => {
    const world = runScenario(each);
    t.same(world.violations, []);
    if (name.includes('to_remote')) t.ok(world.nodes[1].events.some((event) => event.type === 'funds_spendable' && event.description === 'to_remote'), 'node 1 swept its to_remote');
    t.end();
  });
}
