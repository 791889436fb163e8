// The chain feed end to end, with real parts: the gateway's ChainFeed on an
// embedded bcoin regtest chain, and a node's ChainFeedClient with its own
// header chain, wired message for message (every message is encoded and
// decoded, as on the air). A listener on the node records what reaches it.
// The node learns of a spend of a watched output in the block it confirms,
// proven against its own headers; an idle node takes blocks six at a time;
// a restart resumes from the cursor; a reorg unwinds what it took away; a
// watch registered late is answered with a proof; a mempool spend is
// announced at once.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { p2wsh } from '../../../node/bolt3/scripts.js';
import type { Transaction } from '../../../node/bolt3/transaction.js';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { OP_TRUE_SCRIPT } from '../../../gateway/chain/regtest-miner.js';
import { coinbaseAt, mineToSegwit, spendAnyoneCanSpend } from '../../../gateway/chain/regtest-coins.js';
import { ChainFeed, type ChainFeedInit } from '../../../gateway/relay/chain-feed.js';
import { FeedStore } from '../../../gateway/relay/feed-store.js';
import type { ChainListener } from '../../../node/chain/chain-listener.js';
import { HeaderChain } from '../../../node/chain/header-chain.js';
import { networkParams } from '../../../node/chain/network-params.js';
import { encodeCompactHeaders } from '../../../node/chain/compact-headers.js';
import { type Clock, systemClock } from '../../../node/core/clock.js';
import { MemoryPersister } from '../../../node/persist/persister.js';
import { ChainFeedClient } from '../../../node/uplink/chain-feed-client.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { warningsInto } from '../../../sim/kit/logger.js';
import { type GatewayMessage, decodeGatewayMessage, encodeGatewayMessage, feedHashPrefix } from '../../../node/gateway-protocol/gateway-messages.js';

const NODE = '02'.padEnd(66, '1');

/** What reaches a node's listener, in order. */
class RecordingListener implements ChainListener {
  readonly log: string[] = [];
  readonly confirmed = new Map<string, number>();
  tip = 0;
  transactionsConfirmed(height: number, _hash: string, transactions: readonly Transaction[]): void {
    for (const tx of transactions) {
      this.confirmed.set(tx.getId(), height);
      this.log.push(`confirmed ${tx.getId().slice(0, 8)} at ${height}`);
    }
  }
  bestBlockUpdated(height: number): void {
    this.tip = height;
    this.log.push(`tip ${height}`);
  }
  blockDisconnected(height: number): void {
    this.log.push(`disconnected ${height}`);
    for (const [txid, at] of this.confirmed) if (at >= height) this.confirmed.delete(txid);
  }
  readonly unconfirmed: string[] = [];
  transactionUnconfirmedSeen(tx: Transaction): void {
    this.unconfirmed.push(tx.getId());
  }
}

async function setUp(t: Test, init: ChainFeedInit = {}, clock: Clock = systemClock) {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-feed-'));
  const chain = new EmbeddedChain({});
  await chain.open();
  await mineToSegwit(chain);
  const store = new FeedStore(join(dir, 'feed'));
  const toNode: GatewayMessage[] = [];
  const fromNode: GatewayMessage[] = [];
  let node: ReturnType<typeof makeNode> | undefined;
  const warnings: string[] = [];
  const feed = new ChainFeed({ messenger: { send: (_to, bytes) => void deliverToNode(bytes) }, chain, store, clock, logger: warningsInto(warnings) }, init);
  let nodeOnline = true;
  const deliverToNode = (bytes: Uint8Array) => {
    const message = decodeGatewayMessage(bytes) as GatewayMessage;
    toNode.push(message);
    if (nodeOnline) setImmediate(() => node?.client.handle(message));
  };
  const nodeStore = new MemoryPersister();
  const headerChain = HeaderChain.open({ network: networkParams('regtest'), store: nodeStore });
  let nextId = 1;
  function makeNode() {
    const listener = new RecordingListener();
    const client = new ChainFeedClient({
      headerChain: HeaderChain.open({ network: networkParams('regtest'), store: nodeStore }),
      store: nodeStore,
      clock: systemClock,
      requestId: () => nextId++,
      randomBytes: (length) => new Uint8Array(randomBytes(length)),
      logger: warningsInto(warnings),
      send: (message) => {
        const decoded = decodeGatewayMessage(encodeGatewayMessage(message)) as GatewayMessage;
        setImmediate(() => void toGateway(decoded));
      },
    }, { idleLag: 6 }); // the tests below count in pushes of six blocks
    client.addChainListener(listener);
    return { client, listener };
  }
  const toGateway = async (message: GatewayMessage) => {
    fromNode.push(message);
    if (message.type === 'feed_ack') return feed.acknowledge(NODE, message);
    if (message.type === 'watch') {
      const proofs = await feed.watch(NODE, message);
      for (const answer of [{ type: 'done', requestId: message.requestId } as GatewayMessage, ...proofs.map((proof) => ({ ...proof, requestId: message.requestId }))]) {
        deliverToNode(encodeGatewayMessage(answer));
      }
    }
  };
  node = makeNode();
  feed.start();
  t.teardown(async () => {
    node?.client.stop();
    await feed.stop();
    await store.close();
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const until = async (what: string, done: () => boolean, limitMs = 20_000) => {
    const start = Date.now();
    while (!done()) {
      if (Date.now() - start > limitMs) throw new Error(`timed out waiting: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return {
    chain,
    feed,
    store,
    toNode,
    fromNode,
    warnings,
    headerChain,
    get node() {
      return node!;
    },
    restartNode() {
      node!.client.stop();
      node = makeNode();
      return node;
    },
    setOnline(online: boolean) {
      nodeOnline = online;
    },
    until,
  };
}

t.test('a watched output: its spend reaches the node in its block, proven; an idle node takes blocks six at a time', async (t) => {
  const env = await setUp(t);
  const { chain, until } = env;
  const coin = await coinbaseAt(chain, 1);
  const first = spendAnyoneCanSpend(coin, p2wsh(OP_TRUE_SCRIPT));
  await chain.broadcast(first);
  await chain.mine(1);
  const watched = { txid: first.getId(), vout: 0 };
  env.node.client.on('feerate', (feeratePerKw) => env.node.listener.log.push(`feerate ${feeratePerKw}`));
  env.node.client.start();
  env.node.client.watchOutput(watched);
  const tip = (await chain.tip()).height;
  await until('the node is at the tip', () => env.node.client.height === tip);
  t.equal(env.node.listener.tip, tip, 'its listener was told the tip');

  const spend = spendAnyoneCanSpend({ txid: first.getId(), vout: 0, satoshis: Number(first.outs[0]!.value) }, p2wsh(OP_TRUE_SCRIPT));
  const accepted = await chain.broadcast(spend);
  t.ok(accepted.accepted, 'the spend is accepted');
  await until('the mempool spend is announced', () => env.node.listener.unconfirmed.includes(spend.getId()));
  await chain.mine(1);
  await until('the spend reaches the node', () => env.node.listener.confirmed.has(spend.getId()));
  t.equal(env.node.listener.confirmed.get(spend.getId()), tip + 1, 'in the block that confirmed it, at once (it matters)');
  const log = env.node.listener.log;
  const confirmedAt = log.indexOf(`confirmed ${spend.getId().slice(0, 8)} at ${tip + 1}`);
  t.match(log[confirmedAt - 1], /^feerate \d+$/, "the push's fee estimate comes before its blocks: claims made on them pay it");
  t.same(log.slice(confirmedAt + 1), [`tip ${tip + 1}`], 'and not after them');

  // Idle: nothing for the node in the next five blocks, so nothing is sent.
  const before = env.toNode.filter((message) => message.type === 'blocks').length;
  await chain.mine(5);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(env.toNode.filter((message) => message.type === 'blocks').length, before, 'five idle blocks: no push');
  await chain.mine(1);
  await until('the sixth brings them all', () => env.node.client.height === tip + 7);
  const pushes = env.toNode.filter((message) => message.type === 'blocks');
  t.equal(pushes.length, before + 1, 'in one push');
  const last = pushes.at(-1) as Extract<GatewayMessage, { type: 'blocks' }>;
  t.ok(encodeGatewayMessage(last).length < 6 * 50 + 40, `six compact headers and the rest take ${encodeGatewayMessage(last).length} bytes (six raw headers alone: 480)`);
  t.same(env.warnings, [], 'no warnings');
});

t.test('a restart resumes from the cursor; a reorg unwinds what it took away; a late watch gets its proof', async (t) => {
  const env = await setUp(t);
  const { chain, until } = env;
  env.node.client.start();
  const start = (await chain.tip()).height;
  await until('at the tip', () => env.node.client.height === start);
  // A spend of a spend: bcoin drops spends of coinbases from its mempool after a reorg.
  const parent = spendAnyoneCanSpend(await coinbaseAt(chain, 2), p2wsh(OP_TRUE_SCRIPT));
  await chain.broadcast(parent);
  await chain.mine(1);
  const tx = spendAnyoneCanSpend({ txid: parent.getId(), vout: 0, satoshis: Number(parent.outs[0]!.value) }, p2wsh(OP_TRUE_SCRIPT));
  env.node.client.watchTransaction(tx.getId());
  await chain.broadcast(tx);
  await chain.mine(1);
  await until('confirmed', () => env.node.listener.confirmed.has(tx.getId()));
  const at = env.node.listener.confirmed.get(tx.getId())!;

  // The node goes away: what happens meanwhile waits for it.
  env.setOnline(false);
  env.node.client.stop();
  await chain.reorg(1); // the block with tx is replaced: tx goes back to the mempool, and into the next block
  await chain.mine(2);
  env.setOnline(true);
  const back = env.restartNode();
  back.client.start();
  const tip = (await chain.tip()).height;
  await until('the restarted node catches up', () => back.client.height === tip);
  t.ok(back.listener.log.includes(`disconnected ${at}`), 'the block it had taken left the chain: it was told');
  t.ok(back.listener.confirmed.has(tx.getId()), `and the transaction, confirmed again at ${back.listener.confirmed.get(tx.getId())}, reached it again`);
  t.ok(back.listener.confirmed.get(tx.getId())! > at, 'in a later block');

  // A transaction confirmed before anyone watched it: the watch is answered with its proof.
  const old = spendAnyoneCanSpend(await coinbaseAt(chain, 3), p2wsh(OP_TRUE_SCRIPT));
  await chain.broadcast(old);
  await chain.mine(1);
  await until('the tip', () => back.client.height === tip + 1 || back.client.height === tip);
  back.client.watchTransaction(old.getId());
  await until('the late watch is proven', () => back.listener.confirmed.has(old.getId()));
  t.same(env.warnings, [], 'no warnings');
});

t.test('a node away: its unanswered push is sent again once, not at every block; back, it says hello and catches up', async (t) => {
  // Every copy waits in the relay's queue for the node (headline.yaml: forty copies over ten days, which
  // the node, back, was still taking over LoRa three days later, with what followed them waiting behind).
  const env = await setUp(t, { resendAfterMs: 1 });
  const { chain, until } = env;
  env.node.client.start();
  const start = (await chain.tip()).height;
  await until('at the tip', () => env.node.client.height === start);
  env.setOnline(false);
  env.node.client.stop();
  const pushes = () => env.toNode.filter((message) => message.type === 'blocks').length;
  const before = pushes();
  for (let i = 0; i < 12; i++) {
    await chain.mine(1);
    await new Promise((resolve) => setTimeout(resolve, 5)); // past resendAfterMs
    await env.feed.idle();
  }
  t.equal(pushes() - before, 2, 'the push at six blocks behind, and one repeat of it; not one per block after');
  env.setOnline(true);
  const back = env.restartNode();
  back.client.start();
  const tip = (await chain.tip()).height;
  await until('back, it catches up', () => back.client.height === tip);
  t.equal(back.listener.tip, tip, 'its listener has the tip');
  t.same(env.warnings, [], 'no warnings');
});

t.test('a push made before the node restarted does not tell it that it is current: only one that answers its hello does', async (t) => {
  // A payee restarted settles the payments it holds only once current: a copy queued before (its tipHeight long
  // out of date) once made one settle an HTLC that had expired and been timed out on chain meanwhile.
  const env = await setUp(t);
  const { chain, until } = env;
  env.node.client.start();
  const start = (await chain.tip()).height;
  await until('at the tip', () => env.node.client.height === start);
  env.setOnline(false);
  env.node.client.stop();
  await chain.mine(6);
  await env.feed.idle();
  const queued = env.toNode.filter((message) => message.type === 'blocks').at(-1)!;
  t.match(queued, { startHeight: start + 1, tipHeight: start + 6 }, 'a push waits for the node');
  await chain.mine(20);
  await env.feed.idle();

  const back = env.restartNode();
  const tips: [number, boolean][] = [];
  back.client.on('tip', (height, synced) => tips.push([height, synced]));
  back.client.handle(queued); // the relay hands over the old copy first
  t.same(tips, [[start + 6, false]], 'the old copy moves the node on, but says nothing of the chain now');
  env.setOnline(true);
  back.client.start();
  await until('the node catches up', () => tips.at(-1)?.[1] === true);
  t.same(tips.at(-1), [start + 26, true], 'the answer to its hello makes it current, at the tip');
  const answers = env.toNode.filter((message) => message.type === 'blocks' && message.answers !== undefined);
  t.ok(answers.length >= 1, 'pushes built after the hello carry it back');
  await chain.mine(6);
  await until('the next push', () => back.client.height === start + 32);
  t.equal((env.toNode.filter((message) => message.type === 'blocks').at(-1) as { answers?: number }).answers, undefined, 'not once the node has taken one');
  t.same(env.warnings, [], 'no warnings');
});

t.test('a node catching up from far behind over a slow relay has one push in flight: its hellos and its acknowledgements of older copies bring no more', async (t) => {
  // headline.yaml: n2, cut off for ten days behind n1, had a hello queued for every hour of silence; back,
  // each one (and each acknowledgement of an older copy) brought a fresh push of up to 144 blocks, 454 in
  // all, queued at n0 for a link that carries a few an hour under EU868: n1 ended the run 1,562 blocks behind.
  const HOUR = 3_600_000;
  const clock = new VirtualClock();
  const env = await setUp(t, { resendAfterMs: HOUR }, clock);
  const { chain, until } = env;
  env.node.client.start();
  const start = (await chain.tip()).height;
  await until('at the tip', () => env.node.client.height === start);
  await env.feed.idle();
  const pushes = () => env.toNode.filter((message): message is Extract<GatewayMessage, { type: 'blocks' }> => message.type === 'blocks');
  const before = pushes().length;
  // The relay holds what it gets for the node: nothing reaches it for now.
  env.setOnline(false);
  await chain.mine(200);
  await env.feed.idle();
  t.equal(pushes().length - before, 1, 'one push once the node is six blocks behind; none with the blocks after');
  const hash = feedHashPrefix((await chain.blockAt(start))!.hash);
  const hello = () => env.feed.acknowledge(NODE, { height: start, hash, maxLag: 6, hello: 1 });
  for (let i = 0; i < 5; i++) await hello();
  t.equal(pushes().length - before, 2, 'five hellos (its hourly ones, queued behind the relay): the first brings the push again (a restart may have lost it), the others nothing (five more before)');
  t.equal(pushes().at(-1)!.startHeight, start + 1, 'from the cursor');

  // Unanswered, the push goes again only for a hello, after a wait that doubles.
  clock.tick(HOUR);
  await chain.mine(1);
  await hello();
  await env.feed.idle();
  t.equal(pushes().length - before, 2, 'an hour on, neither a block nor a hello brings another');
  clock.tick(HOUR);
  await hello();
  t.equal(pushes().length - before, 3, 'two hours after the repeat, a hello does');
  await hello();
  clock.tick(3 * HOUR);
  await hello();
  t.equal(pushes().length - before, 3, 'another hello at once, or three hours on: nothing');
  clock.tick(HOUR);
  await hello();
  t.equal(pushes().length - before, 4, 'four hours on, one more: the wait doubled');

  // The relay hands the node what it held, in order. Each copy it takes from the first is acknowledged: only
  // the one that reaches the end of the push in flight (or beyond) brings the next.
  const held = pushes().slice(before);
  const tip = (await chain.tip()).height;
  env.setOnline(true);
  for (const [i, push] of held.entries()) {
    const count = pushes().length;
    env.node.client.handle(push);
    await new Promise((resolve) => setImmediate(resolve));
    await env.feed.idle();
    t.ok(pushes().length - count <= (i === 1 ? 1 : 0), `copy ${i + 1} of ${held.length} (${push.startHeight} to ${push.startHeight + push.headers.length / 38 - 1}): ${pushes().length - count} more push(es)`);
  }
  await until('it catches up', () => env.node.client.height === tip);
  const after = pushes().slice(before + held.length);
  t.equal(after.length, 1, `the rest in one push: ${after.map((push) => push.startHeight).join(', ')}`);
  t.equal(after[0]!.startHeight, start + 145, 'after the first 144');
  t.same(env.warnings, [], 'no warnings');
});

t.test('a watch request repeated after its answer was lost gets the proof again, from one block read, not a scan', async (t) => {
  const env = await setUp(t);
  const { chain, until } = env;
  env.node.client.start();
  const start = (await chain.tip()).height;
  await until('at the tip', () => env.node.client.height === start);
  // Confirmed before anyone watched it, in a block the node then takes: only a late proof can tell it.
  const old = spendAnyoneCanSpend(await coinbaseAt(chain, 4), p2wsh(OP_TRUE_SCRIPT));
  await chain.broadcast(old);
  await chain.mine(6);
  await until('the node has the block', () => env.node.client.height === start + 6);
  const proofs = () => env.toNode.filter((message) => message.type === 'tx_proof').length;
  const dones = () => env.toNode.filter((message) => message.type === 'done').length;

  // The answer (done, then the proof) is lost on the air.
  env.setOnline(false);
  env.node.client.watchTransaction(old.getId());
  await until('the gateway answered', () => dones() === 1);
  t.equal(proofs(), 1, 'the first answer carried the proof');
  await env.feed.idle();
  env.setOnline(true);

  // The node asks again (here after a restart; after a silence it is the same request).
  let reads = 0;
  const blockAt = chain.blockAt.bind(chain);
  chain.blockAt = (height: number) => (reads++, blockAt(height));
  const back = env.restartNode();
  back.client.start();
  await until('the repeat is answered', () => dones() === 2);
  await env.feed.idle();
  t.equal(proofs(), 2, 'the repeat is answered with the proof again');
  await until('the proof reaches the node', () => back.listener.confirmed.has(old.getId()), 3_000);
  t.equal(back.listener.confirmed.get(old.getId()), start + 1, 'in its block');
  t.ok(reads <= 1, `the gateway read ${reads} block(s) from the chain for it (at most the one the match is in; it may be cached), not the 2016 a scan may cover`);
  t.ok(back.client.watchesTransaction(old.getId()), 'the watch is kept');

  // A held watch with no match, asked again: nothing to prove, and nothing read.
  const other = spendAnyoneCanSpend(await coinbaseAt(chain, 6), p2wsh(OP_TRUE_SCRIPT));
  const request = { outpoints: [], txids: [other.getHash()], fromHeight: start };
  t.same(await env.feed.watch(NODE, request), [], 'a new watch with no match: no proof');
  reads = 0;
  t.same(await env.feed.watch(NODE, request), [], 'asked again: none');
  t.equal(reads, 0, 'and no block read');
  t.same(env.warnings, [], 'no warnings');
});

t.test('a late copy of an older push changes nothing: the cursor never goes back, no block is taken twice', async (t) => {
  // LoRa relays may hand over an old copy of a push after newer ones (a repeat queued while the node was away).
  const env = await setUp(t);
  const { chain, until } = env;
  env.node.client.start();
  const start = (await chain.tip()).height;
  await until('at the tip', () => env.node.client.height === start);
  const lastPush = () => env.toNode.filter((message) => message.type === 'blocks').at(-1) as Extract<GatewayMessage, { type: 'blocks' }>;
  await chain.mine(6);
  await until('the first push is taken', () => env.node.client.height === start + 6);
  const older = lastPush();
  await chain.mine(6);
  await until('the second push is taken', () => env.node.client.height === start + 12);
  const newer = lastPush();
  t.equal(newer.startHeight, start + 7, 'the second push follows the first');
  await env.feed.idle();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const log = env.node.listener.log.length;
  const acks = env.fromNode.length;

  env.node.client.handle(older);
  t.equal(env.node.client.height, start + 12, 'a stale copy ending below the cursor does not move it back');
  await new Promise((resolve) => setTimeout(resolve, 50));
  await env.feed.idle();
  t.same(env.fromNode.slice(acks), [], 'and is not acknowledged: the gateway has gone past it (an ack below its push in flight reads as a refusal)');
  t.same(env.node.listener.log.slice(log), [], 'the listeners hear nothing of it');
  t.equal(env.store.cursor(NODE)!.height, start + 12, "the gateway's cursor for the node stays where it was");

  env.node.client.handle(newer);
  t.equal(env.node.client.height, start + 12, 'a copy of the last push changes nothing either');
  await until('it is acknowledged at the cursor (the gateway may be repeating it, having lost our acknowledgement)', () => env.fromNode.length > acks);
  t.match(env.fromNode.slice(acks), [{ type: 'feed_ack', height: start + 12 }]);
  t.same(env.node.listener.log.slice(log), [], 'the listeners hear nothing of it');

  const pushes = env.toNode.filter((message) => message.type === 'blocks').length;
  await chain.mine(6);
  await until('the next push is taken', () => env.node.client.height === start + 18);
  const next = env.toNode.filter((message) => message.type === 'blocks');
  t.equal(next.length, pushes + 1, 'one push');
  t.equal(lastPush().startHeight, start + 13, 'from above the cursor: nothing sent twice');
  t.same(env.node.listener.log.slice(log), [`tip ${start + 18}`], 'the listeners hear of the new tip once');
  t.same(env.warnings, [], 'no warnings');
});

t.test('a gateway that lies changes nothing', async (t) => {
  const env = await setUp(t);
  const { chain, until } = env;
  env.node.client.start();
  const tip = (await chain.tip()).height;
  await until('at the tip', () => env.node.client.height === tip);
  const block = (await chain.blockAt(tip))!;
  const parent = (await chain.blockAt(tip - 1))!;
  const blocks = (startHeight: number, previous: typeof parent, headers: Uint8Array[], matches: Extract<GatewayMessage, { type: 'blocks' }>['matches'] = []) =>
    ({ type: 'blocks', startHeight, prevHash: feedHashPrefix(previous.hash), headers: encodeCompactHeaders(previous.header, headers), matches, tipHeight: tip, feeratePerKw: 0 }) as const;
  // A transaction that is not in the block, with a made-up proof.
  const fake = spendAnyoneCanSpend(await coinbaseAt(chain, 5), p2wsh(OP_TRUE_SCRIPT));
  const warnings = env.warnings.length;
  env.node.client.handle(blocks(tip, parent, [block.header], [{ height: tip, index: 1, branch: [block.transactions[0]!.getHash()], transaction: fake.toBuffer() }]));
  t.notOk(env.node.listener.confirmed.has(fake.getId()), 'a transaction with a bad proof is not delivered');
  t.match(env.warnings[warnings], /does not check out/, 'and the gateway is reported');
  // Headers that do not build on our chain: nothing changes, and we say where we are further down.
  const before = env.node.client.height;
  env.node.client.handle({ ...blocks(tip + 5, parent, [block.header]), prevHash: new Uint8Array(8).fill(9) });
  t.equal(env.node.client.height, before, 'nothing taken from a push that does not link');
  // A header without the proof of work its bits claim, and garbage where compact headers should be.
  const weak = Uint8Array.from(block.header);
  weak.set([0xff, 0xff, 0x00, 0x1d], 72);
  env.node.client.handle(blocks(tip + 1, block, [weak]));
  t.equal(env.node.client.height, before, 'nor from a header without its proof of work');
  t.match(env.warnings.at(-1), /refused, nothing changed/);
  env.node.client.handle({ ...blocks(tip + 1, block, []), headers: Uint8Array.of(0xff, 1, 2) });
  t.equal(env.node.client.height, before, 'nor from malformed headers');
  t.match(env.warnings.at(-1), /refused, nothing changed/);
  // A new block whose match is not a transaction at all, or sits at an index no block has (found by the fuzz):
  // refused whole, its header too, and the same block without them is then taken as usual.
  env.setOnline(false);
  await chain.mine(1);
  const next = (await chain.blockAt(tip + 1))!;
  const proof = { height: tip + 1, branch: [next.transactions[0]!.getHash()] };
  t.doesNotThrow(() => env.node.client.handle(blocks(tip + 1, block, [next.header], [{ ...proof, index: 0, transaction: Uint8Array.of(1, 2, 3) }])));
  t.equal(env.node.client.height, before, 'a match that does not parse: nothing taken');
  t.match(env.warnings.at(-1), /refused, nothing changed: the proof of a transaction at height \d+ does not check out/);
  t.doesNotThrow(() => env.node.client.handle(blocks(tip + 1, block, [next.header], [{ ...proof, index: 2 ** 32 - 1, transaction: fake.toBuffer() }])));
  t.equal(env.node.client.height, before, 'an index past any block: nothing taken');
  t.doesNotThrow(() => env.node.client.handle({ type: 'mempool_tx', transaction: Uint8Array.of(9) } as GatewayMessage));
  t.match(env.warnings.at(-1), /mempool transaction that does not parse/);
  env.node.client.handle(blocks(tip + 1, block, [next.header]));
  t.equal(env.node.client.height, tip + 1, 'the honest push of that block is taken');
});
