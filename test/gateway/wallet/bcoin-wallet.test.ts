import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { mineToSegwit } from '../../../gateway/chain/regtest-coins.js';
import { BcoinWallet } from '../../../gateway/wallet/bcoin-wallet.js';
import { p2wsh } from '../../../node/bolt3/scripts.js';
import { behavesAsAnOnChainWallet, sendTo } from './behaves-as-an-on-chain-wallet.js';

const BTC = 100_000_000;
const fundingScript = p2wsh(Uint8Array.of(0x51, 0x51, 0x93));

behavesAsAnOnChainWallet(t, 'BcoinWallet', async (t) => {
  const chain = new EmbeddedChain();
  await chain.open();
  await mineToSegwit(chain);
  const wallet = new BcoinWallet({ chain });
  await wallet.open();
  t.teardown(async () => {
    await wallet.close();
    await chain.close();
  });
  return { wallet, chain };
});

async function temporaryDirectory(t: Test): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'lnmesh-wallet-'));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

t.test('on disk: coins, keys and locks survive a restart of the gateway', async (t) => {
  const directory = await temporaryDirectory(t);
  const start = async () => {
    const chain = new EmbeddedChain({ dataDirectory: join(directory, 'chain') });
    await chain.open();
    const wallet = new BcoinWallet({ chain, dataDirectory: join(directory, 'wallet') });
    await wallet.open();
    return { chain, wallet, stop: async () => (await wallet.close(), await chain.close()) };
  };
  let { chain, wallet, stop } = await start();
  t.teardown(() => stop());
  await mineToSegwit(chain);
  await sendTo(chain, wallet, [BTC, BTC]);
  await chain.mine(1);
  const funded = await wallet.fund([{ script: fundingScript, satoshis: BTC / 2 }], 1_000);
  const next = await wallet.receiveScript();
  await stop();

  ({ chain, wallet, stop } = await start());
  t.same(await wallet.balance(), { confirmed: 2 * BTC, unconfirmed: 0 }, 'its coins, as before');
  t.not(bytesToHex(await wallet.receiveScript()), bytesToHex(next), 'its keys: no receive script given twice');
  const second = await wallet.fund([{ script: fundingScript, satoshis: BTC / 2 }], 1_000);
  t.not(`${bytesToHex(second.ins[0]!.hash)}:${second.ins[0]!.index}`, `${bytesToHex(funded.ins[0]!.hash)}:${funded.ins[0]!.index}`, 'the coin locked before the restart is still locked');
  await t.rejects(wallet.fund([{ script: fundingScript, satoshis: BTC / 2 }], 1_000), { name: 'InsufficientFundsError' });
  await wallet.release(funded);
  t.equal((await wallet.fund([{ script: fundingScript, satoshis: BTC / 2 }], 1_000)).ins[0]!.index, funded.ins[0]!.index, 'released after the restart: it funds again');
});

t.test('from a seed: the same keys in another directory', async (t) => {
  const chain = new EmbeddedChain();
  await chain.open();
  t.teardown(() => chain.close());
  const seed = new Uint8Array(32).fill(42);
  const scripts: string[] = [];
  for (const name of ['a', 'b']) {
    const wallet = new BcoinWallet({ chain, seed, dataDirectory: join(await temporaryDirectory(t), name) });
    await wallet.open();
    scripts.push(bytesToHex(await wallet.receiveScript()));
    await wallet.close();
  }
  t.equal(scripts[0], scripts[1]);
  const other = new BcoinWallet({ chain });
  await other.open();
  t.teardown(() => other.close());
  t.not(bytesToHex(await other.receiveScript()), scripts[0], 'without a seed: keys of its own');
  t.throws(() => new BcoinWallet({ chain, seed: new Uint8Array(8) }), { name: 'InvalidInputError', field: 'seed' });
});

t.test('a wallet made from one seed refuses to open with another', async (t) => {
  const chain = new EmbeddedChain();
  await chain.open();
  t.teardown(() => chain.close());
  const dataDirectory = await temporaryDirectory(t);
  const first = new BcoinWallet({ chain, dataDirectory, seed: new Uint8Array(32).fill(1) });
  await first.open();
  const script = bytesToHex(await first.receiveScript());
  await first.close();
  const other = new BcoinWallet({ chain, dataDirectory, seed: new Uint8Array(32).fill(2) });
  await t.rejects(other.open(), { name: 'WalletError', message: /made from another seed than the gateway's/ });
  const same = new BcoinWallet({ chain, dataDirectory, seed: new Uint8Array(32).fill(1) });
  await same.open();
  t.teardown(() => same.close());
  t.not(bytesToHex(await same.receiveScript()), script, 'its own seed: it opens, and goes on from where it was');
});

t.test('used closed, or opened twice: a WalletError', async (t) => {
  const chain = new EmbeddedChain();
  await chain.open();
  t.teardown(() => chain.close());
  const wallet = new BcoinWallet({ chain });
  await t.rejects(wallet.balance(), { name: 'WalletError', message: /not open/ });
  await wallet.open();
  await t.rejects(wallet.open(), { name: 'WalletError', message: /already open/ });
  await wallet.close();
  await t.rejects(wallet.receiveScript(), { name: 'WalletError', message: /not open/ });
});
