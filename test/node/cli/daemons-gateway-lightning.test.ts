/**
 * The gateway's Lightning side from the command line of a real daemon (issue
 * 17): a regtest gateway daemon whose config has a `lightning:` section (its
 * LDK node listening on a free port) and whose embedded chain answers JSON-RPC
 * on loopback; and, in this process, an outside LDK node standing for the
 * rest of the Lightning Network, on the same chain through that RPC (a
 * `CoreRpcChain`, as a node on Bitcoin Core would follow it), with its own
 * keys and data directory. Through `lnmesh` only: the faucet funds the
 * gateway's wallet (`lnmesh ln address`), the gateway connects and opens a
 * channel (pushing part of it to the outside node), pays the outside node's
 * invoice and is paid its own; `lnmesh ln payments` lists both; the gateway
 * restarted (SIGTERM) still has its channel.
 */
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { CoreRpcChain } from '../../../gateway/chain/core-rpc-chain.js';
import { LightningNode } from '../../../gateway/lightning/lightning-node.js';
import type { LightningEvent } from '../../../gateway/lightning/lightning-events.js';
import { ObservedFeerates } from '../../../node/chain/fee-estimator.js';
import { peek } from '../../../sim/kit/control-socket.js';
import { RegtestTestWallet } from '../../gateway/lightning/regtest-test-wallet.js';
import { eventually, initDaemon, must, shortTempDir, startDaemon } from './mesh-cluster.js';
import { lnmeshAsync } from './run-cli.js';

type Row = Record<string, unknown>;

t.setTimeout(180_000);

const RPC_PASSWORD = 'lnmesh-test-rpc';
const CAPACITY_SAT = 500_000;
const PUSH_MSAT = 100_000_000;

/** `lnmesh ln VERB --json --config FILE ...`, parsed. */
async function ln<T = Row>(config: string, verb: string, ...args: string[]): Promise<T> {
  return JSON.parse((await must('ln', verb, '--json', '--config', config, ...args)).stdout) as T;
}

/** A port free now: bcoin's HTTP server takes its port from the config, so the test chooses one. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The outside node: LDK on the gateway's chain over its JSON-RPC, listening on a free port. */
async function startOutsideNode(t: Test, rpcPort: number) {
  const chain = new CoreRpcChain({ url: `http://127.0.0.1:${rpcPort}/`, credentials: { user: 'outside', password: RPC_PASSWORD }, pollIntervalMs: 200 });
  await chain.open();
  t.teardown(() => chain.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'lnmesh-outside-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const node = await LightningNode.create(
    { chain, wallet: new RegtestTestWallet([]), feeEstimator: new ObservedFeerates(), broadcaster: { broadcast: (tx) => void chain.broadcast(tx) } },
    { seed: new Uint8Array(32).fill(7), network: 'regtest', dataDir, listen: { host: '127.0.0.1', port: 0 } },
  );
  t.teardown(() => node.stop());
  const events: LightningEvent[] = [];
  node.on('event', (event) => events.push(event));
  return { node, chain, events, port: await node.listen() };
}

t.test("the gateway's Lightning node through lnmesh ln: funded, connected, a channel, payments both ways, a restart", async (t) => {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const gateway = await initDaemon(dir.path, 'gateway', 'gw');
  const rpcPort = await freePort();
  const config = ['network: regtest', 'dataDir: ./gw-data', 'log: { level: info, format: json }', `chain: { backend: embedded, rpc: { port: ${rpcPort}, password: ${RPC_PASSWORD} } }`];
  writeFileSync(gateway.config, `${config.join('\n')}\n`);
  // Without a lightning: section, each verb says how to enable it.
  let daemon = await startDaemon('gateway', gateway.config);
  t.teardown(() => daemon.stop());
  const disabled = await lnmeshAsync('ln', 'address', '--config', gateway.config);
  t.equal(disabled.status, 1, 'no lightning: section, no Lightning node');
  t.match(disabled.stderr, /this gateway runs no Lightning node: add a lightning: section to .*gw\.yaml .* and restart the gateway/, 'the verb says how to enable it');
  t.equal(await daemon.stop(), 0);
  // Enabled as the README says (a free port here: lnmesh ln info says which), and the gateway restarted.
  writeFileSync(gateway.config, `${[...config, 'lightning:', '  listen: 127.0.0.1:0'].join('\n')}\n`);
  daemon = await startDaemon('gateway', gateway.config);
  const outside = await startOutsideNode(t, rpcPort);
  const outsideId = bytesToHex(outside.node.nodeId);

  const info = await ln(gateway.config, 'info');
  t.match(info, { nodeId: /^0[23][0-9a-f]{64}$/, listen: /^127\.0\.0\.1:\d+$/, network: 'regtest', channels: 0, peers: 0, wallet: { confirmedSat: 0, unconfirmedSat: 0 } }, 'lnmesh ln info: a new node and an empty wallet');
  t.not(info.nodeId, gateway.nodeId, "the Lightning node id is its own, derived from the gateway's key");

  // Coins for the gateway's wallet from the regtest faucet.
  const address = (await must('ln', 'address', '--config', gateway.config)).stdout.trim();
  t.match(address, /^bcrt1q[0-9a-z]{38}$/, 'lnmesh ln address prints a regtest P2WPKH address');
  await must('faucet', '--config', gateway.config, address, '1000000');
  await must('mine', '--config', gateway.config, '1');
  await eventually('the wallet to count the coins', async () => ((await peek<{ wallet: Row }>(gateway.config, 'lnInfo')).wallet.confirmedSat === 1_000_000 ? true : undefined));

  // Connect and open, pushing part of the channel so that the outside node can pay back.
  const connected = await must('ln', 'connect', '--config', gateway.config, `${outsideId}@127.0.0.1:${outside.port}`);
  t.equal(connected.stdout.trim(), `connected to ${outsideId} at 127.0.0.1:${outside.port}`, 'lnmesh ln connect waits for the handshake');
  const opened = await must('ln', 'open', '--config', gateway.config, outsideId, String(CAPACITY_SAT), '--push-msat', String(PUSH_MSAT));
  const channelId = /^channel ([0-9a-f]{64}) funded: 500000 sat/.exec(opened.stdout)?.[1];
  t.ok(channelId, `lnmesh ln open prints the channel id: ${opened.stdout.trim()}`);
  const fundingTxid = await eventually('the funding transaction in the mempool', async () => {
    const outpoint = (await peek<Row[]>(gateway.config, 'lnChannels'))[0]?.fundingOutpoint as string | undefined;
    const txid = outpoint?.split(':')[0];
    return txid && (await outside.chain.status(txid)).state === 'mempool' ? txid : undefined;
  });
  await must('mine', '--config', gateway.config, '6');
  await eventually('both sides to see the channel usable', async () => ((await peek<Row[]>(gateway.config, 'lnChannels'))[0]?.usable && outside.node.channels()[0]?.usable ? true : undefined));
  const channels = await must('ln', 'channels', '--config', gateway.config);
  t.match(channels.stdout, new RegExp(`^${channelId}\\s+\\S+\\s+usable\\s+500000\\s+\\d+\\s+\\d+\\s+\\d+$`, 'm'), `lnmesh ln channels shows it usable:\n${channels.stdout}`);
  const [row] = await ln<Row[]>(gateway.config, 'channels');
  t.match(row, { channelId, peerNodeId: outsideId, capacitySat: CAPACITY_SAT, isOutbound: true, fundingOutpoint: new RegExp(`^${fundingTxid}:\\d$`) }, 'its JSON: ours, to the outside node, funded by the wallet');
  t.equal(outside.node.channels()[0]!.inboundCapacityMsat + outside.node.channels()[0]!.outboundCapacityMsat > 0, true, 'the outside node has it too');

  // The gateway pays the outside node's invoice: the preimage it prints is the outside node's, for exactly the amount.
  const toOutside = outside.node.createInvoice({ amountMsat: 20_000_000, description: 'from the gateway', expirySecs: 3600 });
  const paid = await must('ln', 'pay', '--config', gateway.config, toOutside.bolt11);
  const [, preimage, fee] = /^paid 20000 sat: preimage ([0-9a-f]{64}); fee (\d+) msat$/m.exec(paid.stdout) ?? [];
  t.ok(preimage, `lnmesh ln pay waits and prints the preimage and fee: ${paid.stdout.trim()}`);
  t.equal(bytesToHex(sha256(hexToBytes(preimage!))), toOutside.paymentHash, 'the preimage is the one of the invoice');
  t.equal(fee, '0', 'a direct channel: no routing fee');
  const claimed = await eventually('the outside node to claim', async () => outside.events.find((event) => event.type === 'payment-claimed' && event.paymentHash === toOutside.paymentHash));
  t.match(claimed, { amountMsat: 20_000_000 }, 'the outside node received exactly the amount');
  const again = await lnmeshAsync('ln', 'pay', '--config', gateway.config, toOutside.bolt11);
  t.equal(again.status, 2, 'paying the same invoice again is refused as bad input');
  t.match(again.stderr, /bolt11: .*paid or is being paid already/, 'naming the argument');

  // The outside node pays the gateway's invoice.
  const invoice = (await must('ln', 'invoice', '--config', gateway.config, '15000', '--description', 'from outside')).stdout.trim();
  t.match(invoice, /^lnbcrt150u1/, 'lnmesh ln invoice prints a regtest BOLT 11 invoice for 150 µBTC');
  const sent = await outside.node.payInvoice(invoice);
  await eventually('the gateway to list the payment received', async () => ((await peek<Row[]>(gateway.config, 'lnPayments')).some((payment) => payment.state === 'received') ? true : undefined));
  const payments = await peek<Row[]>(gateway.config, 'lnPayments');
  t.match(payments, [
    { direction: 'sent', paymentHash: toOutside.paymentHash, amountMsat: 20_000_000, state: 'sent', preimage, feeMsat: 0 },
    { direction: 'received', paymentHash: sent.paymentHash, amountMsat: 15_000_000, state: 'received', description: 'from outside' },
  ], 'lnmesh ln payments lists both');
  t.equal(payments.length, 2);
  t.equal(bytesToHex(sha256(hexToBytes(sent.preimage))), sent.paymentHash, "the outside node holds the gateway's preimage");
  const table = (await must('ln', 'payments', '--config', gateway.config)).stdout;
  t.match(table, /^sent\s+sent\s+20000\s+0\s+[0-9a-f]{64}\s+-$/m, 'the table: the payment sent');
  t.match(table, /^received\s+received\s+15000\s+-\s+[0-9a-f]{64}\s+from outside$/m, 'and the invoice paid');
  const before = (await peek<Row[]>(gateway.config, 'lnChannels'))[0]!;
  t.equal(before.outboundCapacityMsat, (await eventually('balances to settle', async () => {
    const ours = (await peek<Row[]>(gateway.config, 'lnChannels'))[0]!;
    return outside.node.channels()[0]!.inboundCapacityMsat === ours.outboundCapacityMsat ? ours.outboundCapacityMsat : undefined;
  })) as number, 'both sides agree on what the gateway can send');

  // Bad input changes nothing and names what is wrong.
  const stranger = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'; // secp256k1's generator: a valid key nobody here holds
  const [badInvoice, notConnected, tooMuch] = await Promise.all([
    lnmeshAsync('ln', 'pay', '--config', gateway.config, 'lnbcrt1notaninvoice'),
    lnmeshAsync('ln', 'open', '--config', gateway.config, stranger, '100000'),
    lnmeshAsync('ln', 'open', '--config', gateway.config, outsideId, '900000'), // the wallet holds about 500,000 sat
  ]);
  t.equal(badInvoice.status, 2, 'an unreadable invoice: exit 2');
  t.match(badInvoice.stderr, /^lnmesh: bolt11: not a BOLT 11 invoice/m);
  t.equal(notConnected.status, 2, 'a channel to a node not connected: exit 2');
  t.match(notConnected.stderr, /nodeId: .* is not connected: lnmesh ln connect/, 'saying what to do first');
  t.equal(tooMuch.status, 1, 'a channel the wallet cannot fund fails');
  t.match(tooMuch.stderr, /^lnmesh: .*the wallet cannot fund it: the wallet has \d+ sat it can spend but this needs \d+ sat/m, `saying it is the wallet, and by how much: ${tooMuch.stderr.trim()}`);
  t.equal((await peek<Row[]>(gateway.config, 'lnChannels')).length, 1, 'still the one channel');

  // The gateway stopped and started again still has its channel, and its payments.
  t.equal(await daemon.stop(), 0, 'the gateway exits 0 on SIGTERM');
  // LDK logs as an error the drop of the channel the wallet could not fund (never signed, nothing on chain): that one only.
  const [drop, ...errors] = errorsLogged(daemon.output());
  t.match(drop, /ldk: Force-closing channel [0-9a-f]{64}/, 'the unfunded channel dropped');
  t.notMatch(drop, channelId!, 'not the open one');
  t.strictSame(errors, [], 'no other error logged');
  daemon = await startDaemon('gateway', gateway.config);
  const after = await ln<Row[]>(gateway.config, 'channels');
  t.match(after, [{ channelId, capacitySat: CAPACITY_SAT, outboundCapacityMsat: before.outboundCapacityMsat }], 'the restarted gateway has its channel and its balance');
  t.equal((await peek<Row[]>(gateway.config, 'lnPayments')).length, 2, 'and its payments');
  t.equal((await peek(gateway.config, 'lnInfo')).nodeId, info.nodeId, 'the same Lightning node id');
  t.equal(await daemon.stop(), 0, 'the gateway exits 0');
  t.strictSame(errorsLogged(daemon.output()), [], 'no errors logged after the restart');
});

/** The lines a daemon logged at level error or fatal. */
function errorsLogged(output: string): string[] {
  return output.split('\n').filter((line) => /"level":(50|60)/.test(line));
}
