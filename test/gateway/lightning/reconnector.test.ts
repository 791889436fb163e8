// The gateway's LDK node dials its channel peers again by itself (as
// ldk-sample does): A connects to B and opens a channel; A restarts from its
// data directory and is B's peer again with no connect call, the channel
// usable; B restarts on the same port and A reconnects to it. Then the
// back-off alone, on virtual time, against a real closed port: a dead
// address is tried less and less often, up to the cap, and at once again
// after it answers.
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server } from 'node:net';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { silentLogger } from '../../../node/core/logger.js';
import { PEER_ADDRESSES_FILE } from '../../../gateway/lightning/peer-addresses.js';
import { Reconnector, type ReconnectPolicy } from '../../../gateway/lightning/reconnector.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { eventually } from '../../../sim/kit/poll.js';
import { LOOPBACK, eventOf, startChain, startNode, type TestNode } from './lightning-test-kit.js';

const WAIT_MS = 20_000;
/** Quick, so that the test waits little: the default is every 10 s, up to 5 min. */
const QUICK: ReconnectPolicy = { everyMs: 200, maxBackoffMs: 1_000 };

const peersBoth = (a: TestNode, b: TestNode) => a.node.peers().length === 1 && b.node.peers().length === 1;

/** A pays B `amountMsat` over their channel: it is usable. */
async function pays(a: TestNode, b: TestNode, amountMsat: number): Promise<void> {
  const invoice = b.node.createInvoice({ amountMsat, description: 'after reconnecting', expirySecs: 3600 });
  await a.node.payInvoice(invoice.bolt11);
  await eventually('B to claim', () => eventOf(b.events, 'payment-claimed', (e) => e.paymentHash === invoice.paymentHash), WAIT_MS, 20);
}

t.test('a restarted node, and a node whose peer restarted, reconnect to their channel peer by themselves', async (story) => {
  const t = story;
  const chain = await startChain(t);
  let a = await startNode(t, chain, 1, { coinHeights: [1], reconnect: QUICK });
  let b = await startNode(t, chain, 2, { reconnect: QUICK });
  const port = await b.node.listen();
  await a.node.connect(b.node.nodeId, LOOPBACK, port);
  await eventually('the peers to connect', () => (peersBoth(a, b) ? true : undefined), WAIT_MS, 20);
  const kept = JSON.parse(readFileSync(join(a.dataDir, PEER_ADDRESSES_FILE), 'utf8')) as unknown;
  t.strictSame(kept, { [bytesToHex(b.node.nodeId)]: { host: LOOPBACK, port } }, "A keeps B's address once connected");
  await a.node.openChannel(b.node.nodeId, 500_000);
  const pending = await eventually('channel-pending', () => eventOf(a.events, 'channel-pending'), WAIT_MS, 20);
  await eventually('the funding transaction in the mempool', async () => ((await chain.status(pending.fundingTxid)).state === 'mempool' ? true : undefined), WAIT_MS, 20);
  await chain.mine(6);
  await eventually('the channel usable', () => (a.node.channels()[0]?.usable && b.node.channels()[0]?.usable ? true : undefined), WAIT_MS, 20);

  await t.test('A restarts from its data directory: peers again without a connect call', async (t) => {
    await a.node.stop();
    await eventually('B to drop A', () => (b.node.peers().length === 0 ? true : undefined), WAIT_MS, 20);
    t.notOk(b.node.channels()[0]?.usable, 'the channel is not usable while A is away');
    a = await startNode(story, chain, 1, { dataDir: a.dataDir, wallet: a.wallet, reconnect: QUICK }); // lives on after this subtest
    await eventually('A and B to be peers again', () => (peersBoth(a, b) ? true : undefined), WAIT_MS, 20);
    t.same(a.node.peers().map(bytesToHex), [bytesToHex(b.node.nodeId)], 'A dialled B by itself');
    await eventually('the channel usable again', () => (a.node.channels()[0]?.usable && b.node.channels()[0]?.usable ? true : undefined), WAIT_MS, 20);
    await pays(a, b, 10_000_000);
    t.pass('A pays B over the channel');
  });

  await t.test('B restarts on the same port: A dials it again by itself', async (t) => {
    await b.node.stop();
    await eventually('A to drop B', () => (a.node.peers().length === 0 ? true : undefined), WAIT_MS, 20);
    await new Promise((resolve) => setTimeout(resolve, 3 * QUICK.everyMs)); // A dials, and fails, while B is away
    b = await startNode(story, chain, 2, { dataDir: b.dataDir, wallet: b.wallet, port, reconnect: QUICK });
    t.equal(await b.node.listen(), port, 'B listens where it did');
    await eventually('A and B to be peers again', () => (peersBoth(a, b) ? true : undefined), WAIT_MS, 20);
    await eventually('the channel usable again', () => (a.node.channels()[0]?.usable && b.node.channels()[0]?.usable ? true : undefined), WAIT_MS, 20);
    await pays(a, b, 5_000_000);
    t.pass('A pays B over the channel');
  });
});

/** A port that was free a moment ago: bound, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, LOOPBACK, resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * A Reconnector on virtual time (the default policy) for one peer at a real
 * `port`: `tries` are the virtual seconds of its dials; `handshakes` says
 * whether a TCP connect counts as the peer connected (false: another node
 * answers there).
 */
function dialler(t: Test, port: number, handshakes: boolean) {
  const clock = new VirtualClock();
  const peer = '02'.padEnd(66, '1');
  const state = { tries: [] as number[], connected: false, dialling: Promise.resolve() as Promise<unknown> };
  const reconnector = new Reconnector(
    {
      missing: () => (state.connected ? [] : [peer]),
      address: (nodeId) => (nodeId === peer ? { host: LOOPBACK, port } : undefined),
      connect: (_nodeId, address) => {
        state.tries.push(clock.now() / 1000);
        const socket = tcpConnect(address);
        const attempt = new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.once('connect', () => {
            state.connected = handshakes;
            socket.end();
            resolve();
          });
        });
        state.dialling = attempt.catch(() => undefined);
        return attempt;
      },
    },
    clock,
    silentLogger,
  );
  t.teardown(() => reconnector.stop());
  reconnector.start();
  /** Virtual seconds, one at a time, each dial's real answer awaited before time moves on. */
  const step = async (seconds: number) => {
    for (let i = 0; i < seconds; i++) {
      await clock.advance(1000);
      await state.dialling;
    }
  };
  return { state, step };
}

async function listenOn(t: Test, port: number): Promise<void> {
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(port, LOOPBACK, resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

t.test('a peer that cannot be reached is tried less and less often, up to the cap, then at once when it answers', async (t) => {
  const port = await closedPort();
  const { state, step } = dialler(t, port, true);
  const { tries } = state;
  await step(1000);
  t.strictSame(tries, [0, 20, 60, 140, 300, 600, 900], "at start, then after 20 s, 40 s, 80 s, 160 s, then every 300 s (the cap)");
  await listenOn(t, port);
  await step(300);
  t.equal(tries.at(-1), 1200, 'the next try after the cap reaches the peer now listening');
  t.ok(state.connected, 'and connects');
  const count = tries.length;
  await step(100);
  t.equal(tries.length, count, 'a connected peer is not dialled again');
});

t.test('an address where TCP connects but the handshake fails backs off the same way', async (t) => {
  const port = await closedPort();
  await listenOn(t, port);
  const { state, step } = dialler(t, port, false);
  await step(1000);
  t.strictSame(state.tries, [0, 20, 60, 140, 300, 600, 900], 'not every 10 s');
});
