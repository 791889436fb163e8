// Forwarding fees: each forwarder's policy, told to its channel peers in a
// fee_update; the payer pays the payee's amount plus the quote of its next
// hop, and each forwarder keeps exactly its fee, or refuses an HTLC that
// does not pay it (the payment then fails back, nothing lost).
import t from 'tap';
import fc from 'fast-check';
import { bytesToHex } from '@noble/hashes/utils.js';
import { InvalidInputError } from '../../../node/core/input.js';
import { decodeMessage } from '../../../node/wire/messages.js';
import { type ForwardingFee, composeFee, feeOn, forwardingFee } from '../../../node/channel/forwarding-fee.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { openChannel } from '../../../sim/kit/channels.js';
import { signerOf } from '../../../sim/kit/signer-of.js';

const ids = [0, 1, 2, 3].map((i) => bytesToHex(signerOf(i).nodeId));
const total = (node: { manager: { balances(): { localMsat: number }[] } }): number => node.manager.balances().reduce((sum, channel) => sum + channel.localMsat, 0);

/** 0 - 1 - ... - (count - 1), each reaching the others along the line; `feeOf(i)` each node's policy. */
function line(count: number, feeOf: (i: number) => Partial<ForwardingFee> | undefined) {
  const routesOf = (i: number) => Object.fromEntries(ids.slice(0, count).flatMap((id, j) => (Math.abs(j - i) > 1 ? [[id, ids[j > i ? i + 1 : i - 1]!]] : [])));
  const network = createNetwork({ nodes: count, channels: { init: (i) => ({ routes: routesOf(i), routeLengths: { [ids[count - 1]!]: count - 1 }, forwardingFee: feeOf(i) }) } });
  for (let i = 0; i + 1 < count; i++) openChannel(network, network.nodes[i]!, network.nodes[i + 1]!, 1_000_000);
  return network;
}

t.test('BOLT 7 fee: base + amount x proportional / 1e6, rounded down', async (t) => {
  t.equal(feeOn({ baseMsat: 1000, proportionalMillionths: 0 }, 70_000_000), 1000);
  t.equal(feeOn({ baseMsat: 1000, proportionalMillionths: 1 }, 1_999_999), 1001, '1.999999 msat rounds down to 1');
  t.equal(feeOn({ baseMsat: 0, proportionalMillionths: 100_000 }, Number.MAX_SAFE_INTEGER), Math.floor(Number.MAX_SAFE_INTEGER / 10), 'exact on large amounts');
});

t.test('a policy is checked, naming the field', async (t) => {
  t.same(forwardingFee(undefined), { baseMsat: 1000, proportionalMillionths: 0 }, "rust-lightning's defaults");
  t.throws(() => forwardingFee({ baseMsat: -1 }), { name: 'InvalidInputError', field: 'forwardingFee.baseMsat' });
  t.throws(() => forwardingFee({ proportionalMillionths: 1.5 }), { name: 'InvalidInputError', field: 'forwardingFee.proportionalMillionths' });
  t.throws(() => createNetwork({ nodes: 1, channels: { init: { forwardingFee: { proportionalMillionths: 100_001 } } } }), InvalidInputError, 'the manager refuses it at construction');
});

t.test('property: a composed quote never pays a forwarder less than its fee', async (t) => {
  const fee = fc.record({ baseMsat: fc.integer({ min: 0, max: 1_000_000 }), proportionalMillionths: fc.integer({ min: 0, max: 100_000 }) });
  fc.assert(
    fc.property(fee, fee, fc.integer({ min: 1, max: 2 ** 40 }), (own, next, payee) => {
      // The forwarder receives payee + quote(payee), sends payee + next(payee), and keeps the difference.
      const sent = payee + feeOn(next, payee);
      const kept = payee + feeOn(composeFee(own, next), payee) - sent;
      if (kept < feeOn(own, sent)) throw new Error(`kept ${kept}, fee ${feeOn(own, sent)}`);
    }),
    { numRuns: 5000, seed: 17 },
  );
  t.same(composeFee({ baseMsat: 1000, proportionalMillionths: 0 }, { baseMsat: 2000, proportionalMillionths: 10 }), { baseMsat: 3000, proportionalMillionths: 10 }, 'without a rate of its own, exact');
});

t.test('payer, forwarder, payee: the payee gets the amount, the forwarder its fee, the payer pays both', async (t) => {
  const network = line(3, (i) => (i === 1 ? { baseMsat: 2000, proportionalMillionths: 100 } : undefined));
  const [payer, forwarder, payee] = network.nodes;
  const request = payee!.manager.receive(70_000_000, 800_000);
  const fee = 2000 + 7000; // 100 ppm of 70,000 sat
  t.equal(payer!.manager.feeFor(request), fee, 'the quote, before paying');
  t.equal(payer!.manager.payRequest(request), fee, 'the fee paid');
  network.run();
  t.ok(payer!.events.some((event) => event.type === 'payment_sent'), 'paid');
  t.equal(total(payee!), 70_000_000, 'the payee got exactly the amount');
  t.equal(total(forwarder!), 1_000_000_000 + fee, 'the forwarder exactly its fee');
  t.equal(total(payer!), 1_000_000_000 - 70_000_000 - fee, 'the payer paid both');
  t.same(forwarder!.events.filter((event) => event.type === 'payment_forwarded').map((event) => 'feeMsat' in event && event.feeMsat), [fee], 'the forwarder reports what it earned');
});

t.test('a forwarder charging more than it quoted refuses: the HTLC fails back, nothing lost; paid again at the new quote', async (t) => {
  let raised: Partial<ForwardingFee> = { baseMsat: 1000 };
  const network = line(3, (i) => (i === 1 ? raised : undefined));
  const [payer, forwarder, payee] = network.nodes;
  raised = { baseMsat: 5000 };
  forwarder!.restart(); // its new fee_update is on its way, but the payer pays before it arrives
  const request = payee!.manager.receive(10_000_000, 800_000);
  t.equal(payer!.manager.payRequest(request), 1000, 'paid at the old quote');
  network.run();
  const failed = payer!.events.find((event) => event.type === 'payment_failed');
  t.match(failed && 'reason' in failed && failed.reason, /fee too low: 1000 msat .* our fee is 5000 msat/, 'refused for its fee');
  t.equal(total(payer!), 1_000_000_000, 'the payer lost nothing');
  t.equal(total(forwarder!), 1_000_000_000, 'the forwarder took nothing');
  t.equal(payer!.manager.payRequest(request), 5000, 'the new quote arrived: paid again with it');
  network.run();
  t.equal(total(payee!), 10_000_000, 'the payee is paid');
  t.equal(total(forwarder!), 1_000_005_000, 'the forwarder earned its new fee');
});

t.test('four nodes: the payer pays two composed fees, each forwarder keeps its own', async (t) => {
  const network = line(4, (i) => (i === 1 ? { baseMsat: 1000, proportionalMillionths: 1000 } : i === 2 ? { baseMsat: 3000, proportionalMillionths: 10 } : undefined));
  const [payer, first, second, payee] = network.nodes;
  const amount = 25_000_000;
  const secondFee = 3000 + 250; // 10 ppm of 25,000 sat
  const firstFee = 1000 + Math.floor(((amount + secondFee) * 1000) / 1e6);
  const paid = payer!.manager.payRequest(payee!.manager.receive(amount, 800_000));
  network.run();
  t.equal(total(payee!), amount, 'the payee gets exactly the amount');
  t.equal(total(second!), 1_000_000_000 + secondFee, 'the second forwarder its fee on what it sent');
  t.ok(total(first!) - 1_000_000_000 >= firstFee, `the first forwarder at least its fee on what it sent (${firstFee} msat)`);
  // The quote's rate is rounded up to whole ppm, its base to whole msat, plus 1 msat: the first forwarder keeps the difference.
  t.ok(paid - firstFee - secondFee <= 2 + amount / 1e6, `rounding up costs the payer at most 1 ppm and 2 msat (${paid} paid, ${firstFee + secondFee} due)`);
  t.equal(total(first!) - 1_000_000_000, paid - secondFee, 'the first forwarder keeps the rest');
  t.equal(total(payer!), 1_000_000_000 - amount - paid, 'the payer paid both');
});

t.test('no quote from the next hop yet: the payment is refused before anything leaves', async (t) => {
  const network = createNetwork({ nodes: 3, channels: { init: (i) => ({ routes: i === 0 ? { [ids[2]!]: ids[1]! } : {} }) } });
  const [payer, forwarder, payee] = network.nodes;
  // Delivers everything but the forwarder's fee_update to the payer, which is lost.
  const runDroppingQuotes = () => {
    for (let next = network.queue.shift(); next; next = network.queue.shift()) {
      const [from, to, bytes] = next;
      if (from === forwarder!.id && decodeMessage(bytes).type === 'fee_update') continue;
      network.nodes.find((node) => node.id === to)!.manager.handleMessage(from, bytes);
    }
  };
  openChannel({ run: () => (runDroppingQuotes(), 0) }, payer!, forwarder!, 1_000_000);
  t.ok(payer!.events.some((event) => event.type === 'channel_opened'), 'the channel is open');
  const request = payee!.manager.receive(1_000_000, 800_000);
  t.throws(() => payer!.manager.payRequest(request), { name: 'ChannelUnavailableError', message: /no fee quote from/ });
  t.equal(network.queue.length, 0, 'nothing was sent');
  t.equal(total(payer!), 1_000_000_000, 'nothing spent');
  t.equal(payer!.manager.feeFor({ payee: forwarder!.signer.nodeId, amountMsat: 1 }), 0, 'paying the neighbour itself needs no quote');
});

t.test('the payee takes up to twice its amount (BOLT 4), not more', async (t) => {
  const network = createNetwork({ nodes: 2, channels: {} });
  const [payer, payee] = network.nodes;
  const handle = openChannel(network, payer!, payee!, 1_000_000);
  const request = payee!.manager.receive(1_000_000, 800_000);
  payer!.manager.pay(payee!.id, handle, { ...request, amountMsat: 2_000_001 });
  network.run();
  const failed = payer!.events.find((event) => event.type === 'payment_failed');
  t.match(failed && 'reason' in failed && failed.reason, /more than twice/, 'more than twice is refused');
  payer!.manager.pay(payee!.id, handle, { ...request, amountMsat: 2_000_000 });
  network.run();
  t.equal(total(payee!), 2_000_000, 'twice is taken');
});

t.test("the quotes a node heard are saved with its channels: after a restart it pays at once", async (t) => {
  const network = line(3, (i) => (i === 1 ? { baseMsat: 3000 } : undefined));
  const [payer, , payee] = network.nodes;
  payer!.restart();
  t.equal(network.queue.filter(([from]) => from !== payer!.id).length, 0, 'nobody told it anything again');
  t.equal(payer!.manager.payRequest(payee!.manager.receive(1_000_000, 800_000)), 3000, "it pays the forwarder's fee it heard before the restart");
  network.run();
  t.equal(total(payee!), 1_000_000, 'paid');
});
