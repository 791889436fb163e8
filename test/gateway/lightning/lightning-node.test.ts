// The gateway's LDK node end to end on a real regtest chain: A (the
// gateway) and B (standing for the rest of the Lightning Network), each
// with its own seed, data directory and wallet, over TCP on loopback. A
// opens a channel to B funded from its wallet; both pay each other's
// invoices; A holds payments to an invoice whose preimage it does not know,
// claims one and fails one back; A crashes and restarts from disk with its
// channel; a cooperative close confirms on chain. One chain and one pair of
// nodes for the whole story, in order.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Transaction } from '../../../node/bolt3/transaction.js';
import { ANYONE_CAN_SPEND_OUTPUT } from '../../../gateway/chain/regtest-miner.js';
import { LightningError } from '../../../gateway/lightning/lightning-errors.js';
import { eventually } from '../../../sim/kit/poll.js';
import { LOOPBACK, eventOf, startChain, startNode, type TestNode } from './lightning-test-kit.js';

const CAPACITY_SAT = 1_000_000;
const PUSH_MSAT = 200_000_000;
const WAIT_MS = 20_000;

async function connect(from: TestNode, to: TestNode, port: number): Promise<void> {
  await from.node.connect(to.node.nodeId, LOOPBACK, port);
  await eventually('the peers to connect', () => (from.node.peers().length > 0 && to.node.peers().length > 0 ? true : undefined), WAIT_MS, 20);
}

t.test('a funded channel, payments both ways, held payments, a restart and a cooperative close', async (story) => {
  const t = story;
  const chain = await startChain(t);
  let a = await startNode(t, chain, 1, { coinHeights: [1, 2] });
  const b = await startNode(t, chain, 2);
  const port = await b.node.listen();
  await connect(a, b, port);

  const channelId = await a.node.openChannel(b.node.nodeId, CAPACITY_SAT, { pushMsat: PUSH_MSAT });
  t.match(channelId, /^[0-9a-f]{64}$/, 'openChannel resolves with the channel id once funded');
  const pending = await eventually('channel-pending', () => eventOf(a.events, 'channel-pending'), WAIT_MS, 20);
  t.equal(pending.channelId, channelId, 'the pending channel has the id openChannel gave');
  await eventually('the funding transaction in the mempool', async () => ((await chain.status(pending.fundingTxid)).state === 'mempool' ? true : undefined), WAIT_MS, 20);
  await chain.mine(6);
  await eventually('both to see the channel usable', () => (a.node.channels()[0]?.usable && b.node.channels()[0]?.usable ? true : undefined), WAIT_MS, 20);
  const [ours] = a.node.channels();
  t.equal(ours!.channelId, channelId);
  t.equal(ours!.peerNodeId, bytesToHex(b.node.nodeId));
  t.equal(ours!.capacitySat, CAPACITY_SAT);
  t.ok(ours!.ready && ours!.isOutbound, 'ready, and ours');
  t.ok(ours!.confirmations >= 6, 'six confirmations or more');
  t.equal(b.node.channels()[0]!.channelId, channelId, 'B sees the same channel');
  t.equal(ours!.fundingOutpoint, `${pending.fundingTxid}:0`, 'funded by the wallet transaction, the channel output first');

  let firstInvoice = '';
  await t.test('A pays B’s invoice', async (t) => {
    const before = a.node.channels()[0]!.outboundCapacityMsat;
    const invoice = b.node.createInvoice({ amountMsat: 50_000_000, description: 'coffee', expirySecs: 3600 });
    t.match(invoice.bolt11, /^lnbcrt500u1/, 'a regtest BOLT 11 invoice for 500 µBTC');
    firstInvoice = invoice.bolt11;
    const sent = await a.node.payInvoice(invoice.bolt11);
    t.equal(sent.paymentHash, invoice.paymentHash);
    t.equal(bytesToHex(sha256(Buffer.from(sent.preimage, 'hex'))), invoice.paymentHash, 'the preimage hashes to the payment hash');
    t.equal(sent.feeMsat, 0, 'no fee over a direct channel');
    const claimed = await eventually('B to claim', () => eventOf(b.events, 'payment-claimed', (e) => e.paymentHash === invoice.paymentHash), WAIT_MS, 20);
    t.equal(claimed.amountMsat, 50_000_000, 'B received the amount');
    t.equal(a.node.channels()[0]!.outboundCapacityMsat, before - 50_000_000, 'A can send 50,000 sat less');
    await t.rejects(a.node.payInvoice(invoice.bolt11), { code: 'duplicate-payment' }, 'the same invoice is never paid twice');
    await t.rejects(a.node.payInvoice('lnbcrt1garbage'), { code: 'invalid-invoice' });
  });

  await t.test('B pays A’s invoice for a hash A does not know; A holds it, then claims it', async (t) => {
    const preimage = randomBytes(32);
    const paymentHash = bytesToHex(sha256(preimage));
    const invoice = a.node.createInvoiceForHash({ paymentHash, amountMsat: 20_000_000, description: 'for a mesh node', expirySecs: 3600, minFinalCltvExpiryDelta: 144 });
    t.equal(invoice.paymentHash, paymentHash, 'the invoice carries the given hash');
    const paying = b.node.payInvoice(invoice.bolt11);
    const claimable = await eventually('A to hold the payment', () => eventOf(a.events, 'payment-claimable', (e) => e.paymentHash === paymentHash), WAIT_MS, 20);
    t.equal(claimable.amountMsat, 20_000_000);
    t.ok(claimable.claimDeadlineHeight! > (await chain.tip()).height + 100, 'held until a deadline about 144 blocks away');
    a.node.claim(bytesToHex(preimage));
    const sent = await paying;
    t.equal(sent.preimage, bytesToHex(preimage), 'B learns the preimage A claimed with');
    await eventually('A to see it claimed', () => eventOf(a.events, 'payment-claimed', (e) => e.paymentHash === paymentHash), WAIT_MS, 20);
  });

  await t.test('a held payment failed back fails at the payer, and nothing moves', async (t) => {
    const paymentHash = bytesToHex(sha256(randomBytes(32)));
    const invoice = a.node.createInvoiceForHash({ paymentHash, amountMsat: 10_000_000, description: 'away', expirySecs: 3600, minFinalCltvExpiryDelta: 144 });
    const before = b.node.channels()[0]!.outboundCapacityMsat;
    const paying = b.node.payInvoice(invoice.bolt11);
    await eventually('A to hold the payment', () => eventOf(a.events, 'payment-claimable', (e) => e.paymentHash === paymentHash), WAIT_MS, 20);
    a.node.failBack(paymentHash);
    await t.rejects(paying, new LightningError('payment-failed', `the payment ${paymentHash} failed: the recipient rejected it; nothing was paid`));
    t.ok(eventOf(b.events, 'payment-failed', (e) => e.paymentHash === paymentHash), 'B sees payment-failed');
    await eventually('B’s balance back', () => (b.node.channels()[0]!.outboundCapacityMsat === before ? true : undefined), WAIT_MS, 20);
  });

  await t.test('payments that cannot go are refused before anything moves', async (t) => {
    const c = await startNode(t, chain, 3); // a node A has no channel with
    const before = a.node.channels()[0]!.outboundCapacityMsat;
    const stranger = c.node.createInvoice({ amountMsat: 1_000_000, description: 'elsewhere', expirySecs: 3600 });
    await t.rejects(a.node.payInvoice(stranger.bolt11), { code: 'route-not-found' }, 'no route to a node that has no channel (gossip knows no path to it)');
    const tooMuch = b.node.createInvoice({ amountMsat: before + 1_000, description: 'too much', expirySecs: 3600 });
    await t.rejects(a.node.payInvoice(tooMuch.bolt11), { code: 'route-not-found', message: /enough outbound capacity/ }, 'more than A can send');
    await t.rejects(a.node.payInvoice(b.node.createInvoice({ amountMsat: 1_000, description: 'x', expirySecs: 3600 }).bolt11, { maxFeeMsat: -1 }), /maxFeeMsat/);
    t.equal(a.node.channels()[0]!.outboundCapacityMsat, before, 'A’s balance is untouched');
  });

  await t.test('A crashes and restarts from its data directory with its channel', async (t) => {
    const balance = a.node.channels()[0]!.outboundCapacityMsat;
    const nodeId = bytesToHex(a.node.nodeId);
    // What a SIGKILL would leave: the data directory as it stands while A runs (A's stop writes only to the original).
    await a.node.chainSynced();
    const crashed = mkdtempSync(join(tmpdir(), 'lnmesh-ldk-crashed-'));
    story.teardown(() => rmSync(crashed, { recursive: true, force: true }));
    cpSync(a.dataDir, crashed, { recursive: true });
    await a.node.stop();
    a = await startNode(story, chain, 1, { dataDir: crashed, wallet: a.wallet }); // lives on after this subtest
    t.equal(bytesToHex(a.node.nodeId), nodeId, 'the same node id');
    const [channel] = a.node.channels();
    t.equal(channel?.channelId, channelId, 'the channel is back');
    t.equal(channel?.outboundCapacityMsat, balance, 'with the same balance');
    const paid = a.node.outgoingPayments().filter((payment) => payment.state === 'sent');
    t.equal(paid.length, 1, 'the payment A sent is on record');
    t.equal(paid[0]?.bolt11, firstInvoice);
    t.equal(paid[0]?.amountMsat, 50_000_000);
    t.equal(bytesToHex(sha256(Buffer.from(paid[0]!.preimage!, 'hex'))), paid[0]?.paymentHash, 'with its preimage');
    t.ok(a.node.outgoingPayments().some((payment) => payment.state === 'failed' && /no route/.test(payment.reason!)), 'and those refused, as failed');
    await t.rejects(a.node.payInvoice(firstInvoice), { code: 'duplicate-payment' }, 'after a restart the invoice is still never paid twice');
    await connect(a, b, port);
    await eventually('the channel usable again', () => (a.node.channels()[0]?.usable ? true : undefined), WAIT_MS, 20);
  });

  await t.test('a cooperative close confirms on chain', async (t) => {
    let closingSeen = false;
    const spendsFunding = (tx: Transaction) => tx.ins.some((input) => bytesToHex(Uint8Array.from(input.hash).reverse()) === pending.fundingTxid);
    chain.on('transaction', (tx) => void (closingSeen ||= spendsFunding(tx)));
    a.node.closeChannel(channelId);
    await eventually('both to see it closed', () => (eventOf(a.events, 'channel-closed') && eventOf(b.events, 'channel-closed') ? true : undefined), WAIT_MS, 20);
    await eventually('the closing transaction in the mempool', async () => {
      const mempool = await chain.status(pending.fundingTxid); // confirmed: look for its spend among new transactions instead
      return mempool.state === 'confirmed' && closingSeen ? true : undefined;
    }, WAIT_MS, 20);
    await chain.mine(1);
    const block = await chain.blockAt((await chain.tip()).height);
    const close = block!.transactions.find(spendsFunding);
    t.ok(close, 'the next block spends the funding output');
    // Both close to their wallets' scripts (the test wallets': P2WSH(OP_TRUE)); A, the funder, pays the fee.
    const paid = close!.outs.filter((out) => bytesToHex(out.script) === bytesToHex(ANYONE_CAN_SPEND_OUTPUT)).map((out) => Number(out.value));
    t.equal(paid.length, 2, 'two outputs, each to a wallet');
    t.ok(paid.includes(230_000), 'B gets 200,000 pushed + 50,000 paid - 20,000 paid');
    const toA = paid.find((value) => value !== 230_000)!;
    t.ok(toA > 760_000 && toA < 770_000, `A gets its 770,000 less the closing fee (${toA})`);
    t.same(a.node.channels(), [], 'A has no channel left');
    t.same(b.node.channels(), [], 'B has no channel left');
  });
});
