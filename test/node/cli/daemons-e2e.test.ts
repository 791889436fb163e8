/**
 * The whole product from the command line, beyond the README's walk-through
 * (readme-walkthrough.test.ts runs that verbatim: coins, `open`, `mine`,
 * `channels`, `invoice`, `pay`, a force close): a regtest gateway daemon and
 * two node daemons as child processes. Node A reaches the gateway over MQTT
 * (a real broker); node B is joined to A only by a serial line (a real
 * pseudo-terminal pair), so B's requests to the gateway go through A. What it
 * checks goes through `lnmesh`: `open --wait`, the peers, routes, links and
 * tower, a payment, B restarted, a second payment, a cooperative close that
 * pays B's wallet back. The steps the walk-through already runs through
 * `lnmesh` (faucet, deposit, mine, invoice) and the waits use the daemons'
 * control sockets: a process start each is most of such a test's time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { mqttBrokerUrl } from '../../transports/broker.js';
import { openPtyPair, ptySkipReason } from '../../transports/pty.js';
import { peek } from '../../../sim/kit/control-socket.js';
import { ask, eventually, faucetDeposit, initDaemon, shortTempDir, startDaemon, startDaemons, writeGatewayConfig, writeNodeConfig } from './mesh-cluster.js';
import { lnmeshAsync } from './run-cli.js';

type Row = Record<string, unknown>;

const skip = ptySkipReason();
t.setTimeout(300_000);

t.test('open, pay, restart, pay and close through the CLI of real daemons', { skip }, async (t) => {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const mqttUrl = await mqttBrokerUrl(t);
  const pty = await openPtyPair();
  t.teardown(pty.close);

  const [gateway, a, b] = await Promise.all([initDaemon(dir.path, 'gateway', 'gw'), initDaemon(dir.path, 'node', 'a'), initDaemon(dir.path, 'node', 'b')]);
  const topicPrefix = `e2e-${process.pid}`;
  writeGatewayConfig(gateway, mqttUrl, topicPrefix, [{ node: a, address: 'a' }], { [b.nodeId]: a.nodeId });
  // The nodes ask the gateway again every 5 s (10 min by default): their revoked states reach the tower then, not 30 s after each payment.
  writeNodeConfig(a, gateway, { mqtt: { url: mqttUrl, topicPrefix, neighbours: [{ node: gateway, address: 'gw' }] }, serial: { path: pty.a, neighbours: [b] } }, {}, [], '5s');
  writeNodeConfig(b, gateway, { serial: { path: pty.b, neighbours: [a] } }, { '*': a.nodeId }, [], '5s');

  const gatewayDaemon = await startDaemon('gateway', gateway.config);
  t.teardown(gatewayDaemon.stop);
  const [nodeA, firstB] = await startDaemons('node', [a.config, b.config]);
  let nodeB = firstB;
  t.teardown(nodeA.stop);
  t.teardown(() => nodeB.stop());

  const gatewayStatus = await ask(gateway.config, 'status');
  t.equal(gatewayStatus.nodeId, gateway.nodeId, 'the gateway runs with the key init made');
  t.ok((gatewayStatus.chainHeight as number) >= 432, 'a new regtest chain is mined past segwit');
  // B follows the chain through A: its headers came over the serial line, then MQTT. (The waits read the control sockets: `peek`.)
  await eventually('B to follow the chain through A', async () => ((await peek(b.config, 'status')).chainHeight === gatewayStatus.chainHeight ? true : undefined));
  const peersOfA = await ask<Row[]>(a.config, 'peers');
  t.same(peersOfA.map((peer) => [peer.name, peer.transport, peer.up]).sort(), [['b', 'serial', true], ['gw', 'mqtt', true]], "A's neighbours are up on their links");
  t.ok(peersOfA.every((peer) => typeof peer.heardSecondsAgo === 'number' && peer.heardSecondsAgo < 600), 'each heard from lately, with how long ago');

  // Coins: the faucet pays A's address, A counts them once the gateway proves the transaction.
  // A block, then a second for the nodes to hear it (what a CLI start took before), so that a wait mines no more blocks than it did.
  const mine = async () => {
    await peek(gateway.config, 'mine', { blocks: 1 });
    await sleep(1_000);
  };
  await faucetDeposit(gateway.config, a, 2_000_000);
  await mine();
  await eventually('the deposit to count', async () => ((await peek(a.config, 'wallet')).satoshis === 2_000_000 ? true : undefined));

  // A channel A-B, waited on while blocks come.
  const opening = lnmeshAsync('open', '--config', a.config, b.nodeId, '500000', '--wait', '--timeout', '2m');
  let opened: Awaited<typeof opening> | undefined;
  void opening.then((run) => (opened = run));
  await eventually('the channel to open', async () => {
    if (opened) return true;
    await mine();
    return undefined;
  });
  t.equal(opened!.status, 0, `open --wait succeeds: ${opened!.stderr}`);
  t.match(opened!.stderr, /awaiting_funding/, 'open --wait showed its progress');
  const channel = (await ask<Row[]>(a.config, 'channels'))[0]!;
  t.match(channel, { peer: b.nodeId, status: 'open', capacitySatoshis: 500_000 }, 'A sees the channel open');

  const pay = async (satoshis: number) => {
    const invoice = await peek(b.config, 'invoice', { amountMsat: satoshis * 1000 });
    const paid = await lnmeshAsync('pay', '--config', a.config, invoice.paymentRequest as string, '--wait', '--timeout', '1m');
    t.equal(paid.status, 0, `pay --wait succeeds: ${paid.stdout}${paid.stderr}`);
    t.match(paid.stdout, /^paid: preimage [0-9a-f]{64}/, 'pay --wait prints the proof of payment');
    const received = await ask(b.config, 'payments');
    t.match((received as unknown as Row[]).find((entry) => entry.paymentHash === invoice.paymentHash), { direction: 'received', status: 'succeeded', amountMsat: satoshis * 1000 }, 'B lists the payment received');
  };
  await pay(10_000);

  // What the gateway shows of the mesh: its neighbour, the route beyond it, the tower's appointments.
  // (Side by side: each `lnmesh` is a process start.)
  const [gatewayPeers, gatewayRoutes, gatewayLinks] = await Promise.all([ask<Row[]>(gateway.config, 'peers'), ask<Row[]>(gateway.config, 'routes'), ask<Row[]>(gateway.config, 'links')]);
  t.match(gatewayPeers, [{ nodeId: a.nodeId, name: 'a', transport: 'mqtt', up: true }], 'the gateway sees A up');
  t.match(gatewayRoutes, [{ destination: a.nodeId, direct: true }, { destination: b.nodeId, nextHop: a.nodeId, nextHopName: 'a' }], 'and reaches B through A');
  t.ok((gatewayLinks[0]!.messagesDelivered as number) > 0, 'its link counts what it delivered');
  await eventually('the revoked states of both nodes to reach the tower', async () => ((await peek(gateway.config, 'tower')).appointments as number) >= 2 ? true : undefined);
  t.equal((await ask(a.config, 'tower')).appointmentsQueued, 0, "A's appointments are all receipted");

  // B stops cleanly on SIGTERM and comes back with its channel.
  t.equal(await nodeB.stop(), 0, 'B exits 0 on SIGTERM');
  t.match(nodeB.output(), /node stopped/, 'B logged its clean stop');
  // Within 5 s (A may read its control socket before the serial line): without the goodbye, silent rounds take about 80 s.
  const downAfter = Date.now();
  await eventually("A to show B down", async () => ((await peek<Row[]>(a.config, 'peers')).find((peer) => peer.name === 'b')?.up === false ? true : undefined), 5_000);
  t.ok(Date.now() - downAfter < 5_000, "A shows B down at once: B's link said goodbye as it stopped");
  nodeB = await startDaemon('node', b.config);
  await eventually('B to see A again', async () => ((await peek<Row[]>(b.config, 'peers'))[0]?.up === true ? true : undefined));
  t.match((await ask<Row[]>(b.config, 'channels'))[0], { status: 'open', localMsat: 10_000_000 }, 'B restored its channel and balance');
  await pay(20_000);
  t.match((await ask<Row[]>(a.config, 'channels'))[0], { localMsat: 470_000_000, remoteMsat: 30_000_000 }, 'both payments moved the balance');

  // Close cooperatively; the closing transaction pays B's wallet, which B counts once it is proven.
  const closed = await lnmeshAsync('close', '--config', a.config, b.nodeId, String(channel.handle), '--wait', '--timeout', '1m');
  t.equal(closed.status, 0, `close --wait succeeds: ${closed.stderr}`);
  await eventually('B to count its share of the close', async () => {
    await mine();
    return (await peek(b.config, 'wallet')).satoshis === 30_000 ? true : undefined;
  });
  t.pass("B's wallet holds its 30,000 sat from the closing transaction");

  t.equal(await nodeA.stop(), 0, 'A exits 0');
  t.equal(await nodeB.stop(), 0, 'B exits 0');
  t.equal(await gatewayDaemon.stop(), 0, 'the gateway exits 0');
  t.notMatch(nodeA.output() + nodeB.output(), /"level":50|"level":60/, 'no errors logged by the nodes');
});
