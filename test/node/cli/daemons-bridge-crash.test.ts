/**
 * The gateway SIGKILLed mid-payment, in both directions (issue 17): after a
 * restart the payment resolves, paid exactly once, nothing lost on either side.
 * - Out: A pays an outside invoice; the gateway is killed the moment the
 *   outside node claims the payment (LDK claims its own invoices at once, so
 *   its fulfill to the gateway is in flight). After the restart the gateway learns the preimage from the
 *   outside node on reconnect and settles A's mesh HTLC with it.
 * - In: the outside node pays A's public invoice; the gateway is killed the
 *   moment A lists the payment received (A revealed the preimage, the gateway
 *   may not have claimed the LDK payment yet). After the restart the outside
 *   node's payment ends sent with A's preimage.
 */
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { peek } from '../../../sim/kit/control-socket.js';
import type { LightningEvent } from '../../../gateway/lightning/lightning-events.js';
import { eventually, must } from './mesh-cluster.js';
import { bridgeFeeOn, startBridgeCluster } from './bridge-cluster.js';

type Row = Record<string, unknown>;

t.setTimeout(240_000);

/** Resolves on the outside node's first event that `matches`, the moment it is emitted. */
function onEvent(outside: { node: { on(name: 'event', listener: (event: LightningEvent) => void): unknown } }, matches: (event: LightningEvent) => boolean): Promise<LightningEvent> {
  return new Promise((resolve) => outside.node.on('event', (event) => matches(event) && resolve(event)));
}

t.test('the gateway killed mid-payment resolves it after a restart, in both directions, paid once', async (t) => {
  const { gateway, a, daemons, outside, restartGateway } = await startBridgeCluster(t);
  const aChannel = async () => (await peek<Row[]>(a.config, 'channels'))[0]!;
  const aPayment = async (hash: string) => (await peek<Row[]>(a.config, 'payments')).find((row) => row.paymentHash === hash);

  // Out: killed as the outside node claims the payment.
  const toOutside = outside.node.createInvoice({ amountMsat: 30_000_000, description: 'paid across a crash', expirySecs: 3600 });
  const localBefore = (await aChannel()).localMsat as number;
  const claimed = onEvent(outside, (event) => event.type === 'payment-claimed' && event.paymentHash === toOutside.paymentHash);
  await must('pay', toOutside.bolt11, '--config', a.config);
  await claimed;
  const settledBeforeKill = (await aPayment(toOutside.paymentHash))?.status !== 'pending';
  t.comment(`the outside node claimed: killing the gateway (A's payment was ${settledBeforeKill ? 'already' : 'still not'} settled)`);
  await daemons.gateway.kill();
  await restartGateway();
  t.comment('the gateway restarted (out)');
  const sentOut = await eventually("A's payment out to end", async () => {
    const row = await aPayment(toOutside.paymentHash);
    return row && row.status !== 'pending' ? row : undefined;
  }, 90_000);
  t.match(sentOut, { status: 'succeeded', direction: 'sent' }, "A's payment out succeeded after the gateway's restart");
  t.equal(bytesToHex(sha256(hexToBytes(sentOut.preimage as string))), toOutside.paymentHash, 'A holds the preimage of the outside invoice');
  const claims = outside.events.filter((event) => event.type === 'payment-claimed' && event.paymentHash === toOutside.paymentHash);
  t.same(claims.map((event) => (event as { amountMsat: number }).amountMsat), [30_000_000], 'the outside node was paid exactly once, the invoice amount');
  await eventually("A's channel to settle", async () => ((await aChannel()).pendingHtlcs === 0 ? true : undefined));
  t.equal(localBefore - ((await aChannel()).localMsat as number), 30_000_000 + bridgeFeeOn(30_000_000), 'A paid the invoice and the bridge fee once, nothing more');
  const lnPayments = JSON.parse((await must('ln', 'payments', '--json', '--config', gateway.config)).stdout) as Row[];
  const outRows = lnPayments.filter((row) => row.paymentHash === toOutside.paymentHash);
  t.match(outRows, [{ direction: 'sent', state: 'sent', amountMsat: 30_000_000 }], "the gateway's Lightning node lists one payment for that hash, sent");
  t.equal(outRows.length, 1, 'one payment, not two');

  // In: killed as A lists the payment received.
  const issued = JSON.parse((await must('invoice', '--public', '4000', '--json', '--config', a.config)).stdout) as Row;
  const hashIn = issued.paymentHash as string;
  const localBeforeIn = (await aChannel()).localMsat as number;
  const paying = outside.node.payInvoice(issued.paymentRequest as string);
  const outcome = paying.then((sent) => ({ sent }), (error: unknown) => ({ error }));
  await eventually('A to list the payment received', async () => ((await aPayment(hashIn))?.status === 'succeeded' ? true : undefined), 60_000);
  const sentBeforeKill = outside.events.some((event) => event.type === 'payment-sent' && event.paymentHash === hashIn);
  t.comment(`A received: killing the gateway (the outside node had ${sentBeforeKill ? 'already' : 'not yet'} seen its payment sent)`);
  await daemons.gateway.kill();
  await restartGateway();
  t.comment('the gateway restarted (in)');
  let ended: { preimage?: string; error?: unknown } | undefined;
  void outcome.then((end) => (ended = 'sent' in end ? { preimage: end.sent.preimage } : end));
  const end = await eventually("the outside node's payment to end", async () => ended, 90_000);
  t.notOk(end.error, `the outside node's payment did not fail: ${String(end.error)}`);
  t.equal(bytesToHex(sha256(hexToBytes(end.preimage ?? ''))), hashIn, "the outside node's payment ends sent after the gateway's restart, with A's preimage");
  await eventually("A's channel to settle", async () => ((await aChannel()).pendingHtlcs === 0 ? true : undefined));
  t.equal(((await aChannel()).localMsat as number) - localBeforeIn, 4_000_000, 'A received exactly its 4,000 sat, once');
  const sentIn = outside.events.filter((event) => event.type === 'payment-sent' && event.paymentHash === hashIn);
  t.equal(sentIn.length, 1, 'the outside node paid once');
  t.match(await aPayment(hashIn), { direction: 'received', status: 'succeeded', amountMsat: 4_000_000 }, 'A lists it received once');

  t.equal(await daemons.gateway.stop(), 0, 'the restarted gateway exits 0');
});
