// `lnmesh pay` on the node daemon's side: the fee along the route is told
// before anything leaves, kept with the payment, and refused above the
// limit (--max-fee-msat, by default 1% + 1 sat), the payment then failed so
// that it can be tried again with a higher one.
import t from 'tap';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { paymentRequestToText } from '../../../node/channel/payment-request.js';
import { defaultMaxFeeMsat, paymentHandlers } from '../../../node/daemon/node-control-payments.js';
import type { NodeDaemonParts } from '../../../node/daemon/node-daemon-parts.js';
import { PaymentLog } from '../../../node/daemon/payment-log.js';
import { LmdbPersister } from '../../../node/persist/lmdb.js';
import { openChannel } from '../../../sim/kit/channels.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { signerOf } from '../../../sim/kit/signer-of.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';

const ids = [0, 1, 2].map((i) => bytesToHex(signerOf(i).nodeId));

t.test('the fee is told, kept, and refused above the limit before anything is sent', async (t) => {
  const store = new LmdbPersister(join(t.testdir(), 'payer'));
  t.teardown(() => store.close());
  // payer - forwarder (5 sat a payment) - payee
  const network = createNetwork({ nodes: 3, channels: { persister: (i) => (i === 0 ? store : undefined)!, init: (i) => (i === 0 ? { routes: { [ids[2]!]: ids[1]! } } : i === 1 ? { forwardingFee: { baseMsat: 5000 } } : {}) } });
  const [payer, forwarder, payee] = network.nodes;
  openChannel(network, payer!, forwarder!, 1_000_000);
  openChannel(network, forwarder!, payee!, 1_000_000);
  const payments = new PaymentLog(store, new VirtualClock());
  payer!.manager.on('event', (event) => payments.onEvent(event));
  const control = paymentHandlers({ node: { manager: payer!.manager }, payments, nodeId: payer!.id } as unknown as NodeDaemonParts);

  const small = payee!.manager.receive(100_000, 800_000);
  t.equal(defaultMaxFeeMsat(100_000), 2000, 'the default limit on 100 sat: 1 sat and 1%');
  t.throws(() => control.pay({ request: paymentRequestToText(small) }), { name: 'InvalidInputError', field: 'maxFeeMsat', message: /are 5000 msat, above the limit of 2000 msat/ }, 'above the default limit: refused');
  t.equal(network.queue.length, 0, 'nothing was sent');
  t.match(payments.get(bytesToHex(small.paymentHash)), { status: 'failed', reason: /above the limit/ }, 'the payment failed, to be tried again');

  const paid = control.pay({ request: paymentRequestToText(small), maxFeeMsat: 5000 });
  t.match(paid, { amountMsat: 100_000, feeMsat: 5000 }, 'within a limit given: paid, and the fee told');
  t.match(payments.get(bytesToHex(small.paymentHash)), { status: 'pending', amountMsat: 100_000, feeMsat: 5000 }, 'the fee kept with the payment before it left');
  network.run();
  t.match(payments.list()[0], { status: 'succeeded', feeMsat: 5000 }, 'and listed when it settled');
  t.throws(() => control.pay({ request: paymentRequestToText(payee!.manager.receive(1000, 800_000)), maxFeeMsat: -1 }), { name: 'InvalidInputError', field: 'maxFeeMsat' }, 'a negative limit is refused');
});

t.test('a BOLT 11 invoice goes to the bridge: refused with what to do when the node has no gateway, or when it does not read', async (t) => {
  const store = new LmdbPersister(join(t.testdir(), 'lonely'));
  t.teardown(() => store.close());
  const network = createNetwork({ nodes: 1, channels: { persister: store } });
  const payments = new PaymentLog(store, new VirtualClock());
  const clock = new VirtualClock();
  const parts = (uplink?: object) => ({ node: { manager: network.nodes[0]!.manager, uplink }, payments, nodeId: network.nodes[0]!.id, config: { network: 'regtest' }, clock }) as unknown as NodeDaemonParts;
  // BOLT 11's coffee invoice: mainnet, while this node is on regtest.
  const coffee =
    'lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh';
  await t.rejects(Promise.resolve().then(() => paymentHandlers(parts()).pay({ request: coffee })), { name: 'InvalidInputError', field: 'request', message: /no gateway configured/ });
  const uplink = { gatewayId: '02'.padEnd(66, 'a'), chainHeight: 800_000, quoteBridgePayment: () => Promise.reject(new Error('not to be asked')) };
  await t.rejects(Promise.resolve().then(() => paymentHandlers(parts(uplink)).pay({ request: coffee })), { name: 'InvalidInputError', field: 'request', message: /network: for bc, not bcrt/ }, 'read on the node first: another network is refused before the gateway is asked');
  await t.rejects(Promise.resolve().then(() => paymentHandlers(parts()).invoice({ amountMsat: 1000, public: true })), { name: 'InvalidInputError', message: /no gateway configured/ }, 'a public invoice needs a gateway too');
  t.same(payments.list(), [], 'nothing logged');
});
