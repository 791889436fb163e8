/**
 * The bridge's failure cases on real daemons (issue 17): each payment that
 * cannot go ends cleanly, with a reason a person understands, and nothing
 * moves on either side. A regtest gateway daemon running its Lightning node
 * with a short hold window (`finalCltvExpiryDelta: 144`), a node daemon (A)
 * beside it on MQTT with a channel to it, and an outside LDK node in this
 * process with a channel from the gateway (see bridge-cluster.ts).
 * - Expired invoice: A refuses it before anything is sent.
 * - No route: an invoice of a Lightning node nobody has a channel with.
 * - Not enough liquidity, out: an invoice above the gateway's outbound
 *   capacity toward the outside node; in: a public invoice of A's above what
 *   the gateway holds on its side of A's channel.
 * - Away past the hold window: the outside node pays A's public invoice while
 *   A's daemon is stopped; blocks pass the window; the payment fails back.
 */
import t, { type Test } from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { peek } from '../../../sim/kit/control-socket.js';
import { bech32 } from '@scure/base';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { readBolt11 } from '../../../node/invoice/bolt11.js';
import { SIGNATURE_WORDS, signingDigest } from '../../../node/invoice/signature.js';
import { eventually, must, startDaemon } from './mesh-cluster.js';
import { lnmeshAsync, type Run } from './run-cli.js';
import { startBridgeCluster } from './bridge-cluster.js';
import { startOutsideNode } from './outside-node.js';

type Row = Record<string, unknown>;

t.setTimeout(240_000);

const { gateway, a, daemons, nodeA, outside, mine, rpcPort } = await startBridgeCluster(t, { finalCltvExpiryDelta: 144 });

/** Every balance of both sides: A's and the gateway's on the mesh channel, the gateway's and the outside node's on the Lightning channel. */
async function balances() {
  const [aChannel] = await peek<Row[]>(a.config, 'channels');
  const [gatewayMesh] = await peek<Row[]>(gateway.config, 'channels');
  const [gatewayLn] = await peek<Row[]>(gateway.config, 'lnChannels');
  return {
    a: aChannel!.localMsat as number,
    aPending: aChannel!.pendingHtlcs as number,
    gatewayMesh: gatewayMesh!.localMsat as number,
    gatewayLn: gatewayLn!.outboundCapacityMsat as number,
    outside: outside.node.channels()[0]!.outboundCapacityMsat,
  };
}

/** The gateway's row for `paymentHash` in `lnmesh ln payments --json` (read on its control socket: a CLI start costs a second or two). */
async function lnPayment(paymentHash: string): Promise<Row | undefined> {
  return (await peek<Row[]>(gateway.config, 'lnPayments')).find((row) => row.paymentHash === paymentHash);
}

/** `bolt11` as if issued `secondsAgo` before now: its timestamp moved back, signed again by a key of ours (its payee field dropped). */
function issuedEarlier(bolt11: string, secondsAgo: number): string {
  const { prefix, words } = bech32.decode(bolt11 as `${string}1${string}`, false);
  const timestamp = Math.floor(Date.now() / 1000) - secondsAgo;
  const data = Array.from({ length: 7 }, (_, index) => Math.floor(timestamp / 32 ** (6 - index)) % 32);
  const fields = words.slice(7, -SIGNATURE_WORDS);
  for (let at = 0; at < fields.length; at += 3 + fields[at + 1]! * 32 + fields[at + 2]!) {
    if (fields[at] !== 19) data.push(...fields.slice(at, at + 3 + fields[at + 1]! * 32 + fields[at + 2]!));
  }
  const recovered = secp256k1.sign(signingDigest(prefix, data), sha256(Buffer.from('a payee of the past')), { prehash: false, format: 'recovered' });
  return bech32.encode(prefix, [...data, ...bech32.toWords(Uint8Array.of(...recovered.subarray(1), recovered[0]!))], false);
}

/** What a person reads: one line of words, not a stack trace, not "undefined". */
function readable(t: Test, run: Run, what: string): void {
  t.notMatch(run.stdout + run.stderr, /\n\s+at |undefined|\[object /, `${what}: no stack trace, no "undefined"`);
}

t.test('an expired invoice: A refuses it, nothing is sent', async (t) => {
  // LDK stamps its invoices with the chain's time, ahead of the clock on a fast-mined regtest chain: issued two hours ago instead.
  const issued = outside.node.createInvoice({ amountMsat: 10_000_000, description: 'too late', expirySecs: 3600 });
  const invoice = { paymentHash: issued.paymentHash, bolt11: issuedEarlier(issued.bolt11, 7200) };
  t.throws(() => readBolt11(invoice.bolt11, Math.floor(Date.now() / 1000), 'bcrt'), { name: 'InvoiceError', field: 'expiry' }, 'an invoice whose hour has passed');
  const before = await balances();
  const run = await lnmeshAsync('pay', invoice.bolt11, '--wait', '--config', a.config);
  t.equal(run.status, 2, 'refused as bad input (exit 2)');
  t.match(run.stderr, /expired/, `it says the invoice expired: ${run.stderr.trim()}`);
  readable(t, run, 'lnmesh pay');
  t.notOk((await peek<Row[]>(a.config, 'payments')).some((row) => row.paymentHash === invoice.paymentHash), 'A recorded no payment: nothing was sent');
  t.notOk(await lnPayment(invoice.paymentHash), 'the gateway was asked nothing');
  t.same(await balances(), before, 'no balance moved');
});

t.test('no route: an invoice of a Lightning node nobody has a channel with ends failed, A whole again', async (t) => {
  const stranger = await startOutsideNode(t, rpcPort, 8);
  const invoice = stranger.node.createInvoice({ amountMsat: 10_000_000, description: 'elsewhere', expirySecs: 3600 });
  const before = await balances();
  const run = await lnmeshAsync('pay', invoice.bolt11, '--wait', '--config', a.config);
  t.equal(run.status, 1, 'lnmesh pay --wait exits 1');
  t.match(run.stdout, /^failed: .*no route/m, `it says why: ${run.stdout.trim()}`);
  readable(t, run, 'lnmesh pay');
  t.match((await peek<Row[]>(a.config, 'payments')).find((row) => row.paymentHash === invoice.paymentHash), { direction: 'sent', status: 'failed', reason: /no route/ }, "A's payment failed, with the reason");
  t.match(await lnPayment(invoice.paymentHash), { direction: 'sent', state: 'failed', reason: /no route/ }, "the gateway's Lightning payment failed before anything left");
  await eventually("A's HTLC to be failed back", async () => ((await balances()).aPending === 0 ? true : undefined));
  t.same(await balances(), before, 'A is whole again, the gateway spent nothing');
});

t.test('not enough liquidity out: an invoice above the gateway\'s outbound capacity fails cleanly', async (t) => {
  const before = await balances();
  const amountMsat = before.gatewayLn + 10_000_000;
  t.ok(amountMsat + 2_000_000 < before.a, 'A could pay it (the invoice and the fee) on the mesh channel');
  const invoice = outside.node.createInvoice({ amountMsat, description: 'more than the gateway has', expirySecs: 3600 });
  const run = await lnmeshAsync('pay', invoice.bolt11, '--wait', '--config', a.config);
  t.equal(run.status, 1, 'lnmesh pay --wait exits 1');
  t.match(run.stdout, /^failed: .*enough outbound capacity/m, `it says why: ${run.stdout.trim()}`);
  readable(t, run, 'lnmesh pay');
  t.match(await lnPayment(invoice.paymentHash), { direction: 'sent', state: 'failed', reason: /enough outbound capacity/ }, "the gateway's Lightning payment failed before anything left");
  await eventually("A's HTLC to be failed back", async () => ((await balances()).aPending === 0 ? true : undefined));
  t.same(await balances(), before, 'nothing moved on either side');
  t.notOk(outside.events.some((event) => event.type === 'payment-claimed' && event.paymentHash === invoice.paymentHash), 'the outside node was not paid');
});

t.test('not enough liquidity in: a public invoice above what the gateway holds on A\'s channel fails back at the payer', async (t) => {
  const before = await balances();
  // 20,000 sat: within what the gateway's LDK accepts in flight from the outside node (10% of the channel, LDK's default).
  const issued = await must('invoice', '--public', '20000', '--json', '--config', a.config);
  const { paymentRequest, paymentHash } = JSON.parse(issued.stdout) as { paymentRequest: string; paymentHash: string };
  t.ok(before.gatewayMesh < 20_000_000, `the gateway holds ${before.gatewayMesh} msat on A's channel, less than the 20,000 sat`);
  const paying = outside.node.payInvoice(paymentRequest);
  await t.rejects(paying, /failed: the recipient rejected it; nothing was paid/, "the outside node's payment fails back");
  t.match(await lnPayment(paymentHash), { direction: 'received', state: 'failed', forNode: a.nodeId, reason: /mesh channel cannot carry it/ }, 'the gateway lists it failed back, and why');
  await eventually('the outside node to have its money back', async () => ((await balances()).outside === before.outside ? true : undefined));
  t.same(await balances(), before, 'nothing moved on either side');
  t.notMatch((await peek<Row[]>(a.config, 'payments')).find((row) => row.paymentHash === paymentHash), { status: 'succeeded' }, 'A was not paid');
});

t.test('away past the hold window: the outside payment fails back; A comes back to the balance it left', async (t) => {
  const before = await balances();
  const issued = JSON.parse((await must('invoice', '--public', '5000', '--json', '--config', a.config)).stdout) as { paymentRequest: string; paymentHash: string };
  t.equal(await nodeA.stop(), 0, "A's daemon stops");
  const outcome = outside.node.payInvoice(issued.paymentRequest).then(
    () => 'paid',
    (error: Error) => error.message,
  );
  await eventually('the gateway to hold the payment for A', async () => ((await lnPayment(issued.paymentHash))?.state === 'held' ? true : undefined));
  const height = async () => (await peek<Row>(gateway.config, 'lnInfo')).blockHeight as number;
  const heldAt = await height();
  const { heldUntil } = (await lnPayment(issued.paymentHash)) as { heldUntil: number };
  // The window: the payer's HTLC expiry (the invoice's 144 blocks, and the payer's random shadow offset of up to 432 more)
  // less LDK's 21-block claim buffer, the gateway's 36 safety blocks and the 78 a node needs left: at least 9 blocks (7 with a lagging payer).
  t.ok(heldUntil - heldAt >= 144 - 21 - 36 - 78 - 2, `held until height ${heldUntil}: ${heldUntil - heldAt} blocks from ${heldAt}`);
  await mine(heldUntil - heldAt);
  t.equal(await height(), heldUntil, 'the chain at the last height of the window');
  t.match(await lnPayment(issued.paymentHash), { state: 'held', forNode: a.nodeId }, 'still held at its last height, A away');
  await mine(1);
  const ended = await eventually("the outside node's payment to end", async () => {
    let message: string | undefined;
    await Promise.race([outcome.then((end) => (message = end)), sleep(100)]);
    return message;
  });
  t.match(ended, /failed: the recipient rejected it; nothing was paid/, "one block past the window, the outside node's payment failed back");
  const row = await lnPayment(issued.paymentHash);
  t.match(row, { direction: 'received', state: 'failed', reason: /away past the hold window/ }, 'the gateway says why, in words');
  const table = await must('ln', 'payments', '--config', gateway.config);
  t.match(table.stdout, /failed .*the node stayed away past the hold window/, 'lnmesh ln payments, as a person reads it');
  const listed = JSON.parse((await must('ln', 'payments', '--json', '--config', gateway.config)).stdout) as Row[];
  t.same(listed.find((payment) => payment.paymentHash === issued.paymentHash), row, 'and the same with --json');
  await eventually('the outside node to have its money back', async () => (outside.node.channels()[0]!.outboundCapacityMsat === before.outside ? true : undefined));

  const restarted = await startDaemon('node', a.config);
  t.teardown(() => restarted.stop());
  await eventually("A's channel to be open again", async () => ((await peek<Row[]>(a.config, 'channels'))[0]?.status === 'open' ? true : undefined));
  await sleep(500);
  t.same(await balances(), before, 'nothing moved on either side');
  t.notMatch((await peek<Row[]>(a.config, 'payments')).find((row) => row.paymentHash === issued.paymentHash), { status: 'succeeded' }, 'A was not paid');
  t.equal(await restarted.stop(), 0, 'A exits 0');
  t.notMatch(restarted.output(), /"level":50|"level":60/, 'no errors logged by A');
  // LDK logs a payment with no route at its Error level: the payment's outcome, logged as info (ldk-logger.ts).
  const errors = daemons.gateway.output().split('\n').filter((line) => /"level":[56]0/.test(line));
  t.same(errors, [], 'no errors logged by the gateway through all of these failures');
  t.match(daemons.gateway.output(), /"level":30[^\n]*Failed to find route/, 'LDK\'s "Failed to find route" is there, as info');
});
