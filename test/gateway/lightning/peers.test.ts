// Two of the gateway's LDK nodes over real TCP on loopback: A listens on a
// free port, B connects, LDK runs the BOLT 8 handshake and the `init`
// exchange, and each lists the other as a peer; B stopping makes A drop it.
import t, { type Test } from 'tap';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { bytesToHex } from '@noble/hashes/utils.js';
import { HDKey } from '@scure/bip32';
import { ObservedFeerates } from '../../../node/chain/fee-estimator.js';
import { LightningNode } from '../../../gateway/lightning/lightning-node.js';
import { holdsWithin } from '../../../sim/kit/poll.js';
import { LOOPBACK, startChain, startNode as startTestNode } from './lightning-test-kit.js';
import { RegtestCoinbaseWallet } from '../../../gateway/wallet/regtest-coinbase-wallet.js';

const chain = await startChain(t);

function seed(fill: number): Uint8Array {
  return new Uint8Array(32).fill(fill);
}

/** A node on the shared chain, seeded with 32 bytes of `fill`. */
async function startNode(t: Test, fill: number): Promise<LightningNode> {
  return (await startTestNode(t, chain, fill)).node;
}

/** LDK's `KeysManager` node secret: the BIP 32 master key of the seed, child m/0' (hardened). */
function ldkNodeId(seedBytes: Uint8Array): string {
  return bytesToHex(HDKey.fromMasterSeed(seedBytes).deriveChild(0x80000000).publicKey!);
}

const hexes = (ids: Uint8Array[]) => ids.map((id) => bytesToHex(id));

t.test('two nodes connect over TCP, list each other, and A drops B when B stops', async (t) => {
  const a = await startNode(t, 1);
  const b = await startNode(t, 2);
  const port = await a.listen();
  t.ok(port > 0, 'A listens on a free port');

  await b.connect(a.nodeId, LOOPBACK, port);
  t.ok(await holdsWithin(() => a.peers().length === 1 && b.peers().length === 1), 'both list a peer');
  t.same(hexes(a.peers()), [bytesToHex(b.nodeId)], 'A lists B');
  t.same(hexes(b.peers()), [bytesToHex(a.nodeId)], 'B lists A');

  await b.stop();
  t.ok(await holdsWithin(() => a.peers().length === 0), 'A drops B once B stops');
  t.same(b.peers(), [], 'B lists nobody');
});

t.test('node ids are 33-byte compressed keys, one per seed, stable across a restart', async (t) => {
  const a = await startNode(t, 1);
  const b = await startNode(t, 2);
  for (const node of [a, b]) {
    t.equal(node.nodeId.length, 33);
    t.ok(node.nodeId[0] === 2 || node.nodeId[0] === 3, 'compressed: starts with 02 or 03');
  }
  t.not(bytesToHex(a.nodeId), bytesToHex(b.nodeId), 'different seeds, different ids');
  t.equal(bytesToHex(a.nodeId), ldkNodeId(seed(1)), "the public key of the seed's node secret (BIP 32 m/0')");
  t.equal(bytesToHex(b.nodeId), ldkNodeId(seed(2)));
  await a.stop();
  const again = await startNode(t, 1);
  t.equal(bytesToHex(again.nodeId), bytesToHex(a.nodeId), 'the same seed gives the same id');
});

t.test('connecting to a closed port fails clearly and changes nothing', async (t) => {
  const a = await startNode(t, 1);
  const b = await startNode(t, 2);
  // A port that was free a moment ago: bound, then closed.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, LOOPBACK, resolve));
  const closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  await t.rejects(b.connect(a.nodeId, LOOPBACK, closedPort), /cannot connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  t.same(b.peers(), [], 'B has no peer');
  t.same(a.peers(), [], 'A has no peer');

  // And B still connects once A listens.
  const port = await a.listen();
  await b.connect(a.nodeId, LOOPBACK, port);
  t.ok(await holdsWithin(() => b.peers().length === 1), 'B connects afterwards');
});

t.test('bad input is refused before anything starts', async (t) => {
  const a = await startNode(t, 1);
  await t.rejects(a.connect(new Uint8Array(32), LOOPBACK, 9735), /nodeId: expected 33 bytes/);
  await t.rejects(
    LightningNode.create(
      { broadcaster: { broadcast() {} }, feeEstimator: new ObservedFeerates(), chain, wallet: new RegtestCoinbaseWallet([]) },
      { seed: new Uint8Array(31), network: 'regtest', dataDir: tmpdir(), listen: { host: LOOPBACK, port: 0 } },
    ),
    /seed: expected 32 bytes/,
  );
});
