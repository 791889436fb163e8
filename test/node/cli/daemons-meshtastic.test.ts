/**
 * The Meshtastic issue's proof on the assembled daemons, driven through `lnmesh`: a regtest gateway daemon and three
 * node daemons as child processes. A reaches the gateway over MQTT (a real broker) and has a Meshtastic radio; B and
 * C have only their radios. The radios are models of the firmware in this process, each behind a real pty whose
 * other end the daemon opens as it would /dev/ttyUSB0 (the one fake: there is no radio). A's radio hears B's; B's
 * and C's are two Meshtastic hops apart, through a relay radio with no lnmesh node on it. So B's one link serves A
 * and C, and everything C says to the gateway crosses the relay, B's radio, A's radio and MQTT.
 * `lnmesh open --wait` opens A-B and B-C; A pays C beside chat on port 1 from the relay's owner, then again while
 * B's radio reboots with the HTLC at B: each payment completes once, and the balances are exact at all three.
 * B and C start from a checkpoint (`gateway.checkpoint`): the regtest chain's 432 headers would take over a minute of air.
 * (The duty cycle is proven in process, test/node/mesh-node-meshtastic.test.ts: the transport backs off a minute.)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { peek } from '../../../sim/kit/control-socket.js';
import { MeshtasticEther } from '../../../sim/kit/meshtastic/ether.js';
import { MeshtasticRadioModel, type MeshtasticModelOptions } from '../../../sim/kit/meshtastic/radio-model.js';
import { PortNum } from '../../../transports/meshtastic/client-messages.js';
import { nodeNumberText } from '../../../transports/meshtastic/node-number.js';
import { mqttBrokerUrl } from '../../transports/broker.js';
import { openPtyPair, ptySkipReason } from '../../transports/pty.js';
import { type Checkpoint, type ClusterNode, ask, eventually, faucetDeposit, initDaemon, must, shortTempDir, startDaemon, startDaemons, writeGatewayConfig, writeNodeConfig } from './mesh-cluster.js';
import { lnmeshAsync } from './run-cli.js';

type Row = Record<string, unknown>;

const skip = ptySkipReason();
t.setTimeout(300_000);

/** The firmware's timings where they do not cost seconds; US: no duty cycle. */
const MODEL = { preset: 'ShortFast', region: 'US', timing: { processingMs: 300, bootMs: 300 } } as const satisfies MeshtasticModelOptions;
const NUMS = { A: 0xa1a1a1a1, B: 0xb2b2b2b2, relay: 0x7e7e7e7e, C: 0xc3c3c3c3 } as const;
/** One relay between B and C: hop limit 1 reaches it and stops the flood there (with 3, the radios past it relay every frame again). */
const HOP_LIMIT = 1;

/** A radio model on the device end of a pty; the daemon gets the client end. */
async function radioOnPty(t: Test, ether: MeshtasticEther, nodeNum: number) {
  const pty = await openPtyPair();
  const model = await MeshtasticRadioModel.open(pty.b, ether, { ...MODEL, nodeNum });
  t.teardown(async () => {
    await model.close();
    await pty.close();
  });
  return { model, path: pty.a, address: nodeNumberText(nodeNum) };
}

/** The four radios on one ether: A - B, B - relay - C, the relay far from both (heard at -5 dB, which ShortFast decodes). */
async function radios(t: Test) {
  const ether = new MeshtasticEther();
  const [a, b, relay, c] = await Promise.all([radioOnPty(t, ether, NUMS.A), radioOnPty(t, ether, NUMS.B), radioOnPty(t, ether, NUMS.relay), radioOnPty(t, ether, NUMS.C)]);
  ether.link(NUMS.A, NUMS.B);
  ether.link(NUMS.B, NUMS.relay, { snr: -5 });
  ether.link(NUMS.relay, NUMS.C, { snr: -5 });
  return { ether, a, b, relay, c };
}

const chatText = (n: number) => new TextEncoder().encode(`chat ${n} from the hilltop: `.padEnd(200, 'anyone on the mesh tonight? '));

/** Chat on port 1, broadcast from the relay's keyboard every `everyMs` until stopped (which returns how many were sent). */
function chatter(relay: MeshtasticRadioModel, everyMs: number): () => number {
  let sent = 0;
  const timer = setInterval(() => relay.originate({ portnum: PortNum.textMessage, payload: chatText(sent++), hopLimit: 1 }), everyMs);
  return () => {
    clearInterval(timer);
    return sent;
  };
}

/** The gateway and A first, then B and C from the gateway's checkpoint. */
async function startMesh(t: Test) {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const mqttUrl = await mqttBrokerUrl(t);
  const { ether, ...radio } = await radios(t);
  const [gateway, a, b, c] = await Promise.all([initDaemon(dir.path, 'gateway', 'gw'), initDaemon(dir.path, 'node', 'a'), initDaemon(dir.path, 'node', 'b'), initDaemon(dir.path, 'node', 'c')]);
  const topicPrefix = `mesh-${process.pid}`;
  const on = (path: string, ...neighbours: [ClusterNode, { address: string }][]) => ({ path, preset: MODEL.preset, hopLimit: HOP_LIMIT, neighbours: neighbours.map(([node, { address }]) => ({ node, address })) });
  writeGatewayConfig(gateway, mqttUrl, topicPrefix, [{ node: a, address: 'a' }], { [b.nodeId]: a.nodeId, [c.nodeId]: a.nodeId });
  // A asks the gateway again every 5 s over MQTT (10 min by default); B and C keep the default, not to fill the air.
  writeNodeConfig(a, gateway, { mqtt: { url: mqttUrl, topicPrefix, neighbours: [{ node: gateway, address: 'gw' }] }, meshtastic: on(radio.a.path, [b, radio.b]) }, { [c.nodeId]: b.nodeId }, [], '5s');
  const [gatewayDaemon, nodeA] = await Promise.all([startDaemon('gateway', gateway.config), startDaemon('node', a.config)]);
  t.teardown(gatewayDaemon.stop);
  t.teardown(nodeA.stop);

  // B and C start from a checkpoint, as a node on a slow radio would: the new regtest chain's 432 headers are ~16 kB
  // a node, over a minute of these radios' air. The gateway's `lnmesh checkpoint` gives it, two blocks below its tip.
  const chainHeight = (await peek(gateway.config, 'status')).chainHeight as number;
  const checkpoint = JSON.parse((await must('checkpoint', '--depth', '2', '--json', '--config', gateway.config)).stdout) as Checkpoint;
  t.equal(checkpoint.height, chainHeight - 2, "B's and C's checkpoint is two blocks below the gateway's tip");
  writeNodeConfig(b, gateway, { meshtastic: on(radio.b.path, [a, radio.a], [c, radio.c]) }, { '*': a.nodeId }, [], undefined, checkpoint);
  writeNodeConfig(c, gateway, { meshtastic: on(radio.c.path, [b, radio.b]) }, { '*': b.nodeId }, [], undefined, checkpoint);
  const [nodeB, nodeC] = await startDaemons('node', [b.config, c.config]);
  t.teardown(nodeB.stop);
  t.teardown(nodeC.stop);
  return { ether, radio, gateway, a, b, c, checkpoint, daemons: { gateway: gatewayDaemon, a: nodeA, b: nodeB, c: nodeC } };
}

type Mesh = Awaited<ReturnType<typeof startMesh>>;

/** Coins for A and B from the faucet, then `lnmesh open --wait` A-B and B-C side by side, 500,000 sat each, while blocks come. */
async function openChannels(t: Test, { gateway, a, b, c, checkpoint }: Mesh) {
  const mine = async () => {
    await peek(gateway.config, 'mine', { blocks: 1 });
    await sleep(1_000);
  };
  for (const node of [a, b]) await faucetDeposit(gateway.config, node, 1_000_000);
  await mine();
  const counted = async (node: ClusterNode) => (await peek(node.config, 'wallet')).satoshis === 1_000_000;
  await eventually('the deposits to count', async () => ((await counted(a)) && (await counted(b)) ? true : undefined));
  // Each session starts with a handshake over the air (two hops to C): wait for it, on a loaded machine too.
  const bothUp = async () => {
    const peers = await ask<Row[]>(b.config, 'peers');
    return peers.length === 2 && peers.every((peer) => peer.up) ? peers : undefined;
  };
  const peersOfB = await eventually("B's sessions with A and C to be up", bothUp, 60_000);
  t.same(peersOfB.map((peer) => [peer.name, peer.transport, peer.up]).sort(), [['a', 'meshtastic', true], ['c', 'meshtastic', true]], "B's one radio link serves A and C, both up");

  const openings = Promise.all([[a, b], [b, c]].map(([from, to]) => lnmeshAsync('open', '--config', from!.config, to!.nodeId, '500000', '--wait', '--timeout', '2m')));
  let opened: Awaited<typeof openings> | undefined;
  void openings.then((runs) => (opened = runs));
  await eventually('both channels to open', async () => (opened ? true : void (await mine())), 150_000);
  for (const run of opened!) t.equal(run.status, 0, `open --wait succeeds: ${run.stderr}`);
  // C saw its channel's confirmations: the new blocks' headers came over MQTT and two radio links. (Idle, a node is
  // sent blocks a few at a time, not each one: C is not asked to be at the tip.)
  const heightOfC = (await peek(c.config, 'status')).chainHeight as number;
  t.ok(heightOfC >= checkpoint.height + 3, `C follows the chain over the radios: ${heightOfC - checkpoint.height} blocks past the checkpoint`);
}

/** HTLCs not yet settled, on every channel of A, B and C. */
async function pending({ a, b, c }: Mesh): Promise<number> {
  const channels = (await Promise.all([a, b, c].map((node) => peek<Row[]>(node.config, 'channels')))).flat();
  return channels.reduce((sum, channel) => sum + (channel.pendingHtlcs as number), 0);
}

/** `lnmesh pay --wait` on A of an invoice of C's, `meanwhile` run as it pays; then nothing left pending. */
async function pay(t: Test, mesh: Mesh, satoshis: number, meanwhile: () => Promise<void> = async () => undefined) {
  const invoice = await peek(mesh.c.config, 'invoice', { amountMsat: satoshis * 1000 });
  const paying = lnmeshAsync('pay', '--config', mesh.a.config, invoice.paymentRequest as string, '--wait', '--timeout', '90s');
  await meanwhile();
  const paid = await paying;
  t.equal(paid.status, 0, `pay --wait succeeds: ${paid.stdout}${paid.stderr}`);
  t.match(paid.stdout, /^paid: preimage [0-9a-f]{64}/, 'pay --wait prints the proof of payment');
  const received = (await ask<Row[]>(mesh.c.config, 'payments')).filter((entry) => entry.paymentHash === invoice.paymentHash);
  t.match(received, [{ direction: 'received', status: 'succeeded', amountMsat: satoshis * 1000 }], 'C lists the payment received, once');
  await eventually('every HTLC to be settled on both channels', async () => ((await pending(mesh)) === 0 ? true : undefined));
}

/** `lnmesh channels --json` on A, B and C after 50,000 sat from A to C: exact at each end, nothing pending. */
async function balancesExact(t: Test, { a, b, c }: Mesh) {
  const [ofA, ofB, ofC] = await Promise.all([a, b, c].map((node) => ask<Row[]>(node.config, 'channels')));
  const fees = (await peek<Row[]>(a.config, 'payments')).filter((entry) => entry.direction === 'sent').map((entry) => entry.feeMsat as number);
  t.equal(fees.length, 2, 'A lists two payments sent');
  t.ok(fees.every((each) => each > 0), `B earned its fee for each payment it forwarded (${fees.join(', ')} msat)`);
  const fee = fees[0]! + fees[1]!;
  t.match(ofA, [{ peer: b.nodeId, status: 'open', localMsat: 500_000_000 - 50_000_000 - fee, remoteMsat: 50_000_000 + fee, pendingHtlcs: 0 }], "A: 500,000 sat less the 50,000 to C and B's fees");
  t.match(ofB!.find((channel) => channel.peer === a.nodeId), { status: 'open', localMsat: 50_000_000 + fee, remoteMsat: 500_000_000 - 50_000_000 - fee, pendingHtlcs: 0 }, 'B agrees with A');
  t.match(ofB!.find((channel) => channel.peer === c.nodeId), { status: 'open', localMsat: 500_000_000 - 50_000_000, remoteMsat: 50_000_000, pendingHtlcs: 0 }, 'B: 50,000 sat forwarded to C');
  t.match(ofC, [{ peer: b.nodeId, status: 'open', localMsat: 50_000_000, remoteMsat: 450_000_000, pendingHtlcs: 0 }], 'C: the 50,000 from A, agreed with B');
}

t.test('A pays C across B on Meshtastic radios through the CLI of real daemons: a link two hops long, chat, a reboot', { skip }, async (t) => {
  const mesh = await startMesh(t);
  const { ether, radio, daemons } = mesh;
  await openChannels(t, mesh);

  // Payment 1, with chat from the relay's owner on the mesh all along.
  const stopChat = chatter(radio.relay.model, 1_500);
  await pay(t, mesh, 30_000);
  const chats = stopChat();
  t.ok(chats > 0, `${chats} chat messages on port 1 from the relay beside it`);

  // Payment 2: B's radio reboots once the HTLC is at B; B's transport greets it again and the link sends the rest.
  const receivedByC = async () => (await peek<Row[]>(mesh.c.config, 'payments')).filter((entry) => entry.direction === 'received' && entry.status === 'succeeded').length;
  await pay(t, mesh, 20_000, async () => {
    const atB = async () => (await peek<Row[]>(mesh.b.config, 'channels')).some((channel) => (channel.pendingHtlcs as number) > 0);
    await eventually('the second HTLC to reach B', async () => ((await atB()) ? true : undefined));
    const receivedBefore = await receivedByC();
    radio.b.model.reboot();
    t.equal(receivedBefore, 1, "C was not paid the second time yet when B's radio rebooted");
  });
  t.equal(radio.b.model.reboots, 1, "B's radio rebooted once");
  t.match(daemons.b.output(), /"link 0: the radio on \S+ rebooted"/, "B's transport saw it reboot (and greeted it again: the payment went on)");
  t.equal(daemons.b.output().match(/"payment forwarded"/g)?.length, 2, 'B forwarded each payment once');
  await balancesExact(t, mesh);

  const chatOnAir = ether.transmissions.filter((sent) => sent.packet.data.portnum === PortNum.textMessage).length;
  const links = await Promise.all([mesh.a, mesh.b, mesh.c].map((node) => peek<Row[]>(node.config, 'links')));
  const radioLinks = links.map((rows) => rows.find((row) => row.transport === 'meshtastic')!);
  const dropped = radioLinks.map((link) => Object.entries(link.dropped as Record<string, number>).filter(([, n]) => n > 0));
  t.same(dropped, [[], [], []], `${chatOnAir} chat packets on the air (the relay's, and B's and C's radios repeating them); no radio link dropped a frame`);
  t.comment(`frames sent by A, B, C on their radios: ${radioLinks.map((link) => link.framesSent).join(', ')}; retransmissions: ${radioLinks.map((link) => link.retransmissions).join(', ')}; ${ether.transmissions.length} packets on the air`);

  for (const node of [daemons.a, daemons.b, daemons.c]) t.equal(await node.stop(), 0, 'a node exits 0');
  t.equal(await daemons.gateway.stop(), 0, 'the gateway exits 0');
  t.notMatch(daemons.a.output() + daemons.b.output() + daemons.c.output(), /"level":50|"level":60/, 'no errors logged by the nodes');
});
