// The seeds of the gateway's Lightning node and on-chain wallet, derived from
// its key's secret: backing up the key is enough to get the same node id and
// the same wallet keys back in an empty data directory. A part that cannot
// start fails the daemon's start, naming it.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { lightningSeed, walletSeed } from '../../../gateway/daemon/gateway-lightning.js';
import { LightningNode } from '../../../gateway/lightning/lightning-node.js';
import { BcoinWallet } from '../../../gateway/wallet/bcoin-wallet.js';
import { ObservedFeerates } from '../../../node/chain/fee-estimator.js';
import { RegtestCoinbaseWallet } from '../../../gateway/wallet/regtest-coinbase-wallet.js';
import { type AddressInfo, createServer } from 'node:net';
import { parseGatewayConfig } from '../../../gateway/daemon/gateway-config.js';
import { GatewayDaemon } from '../../../gateway/daemon/gateway-daemon.js';
import { writeSeedFile } from '../../../node/keys/seed.js';
import { createLogger } from '../../../node/daemon/logger.js';

const SECRET = new Uint8Array(32).fill(42);

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-gwln-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('one seed each, from the key, under its own label', async (t) => {
  t.equal(bytesToHex(lightningSeed(SECRET)), bytesToHex(lightningSeed(SECRET.slice())), 'the same key, the same seed');
  t.not(bytesToHex(lightningSeed(SECRET)), bytesToHex(walletSeed(SECRET)), "the node's and the wallet's differ");
  t.not(bytesToHex(lightningSeed(SECRET)), bytesToHex(SECRET), 'neither is the key itself');
  t.not(bytesToHex(lightningSeed(SECRET)), bytesToHex(lightningSeed(new Uint8Array(32).fill(43))), 'another key, another seed');
  t.equal(lightningSeed(SECRET).length, 32);
});

t.test('from the key alone, in empty data directories: the same Lightning node id and the same wallet addresses', async (t) => {
  const chain = new EmbeddedChain({});
  await chain.open();
  t.teardown(() => chain.close());
  const nodeIds: string[] = [];
  const scripts: string[][] = [];
  for (let run = 0; run < 2; run++) {
    const node = await LightningNode.create(
      { chain, wallet: new RegtestCoinbaseWallet([]), feeEstimator: new ObservedFeerates(), broadcaster: { broadcast: () => {} } },
      { seed: lightningSeed(SECRET), network: 'regtest', dataDir: tempDir(t), listen: { host: '127.0.0.1', port: 0 } },
    );
    nodeIds.push(bytesToHex(node.nodeId));
    await node.stop();
    const wallet = new BcoinWallet({ chain, dataDirectory: tempDir(t), seed: walletSeed(SECRET) });
    await wallet.open();
    scripts.push([bytesToHex(await wallet.receiveScript()), bytesToHex(await wallet.receiveScript())]);
    await wallet.close();
  }
  t.equal(nodeIds[0], nodeIds[1], 'the same node id');
  t.strictSame(scripts[0], scripts[1], 'the same receive scripts, in order');
  t.not(scripts[0]![0], scripts[0]![1], 'each one new');
});

t.test("a Lightning part that cannot start fails the daemon's start, saying which, and leaves nothing held", async (t) => {
  const dir = tempDir(t);
  writeSeedFile(join(dir, 'gateway.key'), SECRET);
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => taken.close(resolve)));
  const port = (taken.address() as AddressInfo).port;
  const text = (listen: string) => `network: regtest\ndataDir: ${dir}\nregtest: { mineOnStart: false }\nlightning: { listen: "${listen}" }\n`;
  const logger = createLogger({ level: 'error', format: 'json' }, { destination: { write: () => true } as never });
  await t.rejects(GatewayDaemon.start(parseGatewayConfig(text(`127.0.0.1:${port}`), join(dir, 'gw.yaml')), { logger }), {
    name: 'LightningStartError',
    message: new RegExp(`^lightning: cannot listen for Lightning peers on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
  });
  // Everything it opened was closed (the chain, the wallet, the node), and the data directory's lock released.
  const daemon = await GatewayDaemon.start(parseGatewayConfig(text('127.0.0.1:0'), join(dir, 'gw.yaml')), { logger });
  t.ok(daemon.parts.lightning, 'started again with a free port');
  t.equal(daemon.parts.lightning!.listen.host, '127.0.0.1');
  t.not(daemon.parts.lightning!.listen.port, 0, 'the port bound, not the one asked');
  await daemon.stop();
});
