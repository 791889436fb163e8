// A payment across three channels, along a static route: each forwarding
// node takes its cltv delta off the expiry, so the payer must leave one delta
// per forwarder. With the route's length given, the payment goes through;
// assumed one forwarder, the second refuses it as expiring too soon.
import t from 'tap';
import { InvalidInputError } from '../../../node/core/input.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { openChannel } from '../../../sim/kit/channels.js';
import { signerOf } from '../../../sim/kit/signer-of.js';
import { bytesToHex } from '@noble/hashes/utils.js';

const ids = [0, 1, 2, 3].map((i) => bytesToHex(signerOf(i).nodeId));
// 0 - 1 - 2 - 3: node 0 reaches 2 and 3 through 1, node 1 reaches 3 through 2.
const routesOf = (i: number): Record<string, string> => (i === 0 ? { [ids[2]!]: ids[1]!, [ids[3]!]: ids[1]! } : i === 1 ? { [ids[3]!]: ids[2]! } : {});

function line(routeLengths?: Record<string, number>) {
  const network = createNetwork({ nodes: 4, channels: { init: (i) => ({ routes: routesOf(i), ...(i === 0 && routeLengths && { routeLengths }) }) } });
  for (let i = 0; i < 3; i++) openChannel(network, network.nodes[i]!, network.nodes[i + 1]!, 1_000_000);
  return network;
}

t.test('with the length of the route, a payment crosses two forwarders', async (t) => {
  const network = line({ [ids[3]!]: 3 });
  const [payer, , , payee] = network.nodes;
  payer!.manager.payRequest(payee!.manager.receive(25_000_000, 0));
  network.run();
  t.equal(payee!.events.filter((event) => event.type === 'payment_received').length, 1, 'the payee is paid');
  t.equal(payer!.events.filter((event) => event.type === 'payment_sent').length, 1, 'the payer has the preimage');
  t.equal(payee!.manager.balances()[0]!.localMsat, 25_000_000);
});

t.test('assumed one forwarder, the second refuses: the payment fails back, nothing lost', async (t) => {
  const network = line();
  const [payer, , , payee] = network.nodes;
  payer!.manager.payRequest(payee!.manager.receive(25_000_000, 0));
  network.run();
  t.equal(payee!.events.filter((event) => event.type === 'payment_received').length, 0, 'not paid');
  const failed = payer!.events.find((event) => event.type === 'payment_failed');
  t.ok(failed, 'the payer hears it failed');
  t.equal(payer!.manager.balances()[0]!.localMsat, 1_000_000_000, 'and keeps its funds');
});

t.test('a route length that makes no sense is refused at construction', async (t) => {
  t.throws(() => createNetwork({ nodes: 1, channels: { init: { routeLengths: { [ids[3]!]: 1 } } } }), InvalidInputError);
});

t.test("a default route ('*', as the router has) carries a payment to any destination not listed", async (t) => {
  // 0 - 1 - 2 - 3 again, node 0 with only a default route through 1 (and the length of the route to 3).
  const network = createNetwork({ nodes: 4, channels: { init: (i) => (i === 0 ? { routes: { '*': ids[1]! }, routeLengths: { [ids[3]!]: 3 } } : { routes: routesOf(i) }) } });
  for (let i = 0; i < 3; i++) openChannel(network, network.nodes[i]!, network.nodes[i + 1]!, 1_000_000);
  const [payer, , carol, payee] = network.nodes;
  payer!.manager.payRequest(carol!.manager.receive(5_000_000, 0));
  payer!.manager.payRequest(payee!.manager.receive(7_000_000, 0));
  network.run();
  t.equal(payer!.events.filter((event) => event.type === 'payment_sent').length, 2, 'both paid through the default next hop');
  t.equal(payee!.manager.balances()[0]!.localMsat, 7_000_000, 'the one two forwarders away too');
});
