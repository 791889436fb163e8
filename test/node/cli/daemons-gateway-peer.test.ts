/**
 * The gateway as a channel peer of the nodes attached to it (issue 17), from
 * the command line of real daemons: a regtest gateway daemon and two node
 * daemons, each a neighbour of the gateway over MQTT (a real broker) and of
 * nothing else. Each node opens a channel to the gateway with `lnmesh open`
 * (B pushes part of its channel to the gateway, so that the gateway can pay
 * B), A pays B's invoice and the gateway forwards it (A -> gateway -> B);
 * the balances are checked on all three, the gateway's with `lnmesh
 * channels --socket`. The gateway restarted (SIGTERM) comes back with its
 * channels, and forwards a second payment.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { mqttBrokerUrl } from '../../transports/broker.js';
import { peek } from '../../../sim/kit/control-socket.js';
import { type ClusterNode, ask, eventually, faucetDeposit, initDaemon, must, shortTempDir, startDaemon, startDaemons, writeGatewayConfig, writeNodeConfig } from './mesh-cluster.js';
import { lnmeshAsync } from './run-cli.js';

type Row = Record<string, unknown>;

t.setTimeout(300_000); // room for a stuck step to fail by name (each waits a minute at most) before the file would expire

t.test('two nodes open channels to the gateway, which forwards between them and keeps its channels across a restart', async (t) => {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const mqttUrl = await mqttBrokerUrl(t);
  const [gateway, a, b] = await Promise.all([initDaemon(dir.path, 'gateway', 'gw'), initDaemon(dir.path, 'node', 'a'), initDaemon(dir.path, 'node', 'b')]);
  const topicPrefix = `gwpeer-${process.pid}`;
  writeGatewayConfig(gateway, mqttUrl, topicPrefix, [
    { node: a, address: 'a' },
    { node: b, address: 'b' },
  ]);
  // Each node reaches the other through the gateway: the route table names it as the next hop.
  const nodeLinks = { mqtt: { url: mqttUrl, topicPrefix, neighbours: [{ node: gateway, address: 'gw' }] } };
  writeNodeConfig(a, gateway, nodeLinks, { [b.nodeId]: gateway.nodeId }, [], '5s');
  writeNodeConfig(b, gateway, nodeLinks, { [a.nodeId]: gateway.nodeId }, [], '5s');

  let gatewayDaemon = await startDaemon('gateway', gateway.config);
  t.teardown(() => gatewayDaemon.stop());
  const [nodeA, nodeB] = await startDaemons('node', [a.config, b.config]);
  t.teardown(nodeA.stop);
  t.teardown(nodeB.stop);

  const mine = async () => {
    await peek(gateway.config, 'mine', { blocks: 1 });
    await sleep(1_000);
  };
  // Coins for both nodes, counted once the gateway proves them.
  for (const node of [a, b]) await faucetDeposit(gateway.config, node, 1_000_000);
  await mine();
  await eventually('both deposits to count', async () => ((await Promise.all([a, b].map((node) => peek(node.config, 'wallet')))).every((wallet) => wallet.satoshis === 1_000_000) ? true : undefined));

  // Both channels to the gateway, waited on while blocks come. B gives the gateway 100,000 sat of its channel at once.
  const openings = [lnmeshAsync('open', '--config', a.config, gateway.nodeId, '500000', '--wait', '--timeout', '2m'), lnmeshAsync('open', '--config', b.config, gateway.nodeId, '500000', '--push', '100000000', '--wait', '--timeout', '2m')];
  let opened: Awaited<(typeof openings)[number]>[] | undefined;
  void Promise.all(openings).then((runs) => (opened = runs));
  await eventually('both channels to open', async () => {
    if (opened) return true;
    await mine();
    return undefined;
  });
  for (const run of opened!) t.equal(run.status, 0, `open --wait succeeds: ${run.stdout}${run.stderr}`);
  const gatewaySocket = join(dir.path, 'gw-data', 'control.sock');
  const gatewayChannels = async () => JSON.parse((await must('channels', '--json', '--socket', gatewaySocket)).stdout) as Row[];
  const byPeer = (rows: Row[], peer: ClusterNode) => rows.find((row) => row.peer === peer.nodeId);
  // The gateway sees each channel open once its own chain has the funding deep enough: the nodes may be ahead of it by a poll.
  await eventually('the gateway to see both channels open', async () => ((await peek<Row[]>(gateway.config, 'channels')).filter((row) => row.status === 'open').length === 2 ? true : undefined));
  const before = await gatewayChannels();
  t.match(byPeer(before, a), { status: 'open', capacitySatoshis: 500_000, localMsat: 0, remoteMsat: 500_000_000, peerName: 'a' }, "lnmesh channels --socket lists the gateway's channel with A");
  t.match(byPeer(before, b), { status: 'open', capacitySatoshis: 500_000, localMsat: 100_000_000, remoteMsat: 400_000_000, peerName: 'b' }, 'and with B, with what B pushed');

  const pay = async (satoshis: number) => {
    const invoice = await ask(b.config, 'invoice', String(satoshis));
    const paid = await lnmeshAsync('pay', '--config', a.config, invoice.paymentRequest as string, '--wait', '--timeout', '1m');
    t.equal(paid.status, 0, `pay --wait succeeds through the gateway: ${paid.stdout}${paid.stderr}`);
    t.match(paid.stdout, /^paid: preimage [0-9a-f]{64}/, 'A holds the proof of payment');
    const received = await peek<Row[]>(b.config, 'payments');
    t.match(received.find((entry) => entry.paymentHash === invoice.paymentHash), { direction: 'received', status: 'succeeded', amountMsat: satoshis * 1000 }, 'B lists the payment received');
  };
  await pay(30_000);

  // Balances on all three; the gateway's settle once B's revocation reaches it. A pays the amounts and whatever
  // forwarding fee the gateway charges (none or its policy's): B gets the amounts exactly, the gateway keeps the fees.
  // (Read from the control sockets: each `lnmesh` is a process start, and the gateway's `channels` went through `lnmesh` above.)
  const expectBalances = async (sent: number, when: string) => {
    await eventually(`the gateway's channels to settle (${when})`, async () => ((await peek<Row[]>(gateway.config, 'channels')).every((row) => row.pendingHtlcs === 0) ? true : undefined));
    const ofA = (await peek<Row[]>(a.config, 'channels'))[0]!;
    const paidMsat = 500_000_000 - (ofA.localMsat as number);
    const feesMsat = paidMsat - sent * 1000;
    t.ok(feesMsat >= 0 && feesMsat <= sent, `A paid ${sent} sat and ${feesMsat} msat of fees, at most 0.1% (${when})`);
    t.match(ofA, { peer: gateway.nodeId, remoteMsat: paidMsat }, 'its channel with the gateway says so on both sides of it');
    t.match((await peek<Row[]>(b.config, 'channels'))[0], { peer: gateway.nodeId, localMsat: (400_000 + sent) * 1000, remoteMsat: (100_000 - sent) * 1000 }, `B received exactly ${sent} sat (${when})`);
    const rows = await peek<Row[]>(gateway.config, 'channels');
    t.match(byPeer(rows, a), { localMsat: paidMsat, remoteMsat: 500_000_000 - paidMsat }, `the gateway took what A paid (${when})`);
    t.match(byPeer(rows, b), { localMsat: (100_000 - sent) * 1000, remoteMsat: (400_000 + sent) * 1000 }, `and gave B the amount (${when})`);
    t.equal((await peek(gateway.config, 'status')).balanceMsat, 100_000_000 + feesMsat, 'the gateway holds what it held and the fees: it forwards, it pays nothing itself');
    return feesMsat;
  };
  const firstFees = await expectBalances(30_000, 'after the payment');

  // The gateway stops on SIGTERM and comes back with its channels.
  t.equal(await gatewayDaemon.stop(), 0, 'the gateway exits 0 on SIGTERM');
  gatewayDaemon = await startDaemon('gateway', gateway.config);
  const status = await ask(gateway.config, 'status');
  t.match(status, { channelsOpen: 2, channelsPending: 0, balanceMsat: 100_000_000 + firstFees }, 'the restarted gateway has both channels and its balance');
  await eventually('both nodes to see the gateway again', async () => ((await Promise.all([a, b].map((node) => peek<Row[]>(node.config, 'peers')))).every((peers) => peers[0]?.up === true) ? true : undefined));
  await pay(20_000);
  await expectBalances(50_000, 'after the restart and a second payment');

  t.equal(await nodeA.stop(), 0, 'A exits 0');
  t.equal(await nodeB.stop(), 0, 'B exits 0');
  t.equal(await gatewayDaemon.stop(), 0, 'the gateway exits 0');
  t.notMatch(gatewayDaemon.output(), /"level":50|"level":60/, 'no errors logged by the gateway');
  t.notMatch(nodeA.output() + nodeB.output(), /"level":50|"level":60/, 'no errors logged by the nodes');
});
