/**
 * The gateway funds a mesh channel to a node (issue 17): the node's inbound
 * liquidity, as an LSP gives its client. Real daemons from the command line:
 * a regtest gateway running its Lightning node, a node daemon A beside it on
 * MQTT that never deposits and never pays, and an outside LDK node in this
 * process with a channel from the gateway.
 * - Without coins in its mesh channels' wallet, `lnmesh open` on the gateway
 *   is refused, saying what it holds and how to add; nothing is opened.
 * - `lnmesh wallet fund-channels` moves coins from the gateway's on-chain
 *   wallet (kept across a restart); `lnmesh open A ... --wait` on the gateway opens the channel
 *   (its funding spends that coin unconfirmed: both confirm together).
 * - The outside node pays A's public invoice; A, which held nothing, gets
 *   exactly the amount, and the gateway's side of the channel gave exactly it.
 * - Closed by the gateway, the channel pays A's wallet the 5,000 sat and the
 *   gateway's channel wallet the rest, less the fee it paid as funder.
 */
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { mqttBrokerUrl } from '../../transports/broker.js';
import { peek } from '../../../sim/kit/control-socket.js';
import { eventually, initDaemon, mineUntil, must, shortTempDir, startDaemon, writeGatewayConfig, writeNodeConfig } from './mesh-cluster.js';
import { lnmeshAsync } from './run-cli.js';
import { chainRpcLine, freePort, startOutsideNode } from './outside-node.js';

type Row = Record<string, unknown>;
type Wallet = { address: string; satoshis: number; coins: { txid: string; vout: number; satoshis: number }[] };

t.setTimeout(300_000); // room for a stuck step to fail by name (each waits a minute at most) before the file would expire

t.test('the gateway funds a channel to a node, which is then paid from the Lightning Network at once', async (t) => {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const mqttUrl = await mqttBrokerUrl(t);
  const [gateway, a] = await Promise.all([initDaemon(dir.path, 'gateway', 'gw'), initDaemon(dir.path, 'node', 'a')]);
  const topicPrefix = `gateway-funds-${process.pid}`;
  const rpcPort = await freePort();
  writeGatewayConfig(gateway, mqttUrl, topicPrefix, [{ node: a, address: 'a' }], {}, [chainRpcLine(rpcPort), 'lightning:', '  listen: 127.0.0.1:0']);
  writeNodeConfig(a, gateway, { mqtt: { url: mqttUrl, topicPrefix, neighbours: [{ node: gateway, address: 'gw' }] } }, {}, [], '5s');
  let gatewayDaemon = await startDaemon('gateway', gateway.config);
  t.teardown(() => gatewayDaemon.stop());
  const nodeA = await startDaemon('node', a.config);
  t.teardown(() => nodeA.stop());
  const outside = await startOutsideNode(t, rpcPort);

  // Coins for the gateway's on-chain wallet only: A's wallet stays empty.
  const lnAddress = JSON.parse((await must('ln', 'address', '--json', '--config', gateway.config)).stdout).address as string;
  await peek(gateway.config, 'faucet', { address: lnAddress, satoshis: 2_000_000 });
  await peek(gateway.config, 'mine', { blocks: 1 });
  await eventually("the gateway's on-chain wallet to see its coins", async () => ((await peek<{ wallet: { confirmedSat: number } }>(gateway.config, 'lnInfo')).wallet.confirmedSat === 2_000_000 ? true : undefined));

  // Nothing to fund it from yet: refused, saying what it holds and how to add.
  const tooPoor = await lnmeshAsync('open', '--config', gateway.config, a.nodeId, '300000');
  t.equal(tooPoor.status, 2, 'bad input: exit 2');
  t.match(tooPoor.stderr, /holds 0 sat.*lnmesh wallet fund-channels/, `says what it holds and the verb that adds: ${tooPoor.stderr.trim()}`);
  t.same(await peek(gateway.config, 'channels'), [], 'and opens nothing');
  const tooMuch = await lnmeshAsync('wallet', 'fund-channels', '5000000', '--config', gateway.config);
  t.equal(tooMuch.status, 2, 'more than the on-chain wallet holds: exit 2');
  t.match(tooMuch.stderr, /satoshis: .*2000000 sat/, `names what the on-chain wallet holds: ${tooMuch.stderr.trim()}`);
  t.equal((await peek<Wallet>(gateway.config, 'wallet')).satoshis, 0, 'and moves nothing');

  // The mesh channels' wallet gets 400,000 sat, counted at once.
  const funded = JSON.parse((await must('wallet', 'fund-channels', '400000', '--json', '--config', gateway.config)).stdout) as { txid: string; satoshis: number; walletSatoshis: number };
  t.match(funded, { satoshis: 400_000, walletSatoshis: 400_000 }, 'lnmesh wallet fund-channels: the coin counts at once');
  t.match(await peek(gateway.config, 'status'), { walletSatoshis: 400_000 }, 'lnmesh status on the gateway shows it too');
  const shown = await must('wallet', '--config', gateway.config);
  t.match(shown.stdout, /satoshis\s+400000/, `lnmesh wallet on the gateway shows it: ${shown.stdout.trim()}`);
  const onChain = (await peek<{ wallet: { confirmedSat: number; unconfirmedSat: number } }>(gateway.config, 'lnInfo')).wallet;
  const fee = 2_000_000 - 400_000 - onChain.confirmedSat - onChain.unconfirmedSat;
  t.ok(fee > 0 && fee < 2_000, `the on-chain wallet paid 400,000 sat and a fee of ${fee} sat`);

  // Kept across a restart, unconfirmed still.
  t.equal(await gatewayDaemon.stop(), 0, 'the gateway stops');
  gatewayDaemon = await startDaemon('gateway', gateway.config);
  t.same((await peek<Wallet>(gateway.config, 'wallet')).coins, [{ txid: funded.txid, vout: 0, satoshis: 400_000 }], 'restarted, the channel wallet holds the same coin');

  // The gateway opens to A (and to the outside node, which pays in later).
  const opening = lnmeshAsync('open', '--config', gateway.config, a.nodeId, '300000', '--wait', '--timeout', '2m');
  let opened: Awaited<typeof opening> | undefined;
  void opening.then((run) => (opened = run));
  const outsideId = bytesToHex(outside.node.nodeId);
  await must('ln', 'connect', '--config', gateway.config, `${outsideId}@127.0.0.1:${outside.port}`);
  await must('ln', 'open', '--config', gateway.config, outsideId, '500000', '--push-msat', '200000000');
  await mineUntil(gateway.config, 'both channels to open', async () => (opened && (await peek<Row[]>(gateway.config, 'lnChannels'))[0]?.usable === true ? true : undefined));
  t.equal(opened!.status, 0, `lnmesh open --wait on the gateway: ${opened!.stdout.trim()}${opened!.stderr.trim()}`);
  const channel = await eventually('A to see the channel open', async () => (await peek<Row[]>(a.config, 'channels')).find((row) => row.status === 'open'));
  t.match(channel, { peer: gateway.nodeId, capacitySatoshis: 300_000, localMsat: 0, localIsFunder: false }, 'A holds nothing in it: all is the gateway\'s');
  const gatewaySide = (await peek<Row[]>(gateway.config, 'channels'))[0]!;
  t.match(gatewaySide, { peer: a.nodeId, status: 'open', localMsat: 300_000_000, localIsFunder: true, fundingTxid: channel!.fundingTxid }, "the gateway's side");
  const left = await peek<Wallet>(gateway.config, 'wallet');
  t.same(left.coins.map((coin) => coin.txid), [channel!.fundingTxid], "the channel wallet's change is the funding transaction's");
  t.ok(left.satoshis > 90_000 && left.satoshis < 100_000, `400,000 sat less the channel and its fee: ${left.satoshis} sat`);

  // The outside node pays A's public invoice: A never paid out, yet it is paid.
  const bolt11 = JSON.parse((await must('invoice', '--public', '5000', '--json', '--config', a.config)).stdout).paymentRequest as string;
  const sent = await outside.node.payInvoice(bolt11);
  t.equal(sent.paymentHash, bytesToHex(sha256(hexToBytes(sent.preimage))), 'the outside node learned the preimage');
  const received = await eventually('A to list the payment received', async () => (await peek<Row[]>(a.config, 'payments')).find((row) => row.paymentHash === sent.paymentHash && row.status === 'succeeded'));
  t.match(received, { direction: 'received', amountMsat: 5_000_000 }, 'A got exactly its 5,000 sat');
  await eventually('both sides of the channel to settle', async () => ((await peek<Row[]>(a.config, 'channels'))[0]!.pendingHtlcs === 0 && (await peek<Row[]>(gateway.config, 'channels'))[0]!.pendingHtlcs === 0 ? true : undefined));
  t.match((await peek<Row[]>(a.config, 'channels'))[0], { localMsat: 5_000_000, remoteMsat: 295_000_000 }, "A's side: exactly the 5,000 sat");
  t.match((await peek<Row[]>(gateway.config, 'channels'))[0], { localMsat: 295_000_000, remoteMsat: 5_000_000 }, "the gateway's side: exactly 5,000 sat less");
  t.same((await peek<Row[]>(a.config, 'payments')).filter((row) => row.direction === 'sent'), [], 'A never paid out');
  t.equal((await peek<Wallet>(a.config, 'wallet')).satoshis, 0, "A's wallet was never funded");

  // Closed by the gateway: its side comes back to its channel wallet, A's 5,000 sat to A's wallet.
  const before = (await peek<Wallet>(gateway.config, 'wallet')).satoshis;
  const closing = lnmeshAsync('close', '--config', gateway.config, a.nodeId, String(gatewaySide.handle), '--wait', '--timeout', '1m');
  const back = await mineUntil(gateway.config, "the close to pay both wallets", async () => {
    const wallet = await peek<Wallet>(gateway.config, 'wallet');
    return wallet.coins.length === 2 && (await peek<Wallet>(a.config, 'wallet')).satoshis > 0 ? wallet : undefined;
  });
  t.equal((await closing).status, 0, 'lnmesh close --wait on the gateway');
  t.equal((await peek<Wallet>(a.config, 'wallet')).satoshis, 5_000, "A's wallet: exactly the 5,000 sat it was paid");
  const closeFee = 300_000 - 5_000 - (back.satoshis - before);
  t.ok(closeFee > 0 && closeFee < 2_000, `the gateway's channel wallet got the rest, less the fee it paid as funder (${closeFee} sat)`);
  t.equal(await nodeA.stop(), 0, 'A exits 0');
  t.equal(await gatewayDaemon.stop(), 0, 'the gateway exits 0');
  t.notMatch(nodeA.output(), /"level":50|"level":60/, 'no errors logged by A');
  t.notMatch(gatewayDaemon.output(), /"level":50|"level":60/, 'no errors logged by the gateway');
});
