// The seeds of the gateway's Lightning node and on-chain wallet, derived from
// its key's secret: backing up the key is enough to get the same node id and
// the same wallet keys back in an empty data directory.
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
import { RegtestTestWallet } from '../lightning/regtest-test-wallet.js';

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
      { chain, wallet: new RegtestTestWallet([]), feeEstimator: new ObservedFeerates(), broadcaster: { broadcast: () => {} } },
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
