/**
 * The mesh channels' wallet of the gateway (gateway/channels/channel-wallet.ts)
 * and its coins from the gateway's on-chain wallet (fund-channel-wallet.ts),
 * on a real regtest chain and bcoin's wallet: a coin counts at once, a
 * channel's funding spends it unconfirmed and the mempool takes both; bad
 * input and a backend's refusal change nothing.
 */
import t, { type Test } from 'tap';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { mineToSegwit } from '../../../gateway/chain/regtest-coins.js';
import { gatewayChannelWallet } from '../../../gateway/channels/channel-wallet.js';
import { ChannelWalletDeposits } from '../../../gateway/channels/channel-wallet-deposits.js';
import { fundChannelWallet } from '../../../gateway/channels/fund-channel-wallet.js';
import { GatewaySigner } from '../../../gateway/channels/gateway-signer.js';
import { gatewayKeyFromSecret } from '../../../gateway/gateway.js';
import { BcoinWallet } from '../../../gateway/wallet/bcoin-wallet.js';
import { p2wpkh } from '../../../node/bolt3/scripts.js';
import { MemoryPersister } from '../../../node/persist/persister.js';
import { SeedSigner } from '../../../node/keys/signer.js';
import { sendTo } from '../wallet/behaves-as-an-on-chain-wallet.js';

const FEERATE = 1_000;

async function openChain(t: Test): Promise<EmbeddedChain> {
  const chain = new EmbeddedChain();
  await chain.open();
  t.teardown(() => chain.close());
  await mineToSegwit(chain);
  return chain;
}

/** A gateway's parts on a fresh chain: its on-chain wallet holding 1,000,000 sat (confirmed), and its channel wallet, empty. */
async function gatewayParts(t: Test) {
  const chain = await openChain(t);
  const onChain = new BcoinWallet({ chain });
  await onChain.open();
  t.teardown(() => onChain.close());
  await sendTo(chain, onChain, [1_000_000]);
  await chain.mine(1);
  const secret = new Uint8Array(32).fill(0x2c);
  const signer = new GatewaySigner(gatewayKeyFromSecret(secret), secret);
  const store = new MemoryPersister();
  return { chain, onChain, signer, store, channelWallet: gatewayChannelWallet(signer, store) };
}

const outpointsOf = (tx: { ins: { hash: Uint8Array; index: number }[] }) => tx.ins.map((input) => `${bytesToHex(input.hash)}:${input.index}`);

t.test("coins reach the channel wallet at once, and fund a channel before they confirm", async (t) => {
  const { chain, onChain, signer, channelWallet } = await gatewayParts(t);
  t.same(channelWallet.script, p2wpkh(signer.sweepKey().publicKey), "its script is the one the channels' closes and sweeps pay");
  const funded = await fundChannelWallet({ onChain, channelWallet, chain, feeratePerKw: FEERATE }, 400_000);
  t.equal(funded.satoshis, 400_000);
  t.same(channelWallet.coins(), [{ txid: funded.txid, vout: 0, satoshis: 400_000 }], 'one coin of 400,000 sat, counted at once');
  t.match(await chain.status(funded.txid), { state: 'mempool' }, 'the transfer is in the mempool');
  const balance = await onChain.balance();
  t.ok(balance.confirmed + balance.unconfirmed < 600_000 && balance.confirmed + balance.unconfirmed > 598_000, "the on-chain wallet paid it and a fee");

  const node = new SeedSigner(new Uint8Array(32).fill(0x3d)).walletKey().publicKey;
  const channel = channelWallet.fund({ localFundingPubkey: signer.sweepKey().publicKey, remoteFundingPubkey: node, satoshis: 300_000, feeratePerKw: FEERATE });
  t.same(outpointsOf(channel.tx).length, 1, 'the funding spends the one coin');
  t.match(await chain.broadcast(channel.tx), { accepted: true }, 'the mempool takes the funding on its unconfirmed parent');
  await chain.mine(1);
  t.match(await chain.status(funded.txid), { state: 'confirmed' }, 'both confirm together: the transfer');
  t.match(await chain.status(channel.tx.getId()), { state: 'confirmed' }, 'and the funding');
  t.same(channelWallet.coins().map((coin) => coin.txid), [channel.tx.getId()], "what is left is the funding's change");
});

t.test('bad input and a refusal by the chain backend move nothing', async (t) => {
  const { chain, onChain, channelWallet } = await gatewayParts(t);
  const parts = { onChain, channelWallet, chain, feeratePerKw: FEERATE };
  await t.rejects(fundChannelWallet(parts, 100), { name: 'InvalidInputError', field: 'satoshis' }, 'below the dust limit of the P2WPKH output');
  await t.rejects(fundChannelWallet(parts, 2_000_000), { name: 'InsufficientFundsError' }, 'more than the on-chain wallet holds');
  t.same(channelWallet.coins(), [], 'the channel wallet holds nothing');

  // Another chain, where the wallet's coin does not exist: the backend refuses the transfer.
  const elsewhere = await openChain(t);
  await t.rejects(fundChannelWallet({ ...parts, chain: elsewhere }, 400_000), { name: 'ChannelWalletFundingError', message: /refused/ }, 'refused by the backend');
  t.same(channelWallet.coins(), [], 'the channel wallet counts nothing');
  const again = await fundChannelWallet(parts, 400_000);
  t.same(channelWallet.balance(), 400_000, 'the on-chain coin was released: it funds the transfer again');
  t.match(await chain.status(again.txid), { state: 'mempool' });
});

t.test("a block's transactions paying the wallet's script become its coins, once, blocks read while stopped included", async (t) => {
  const { chain, onChain, channelWallet, store } = await gatewayParts(t);
  const deposits: [string, number][] = [];
  const reader = () => new ChannelWalletDeposits({ wallet: channelWallet, chain, store, deposited: (txid, satoshis) => deposits.push([txid, satoshis]) });
  let running = reader();
  await running.start();
  t.teardown(() => running.close());
  const settle = () => new Promise((resolve) => setTimeout(resolve, 200));
  // A payment to the script the wallet was not told of, as a close or a sweep would be.
  const tx = await onChain.fund([{ script: channelWallet.script, satoshis: 250_000 }, { script: channelWallet.script, satoshis: 50_000 }], FEERATE);
  t.match(await chain.broadcast(tx), { accepted: true });
  t.equal(channelWallet.balance(), 0, 'not counted while unconfirmed');
  await chain.mine(1);
  await settle();
  t.same(deposits, [[tx.getId(), 300_000]], 'both outputs, counted when the block connects');
  const funded = await fundChannelWallet({ onChain, channelWallet, chain, feeratePerKw: FEERATE }, 100_000);
  await chain.mine(1);
  await settle();
  t.same(deposits.map(([txid]) => txid), [tx.getId()], `the transfer ${funded.txid.slice(0, 8)}, counted at once, is not counted again when it confirms`);
  t.equal(channelWallet.balance(), 400_000);

  // Stopped: a payment confirms meanwhile; read at the next start.
  running.close();
  const whileStopped = await onChain.fund([{ script: channelWallet.script, satoshis: 10_000 }], FEERATE);
  t.match(await chain.broadcast(whileStopped), { accepted: true });
  await chain.mine(2);
  await settle();
  t.equal(channelWallet.balance(), 400_000, 'nothing read while stopped');
  running = reader();
  await running.start();
  t.same(deposits.at(-1), [whileStopped.getId(), 10_000], 'the block connected while stopped is read at start');
  t.equal(channelWallet.balance(), 410_000);
});
