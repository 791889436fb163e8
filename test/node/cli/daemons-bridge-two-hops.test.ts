/**
 * A mesh node two hops from the gateway pays a BOLT 11 invoice of the
 * Lightning Network (issue 17), from the command line of real daemons: B,
 * a neighbour of A only, pays the outside LDK node's invoice. Its HTLC goes
 * to A, which forwards it to the gateway for its forwarding fee; the gateway
 * pays the invoice with LDK and the preimage comes back along the same path.
 * The outside node gets exactly the invoice's amount; B pays it, the bridge
 * fee and A's fee, and holds the preimage; A keeps exactly its fee.
 */
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { peek } from '../../../sim/kit/control-socket.js';
import { eventually, must } from './mesh-cluster.js';
import { bridgeFeeOn, startBridgeCluster } from './bridge-cluster.js';

type Row = Record<string, unknown>;

t.setTimeout(240_000);

t.test('a node two hops from the gateway pays an outside invoice; the node between earns its fee', async (t) => {
  const { gateway, a, b, outside } = await startBridgeCluster(t, { behindA: true });
  const channelOf = async (config: string, peer: string) => (await peek<Row[]>(config, 'channels')).find((row) => row.peer === peer)!;
  const balances = async () => ({
    b: (await channelOf(b!.config, a.nodeId)).localMsat as number,
    aFromB: (await channelOf(a.config, b!.nodeId)).localMsat as number,
    aToGateway: (await channelOf(a.config, gateway.nodeId)).localMsat as number,
  });
  const before = await balances();

  const invoice = outside.node.createInvoice({ amountMsat: 20_000_000, description: 'two hops away', expirySecs: 3600 });
  const paid = await must('pay', '--config', b!.config, invoice.bolt11, '--wait');
  const printed = /^paid: preimage ([0-9a-f]{64}), fee (\d+) msat, of which (\d+) to the bridge/.exec(paid.stdout);
  t.ok(printed, `lnmesh pay on B prints the preimage and the fees: ${paid.stdout.trim()}`);
  t.equal(bytesToHex(sha256(hexToBytes(printed![1]!))), invoice.paymentHash, "B holds the preimage of the outside invoice");
  const feeMsat = Number(printed![2]);
  t.equal(Number(printed![3]), bridgeFeeOn(20_000_000), 'the bridge fee as configured');
  t.ok(feeMsat > bridgeFeeOn(20_000_000), `and A's forwarding fee on top: ${feeMsat - bridgeFeeOn(20_000_000)} msat`);

  const claimed = await eventually('the outside node to claim', async () => outside.events.find((event) => event.type === 'payment-claimed' && event.paymentHash === invoice.paymentHash));
  t.match(claimed, { amountMsat: 20_000_000 }, 'the outside node got exactly the invoice amount');
  await eventually('the channels to settle', async () => {
    const rows = [...(await peek<Row[]>(a.config, 'channels')), ...(await peek<Row[]>(b!.config, 'channels'))];
    return rows.every((row) => row.pendingHtlcs === 0) ? true : undefined;
  });
  const after = await balances();
  t.equal(before.b - after.b, 20_000_000 + feeMsat, 'B paid the invoice and the fees it was told, nothing more');
  const aEarned = after.aFromB - before.aFromB - (before.aToGateway - after.aToGateway);
  t.equal(aEarned, feeMsat - bridgeFeeOn(20_000_000), 'A passed on what the gateway asked and kept exactly its forwarding fee');
  t.ok(aEarned > 0, 'A earned something for its liquidity');
  const row = (await peek<Row[]>(b!.config, 'payments')).find((payment) => payment.paymentHash === invoice.paymentHash);
  t.match(row, { direction: 'sent', status: 'succeeded' }, "B's payments list it succeeded");
});
