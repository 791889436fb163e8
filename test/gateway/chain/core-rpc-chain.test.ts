/**
 * CoreRpcChain against a real JSON-RPC server: the embedded bcoin node's,
 * on loopback. bcoin answers Bitcoin Core's calls by the same names; where
 * it answers differently, the client follows Core and the test says what
 * bcoin does:
 * - sendrawtransaction: bcoin's own drops refusals silently; EmbeddedChain
 *   replaces it with Core's behaviour (error -26/-25/-27 with the reason).
 * - estimatesmartfee: bcoin answers `fee` (or -1), Core `feerate`: no estimate here.
 * - reject reasons are bcoin's words, or ours where EmbeddedChain adds Core's
 *   full replace-by-fee ("insufficient fee: ..." for a double spend that pays
 *   no more); the client passes on whatever the server says.
 * Core without txindex (its default) is played by a bare bcoin node without one.
 */
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, type Socket, createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import bcoin from 'bcoin';
import { bytesToHex } from '@noble/hashes/utils.js';
import { type CoreRpcChainOptions, CoreRpcChain } from '../../../gateway/chain/core-rpc-chain.js';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { answerSendRawTransactionAsCore } from '../../../gateway/chain/mempool-submission.js';
import { ANYONE_CAN_SPEND_OUTPUT, RegtestMiner } from '../../../gateway/chain/regtest-miner.js';
import type { ChainBlock } from '../../../gateway/chain/chain-source.js';
import { p2wpkh } from '../../../node/bolt3/scripts.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { openBrokerProxy } from '../../transports/cuttable.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { SEGWIT_ACTIVE_HEIGHT, coinbaseAt, mineToSegwit, spendAnyoneCanSpend } from '../../../gateway/chain/regtest-coins.js';
import { behavesAsAChainSource } from '../../../sim/kit/behaves-as-a-chain-source.js';
import { recordChainEvents } from '../../../sim/kit/chain-events.js';
import { warningsInto } from '../../../sim/kit/logger.js';

const API_KEY = 'lnmesh-test-key';
const someScript = p2wpkh(publicKeyOf(new Uint8Array(32).fill(9)));

/** An embedded bcoin node serving JSON-RPC on loopback, and a CoreRpcChain on it (not yet open), polled on a manual clock. */
async function openServerAndClient(t: Test, options: Partial<CoreRpcChainOptions> = {}) {
  const embedded = new EmbeddedChain({ rpc: { apiKey: API_KEY } });
  await embedded.open();
  const clock = new VirtualClock();
  const core = new CoreRpcChain({ url: embedded.rpcUrl, credentials: { user: 'lnmesh', password: API_KEY }, clock, pollIntervalMs: 1_000, ...options });
  t.teardown(async () => {
    await core.close();
    await embedded.close();
  });
  return { embedded, core, clock };
}


function blockAsHex(block: ChainBlock | undefined) {
  return block && { height: block.height, hash: block.hash, header: bytesToHex(block.header), transactions: block.transactions.map((tx) => tx.toHex()) };
}

behavesAsAChainSource(t, 'CoreRpcChain', async (t, { matureCoins }) => {
  const { embedded, core } = await openServerAndClient(t);
  if (matureCoins) await mineToSegwit(embedded);
  await core.open();
  return { source: core, backend: embedded, sync: () => core.sync() };
});

t.test('reads the tip, headers and blocks as the node has them', async (t) => {
  const { embedded, core } = await openServerAndClient(t);
  await embedded.mine(5, someScript);
  await core.open();
  t.equal(core.chain, 'regtest');
  t.same(await core.tip(), await embedded.tip());
  t.equal(bytesToHex((await core.headerAt(3))!), bytesToHex((await embedded.headerAt(3))!));
  t.same(blockAsHex(await core.blockAt(3)), blockAsHex(await embedded.blockAt(3)), 'the same block, decoded to the same ChainBlock');
  t.equal(await core.headerAt(6), undefined, 'nothing above the tip');
  t.equal(await core.blockAt(6), undefined);
  await t.rejects(core.blockAt(-1), { name: 'InvalidInputError' });
});

t.test('broadcasts: accepted, found, confirmed; a double spend refused with the reason', async (t) => {
  const { embedded, core } = await openServerAndClient(t);
  await mineToSegwit(embedded);
  await core.open();
  const coin = await coinbaseAt(core, 1);
  const tx = spendAnyoneCanSpend(coin, someScript);
  const txid = tx.getId();
  const doubleSpend = spendAnyoneCanSpend(coin, ANYONE_CAN_SPEND_OUTPUT, 1_000); // no higher feerate: no replacement

  t.same(await core.broadcast(tx), { accepted: true, txid });
  t.same(await core.status(txid), { state: 'mempool' });
  t.equal((await core.transaction(txid))?.toHex(), tx.toHex());
  t.match(await core.broadcast(doubleSpend), { accepted: false, txid: doubleSpend.getId(), reason: /^insufficient fee: the replacement's feerate is not above / }, 'the server refused it, in its words');

  const [hash] = await embedded.mine(1);
  const { height } = await core.tip();
  t.same(await core.status(txid), { state: 'confirmed', blockHash: hash, height, confirmations: 1 });
  t.equal((await core.transaction(txid))?.toHex(), tx.toHex(), 'found in its block');
  t.same(await core.broadcast(doubleSpend), { accepted: false, txid: doubleSpend.getId(), reason: 'bad-txns-inputs-missingorspent' });
  t.same(await core.status('00'.repeat(32)), { state: 'unknown' });
  t.equal(await core.transaction('00'.repeat(32)), undefined);
  // bcoin answers estimatesmartfee with `fee` where Core says `feerate` (and -1: it has no data): no estimate.
  t.equal(await core.estimateFeerate(6), undefined);
});

t.test('polls on its clock: tells new blocks, then new mempool transactions', async (t) => {
  const { embedded, core, clock } = await openServerAndClient(t);
  await mineToSegwit(embedded);
  await core.open();
  const events = recordChainEvents(core);
  const [hash] = await embedded.mine(1);
  clock.tick(999);
  t.equal(clock.pending, 1, 'the first poll is not due yet');
  const connected = once(core, 'connect');
  clock.tick(1);
  await connected;
  t.same(events, [`connect ${(await embedded.tip()).height} ${hash}`], 'the scheduled poll told the new block');

  const tx = spendAnyoneCanSpend(await coinbaseAt(core, 2), someScript);
  await embedded.broadcast(tx);
  const told = once(core, 'transaction');
  clock.tick(1_000);
  t.equal(((await told)[0] as { getId(): string }).getId(), tx.getId(), 'the scheduled poll told the mempool transaction');
});

t.test('follows a reorg: disconnects from the tip down, then connects the new branch', async (t) => {
  const { embedded, core } = await openServerAndClient(t);
  await mineToSegwit(embedded);
  const parent = spendAnyoneCanSpend(await coinbaseAt(embedded, 1), ANYONE_CAN_SPEND_OUTPUT);
  await embedded.broadcast(parent);
  await embedded.mine(1);
  await core.open();
  const tx = spendAnyoneCanSpend({ txid: parent.getId(), vout: 0, satoshis: Number(parent.outs[0]!.value) }, someScript);
  const txid = tx.getId();
  await core.broadcast(tx);
  const [confirmedIn, above] = await embedded.mine(2);
  const { height } = await embedded.tip();
  await core.sync();
  t.same(await core.status(txid), { state: 'confirmed', blockHash: confirmedIn, height: height - 1, confirmations: 2 });

  const events = recordChainEvents(core);
  const branch = await embedded.reorg(2);
  await core.sync();
  t.same(events, [
    `disconnect ${height} ${above}`,
    `disconnect ${height - 1} ${confirmedIn}`,
    `connect ${height - 1} ${branch[0]}`,
    `connect ${height} ${branch[1]}`,
    `connect ${height + 1} ${branch[2]}`,
    `transaction ${txid}`,
  ], 'blocks first (old tip first, then the new branch in order), then the mempool');
  t.same(await core.status(txid), { state: 'mempool' });
  const [again] = await embedded.mine(1);
  await core.sync();
  t.same(await core.status(txid), { state: 'confirmed', blockHash: again, height: height + 2, confirmations: 1 });
});

t.test("without a transaction index (Core's default): finds a confirmed transaction among the blocks it saw", async (t) => {
  // A bare bcoin node without txindex: getrawtransaction finds mempool transactions only, as Core's does.
  const node = new (bcoin as any).FullNode({ network: 'regtest', memory: true, indexTX: false, listen: false, workers: false, logLevel: 'none', httpHost: '127.0.0.1', httpPort: 0, apiKey: API_KEY });
  answerSendRawTransactionAsCore(node);
  await node.open();
  const miner = new RegtestMiner(node, ANYONE_CAN_SPEND_OUTPUT, () => {});
  await miner.mine(SEGWIT_ACTIVE_HEIGHT);
  const core = new CoreRpcChain({ url: `http://127.0.0.1:${node.http.http.address().port}/`, credentials: { user: 'lnmesh', password: API_KEY }, clock: new VirtualClock() });
  await core.open();
  t.teardown(async () => {
    await core.close();
    await node.close();
  });
  const before = (await core.blockAt(1))!.transactions[0]!.getId();
  t.same(await core.status(before), { state: 'unknown' }, 'confirmed before open: out of reach without txindex');

  const tx = spendAnyoneCanSpend(await coinbaseAt(core, 1), someScript);
  const txid = tx.getId();
  t.equal((await core.broadcast(tx)).accepted, true);
  t.same(await core.status(txid), { state: 'mempool' });
  const [hash] = await miner.mine(2);
  await core.sync();
  t.same(await core.status(txid), { state: 'confirmed', blockHash: hash, height: SEGWIT_ACTIVE_HEIGHT + 1, confirmations: 2 });
  t.equal((await core.transaction(txid))?.toHex(), tx.toHex(), 'read from its block');
});

t.test('a reorg deeper than the blocks it tracks: what it can tell, and a warning', async (t) => {
  const warnings: string[] = [];
  const { embedded, core } = await openServerAndClient(t, { trackedBlocks: 3, logger: warningsInto(warnings) });
  await embedded.mine(10);
  await core.open();
  const events = recordChainEvents(core);
  await embedded.reorg(5);
  await core.sync();
  t.same(events.map((event) => event.split(' ').slice(0, 2).join(' ')), ['disconnect 10', 'disconnect 9', 'disconnect 8', 'connect 8', 'connect 9', 'connect 10', 'connect 11']);
  t.match(warnings, [/deeper than the 3 blocks tracked/]);
  t.same(await core.tip(), await embedded.tip());
});

t.test('wrong credentials, or nobody there: a clear error at open', async (t) => {
  const { embedded } = await openServerAndClient(t);
  const wrong = new CoreRpcChain({ url: embedded.rpcUrl, credentials: { user: 'lnmesh', password: 'not the key' } });
  await t.rejects(wrong.open(), { name: 'RpcAuthenticationError', message: new RegExp(`${embedded.rpcUrl}.*HTTP 401.*rpcuser`) });

  const directory = await mkdtemp(join(tmpdir(), 'lnmesh-cookie-'));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  const cookieFile = join(directory, '.cookie');
  await writeFile(cookieFile, `__cookie__:${API_KEY}`);
  const withCookie = new CoreRpcChain({ url: embedded.rpcUrl, credentials: { cookieFile } });
  await withCookie.open();
  t.teardown(() => withCookie.close());
  t.same(await withCookie.tip(), await embedded.tip(), 'the cookie file works');
  const noCookie = new CoreRpcChain({ url: embedded.rpcUrl, credentials: { cookieFile: join(directory, 'missing') } });
  await t.rejects(noCookie.open(), { name: 'RpcAuthenticationError', message: /cannot read the cookie file/ });

  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const nobody = new CoreRpcChain({ url: `http://127.0.0.1:${port}/`, credentials: { user: 'u', password: 'p' } });
  await t.rejects(nobody.open(), { name: 'RpcConnectionError', message: new RegExp(`cannot reach the Bitcoin RPC server at http://127.0.0.1:${port}/: .*ECONNREFUSED`) });
  t.throws(() => new CoreRpcChain({ url: 'http://user:pass@127.0.0.1:8332/', credentials: { user: 'u', password: 'p' } }), { name: 'InvalidInputError' });
});

t.test('a server that answers something else, or nothing', async (t) => {
  const html = createHttpServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>not here</html>'));
  html.listen(0, '127.0.0.1');
  await once(html, 'listening');
  t.teardown(() => new Promise((resolve) => html.close(resolve)));
  const wrongServer = new CoreRpcChain({ url: `http://127.0.0.1:${(html.address() as AddressInfo).port}/`, credentials: { user: 'u', password: 'p' } });
  await t.rejects(wrongServer.open(), { name: 'RpcResponseError', message: /not JSON: "<html>not here/ });

  // Accepts connections, never answers: the timeout runs on the clock it is given.
  const held = new Set<Socket>();
  const silent = createServer((socket) => held.add(socket));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  t.teardown(() => {
    for (const socket of held) socket.destroy();
    return new Promise((resolve) => silent.close(resolve));
  });
  const clock = new VirtualClock();
  const waiting = new CoreRpcChain({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, credentials: { user: 'u', password: 'p' }, clock, requestTimeoutMs: 5_000 });
  const opening = waiting.open();
  await once(silent, 'connection');
  clock.tick(5_000);
  await t.rejects(opening, { name: 'RpcConnectionError', message: /no answer to getblockchaininfo within 5000 ms/ });
});

t.test('the RPC server goes away and comes back: a warning, then it catches up', async (t) => {
  const { embedded } = await openServerAndClient(t);
  const proxy = await openBrokerProxy(embedded.rpcUrl); // a plain TCP proxy that can be cut
  t.teardown(() => proxy.close());
  const clock = new VirtualClock();
  const warnings: string[] = [];
  const core = new CoreRpcChain({ url: `http://127.0.0.1:${new URL(proxy.url).port}/`, credentials: { user: 'lnmesh', password: API_KEY }, clock, pollIntervalMs: 1_000, logger: warningsInto(warnings) });
  await core.open();
  t.teardown(() => core.close());
  const events = recordChainEvents(core);

  proxy.cut();
  const hashes = await embedded.mine(2);
  await t.rejects(core.sync(), { name: 'RpcConnectionError' }, 'a poll by hand says why it failed');
  for (let i = 0; i < 3; i++) {
    clock.tick(1_000);
    await core.sync().catch(() => undefined); // waits for the scheduled poll
  }
  t.equal(warnings.length, 1, 'one warning for the loss, not one per poll');
  t.match(warnings[0], /poll failed, retrying every 1000 ms: cannot reach the Bitcoin RPC server at http:\/\/127\.0\.0\.1/);
  t.same(events, []);

  proxy.restore();
  const connected = once(core, 'connect');
  clock.tick(1_000);
  await connected;
  await core.sync();
  t.same(events, [`connect 1 ${hashes[0]}`, `connect 2 ${hashes[1]}`], 'the blocks mined meanwhile, in order');
  t.match(warnings[1], /answers again, after \d+ failed poll/);
});
