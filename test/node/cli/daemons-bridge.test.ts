/**
 * A mesh node pays and is paid across the Lightning Network, from the
 * command line of real daemons (issue 17): README.md's "Paying and being
 * paid from the Lightning Network", its lines run as written. A regtest
 * gateway daemon running its Lightning node, a node daemon (A) beside it on
 * MQTT with a channel to it, and an outside LDK node in this process on the
 * gateway's chain (over its JSON-RPC), with a channel from the gateway.
 * - Out: A pays the outside node's invoice; the outside node gets exactly
 *   the invoice's amount; A paid it and the bridge fee, and holds the preimage.
 * - In: A's public invoice, paid by the outside node; A gets its amount, the
 *   outside node the preimage A revealed.
 */
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { peek } from '../../../sim/kit/control-socket.js';
import { readmeSection, readmeSteps } from './readme-steps.js';
import { eventually, must } from './mesh-cluster.js';
import { bridgeFeeOn, startBridgeCluster } from './bridge-cluster.js';

type Row = Record<string, unknown>;

t.setTimeout(240_000);

t.test('a mesh node pays a BOLT 11 invoice and is paid from the Lightning Network, through the gateway', async (t) => {
  const { gateway, a, daemons, nodeA, outside } = await startBridgeCluster(t);

  const steps = readmeSteps(readmeSection('Paying and being paid from the Lightning Network'));
  t.equal(steps.length, 3, "the README section's three lines");
  const words = (index: number, fill: Record<string, string>) => steps[index]!.words.map((word) => (word === 'a.yaml' ? a.config : (fill[word] ?? word)));

  // Out: A pays the outside node's invoice.
  const toOutside = outside.node.createInvoice({ amountMsat: 40_000_000, description: 'a shop on the internet', expirySecs: 3600 });
  const localBefore = (await peek<Row[]>(a.config, 'channels'))[0]!.localMsat as number;
  const paid = await must(...words(0, { 'lnbcrt...': toOutside.bolt11 }));
  const preimage = /^paid: preimage ([0-9a-f]{64}), fee (\d+) msat, of which (\d+) to the bridge/.exec(paid.stdout);
  t.ok(preimage, `lnmesh pay prints the preimage and the fees: ${paid.stdout.trim()}`);
  t.equal(bytesToHex(sha256(hexToBytes(preimage![1]!))), toOutside.paymentHash, 'the preimage of the outside invoice');
  t.equal(Number(preimage![3]), bridgeFeeOn(40_000_000), 'the bridge fee as configured (1 sat + 0.1%)');
  const claimed = await eventually('the outside node to claim', async () => outside.events.find((event) => event.type === 'payment-claimed' && event.paymentHash === toOutside.paymentHash));
  t.match(claimed, { amountMsat: 40_000_000 }, 'the outside node got exactly the invoice amount');
  await eventually("A's channel to settle", async () => ((await peek<Row[]>(a.config, 'channels'))[0]!.pendingHtlcs === 0 ? true : undefined));
  t.equal(localBefore - ((await peek<Row[]>(a.config, 'channels'))[0]!.localMsat as number), 40_000_000 + bridgeFeeOn(40_000_000), 'A paid the invoice and the bridge fee, nothing more');

  // In: the outside node pays A's public invoice.
  const issued = await must(...words(1, {}), '--json');
  const bolt11 = JSON.parse(issued.stdout).paymentRequest as string;
  t.match(bolt11, /^lnbcrt/, 'a regtest BOLT 11 invoice from the gateway');
  const sent = await outside.node.payInvoice(bolt11);
  t.equal(sent.paymentHash, bytesToHex(sha256(hexToBytes(sent.preimage))), 'the outside node learned the preimage');
  const received = await eventually('A to list the payment received', async () => (await peek<Row[]>(a.config, 'payments')).find((row) => row.paymentHash === sent.paymentHash && row.status === 'succeeded'));
  t.match(received, { direction: 'received', amountMsat: 5_000_000 }, 'A got exactly its 5,000 sat');

  // Left hashes: A leaves two with the gateway; the gateway issues an invoice for A from one (an amount A never named).
  const left = await must('invoice', '--leave', '2', '--config', a.config);
  t.match(left.stdout, /the gateway keeps 2 payment hashes of this node/, `lnmesh invoice --leave: ${left.stdout.trim()}`);
  const forA = JSON.parse((await must('ln', 'invoice', '--for', a.nodeId, '3000', '--json', '--config', gateway.config)).stdout) as Row;
  t.match(forA, { forNode: a.nodeId, hashesLeft: 1, amountMsat: 3_000_000 }, 'lnmesh ln invoice --for: from one of the hashes A left');
  const sentToLeft = await outside.node.payInvoice(forA.bolt11 as string);
  t.equal(sentToLeft.paymentHash, forA.paymentHash);
  const receivedLeft = await eventually('A to list the payment to a left hash', async () => (await peek<Row[]>(a.config, 'payments')).find((row) => row.paymentHash === forA.paymentHash && row.status === 'succeeded'));
  t.match(receivedLeft, { direction: 'received', amountMsat: 3_000_000 }, 'A got the 3,000 sat the gateway asked for it');

  const listed = await must(...words(2, {}));
  t.match(listed.stdout, new RegExp(toOutside.paymentHash.slice(0, 8)), 'lnmesh payments lists the payment out');
  t.equal(await nodeA.stop(), 0, 'A exits 0');
  t.equal(await daemons.gateway.stop(), 0, 'the gateway exits 0');
  t.notMatch(nodeA.output(), /"level":50|"level":60/, 'no errors logged by A');
});
