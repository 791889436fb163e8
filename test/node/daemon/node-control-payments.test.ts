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
