/**
 * The gateway's Lightning side from the command line of a real daemon (issue
 * 17): README.md's "The gateway on the Lightning Network", its `npx lnmesh`
 * lines run in order as a user runs them, each comment's promise checked. A
 * regtest gateway daemon, first without a `lightning:` section (each verb says
 * how to enable it), then with one as the README shows it (the port 0 here, a
 * free one: `lnmesh ln info` says which); its embedded chain answers JSON-RPC
 * on loopback (`chain.rpc`), and in this process an outside LDK node standing
 * for the rest of the Lightning Network follows that same chain through it
 * (`CoreRpcChain`, as a node on Bitcoin Core would), with its own keys and data
 * directory: the README's `<peer id>@<host>:<port>` and `lnbcrt...` are its.
 * Then what the README does not show: an invoice paid twice, bad input, a
 * channel the wallet cannot fund, and a restart (SIGTERM) that keeps the
 * channel and the payments, and reconnects to the outside node by itself.
 */
import { writeFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { peek } from '../../../sim/kit/control-socket.js';
import { type ReadmeStep, readmeSection, readmeSteps } from './readme-steps.js';
import { eventually, initDaemon, must, shortTempDir, startDaemon } from './mesh-cluster.js';
import { lnmeshAsync } from './run-cli.js';
import { type OutsideNode, chainRpcLine, freePort, startOutsideNode } from './outside-node.js';

type Row = Record<string, unknown>;

t.setTimeout(300_000); // room for a stuck step to fail by name (each waits a minute at most) before the file would expire

/** `lnmesh ln VERB --json --config FILE ...`, parsed. */
async function ln<T = Row>(config: string, verb: string, ...args: string[]): Promise<T> {
  return JSON.parse((await must('ln', verb, '--json', '--config', config, ...args)).stdout) as T;
}


t.test("the gateway's Lightning node through lnmesh ln: funded, connected, a channel, payments both ways, a restart", async (t) => {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const gateway = await initDaemon(dir.path, 'gateway', 'gw');
  const rpcPort = await freePort();
  const config = ['network: regtest', 'dataDir: ./gw-data', 'log: { level: info, format: json }', chainRpcLine(rpcPort)];
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

  const walk: Walk = { t, config: gateway.config, outside, filled: { '<peer id>': outsideId, '<host>': '127.0.0.1', '<port>': String(outside.port) } };
  const steps = readmeSteps(readmeSection('The gateway on the Lightning Network'));
  t.equal(steps.length, 11, "the README section's eleven lines");
  for (const step of steps) await walkStep(walk, step);
  const { channelId, preimage, toOutside, sent } = walk;
  const info = await peek(gateway.config, 'lnInfo');

  // What the walk did, seen from both sides.
  t.equal(outside.node.channels()[0]!.channelId, channelId, 'the outside node has the channel');
  const again = await lnmeshAsync('ln', 'pay', '--config', gateway.config, toOutside!.bolt11);
  t.equal(again.status, 2, 'paying the same invoice again is refused as bad input');
  t.match(again.stderr, /bolt11: .*paid or is being paid already/, 'naming the argument');
  t.match(await peek<Row[]>(gateway.config, 'lnPayments'), [
    { direction: 'sent', paymentHash: toOutside!.paymentHash, amountMsat: 20_000_000, state: 'sent', preimage, feeMsat: 0 },
    { direction: 'received', paymentHash: sent!.paymentHash, amountMsat: 10_000_000, state: 'received' },
  ], 'lnmesh ln payments --json lists both, as the table did');
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
  t.match(after, [{ channelId, capacitySat: 500_000, outboundCapacityMsat: before.outboundCapacityMsat }], 'the restarted gateway has its channel and its balance');
  t.equal((await peek<Row[]>(gateway.config, 'lnPayments')).length, 2, 'and its payments');
  t.equal((await peek(gateway.config, 'lnInfo')).nodeId, info.nodeId, 'the same Lightning node id');

  // The restarted gateway dials the peer it has a channel with by itself (its address kept since ln connect): no ln connect needed.
  await eventually('the channel to be usable again by itself', async () => ((await peek<Row[]>(gateway.config, 'lnChannels'))[0]?.usable ? true : undefined));
  t.equal((await peek(gateway.config, 'lnInfo')).peers, 1, 'the gateway reconnected to the outside node');
  t.equal(outside.node.peers().map(bytesToHex).join(), info.nodeId, 'which lists the gateway as its peer');
  const connectAgain = await must('ln', 'connect', '--config', gateway.config, `${outsideId}@127.0.0.1:${outside.port}`);
  t.equal(connectAgain.stdout.trim(), `connected to ${outsideId} at 127.0.0.1:${outside.port}`, 'ln connect to a peer connected already says so, and changes nothing');

  // A cooperative close: the gateway's share lands in its wallet.
  const walletBefore = ((await peek<{ wallet: Row }>(gateway.config, 'lnInfo')).wallet.confirmedSat as number);
  const closing = await must('ln', 'close', '--config', gateway.config, channelId!);
  t.equal(closing.stdout.trim(), `closing ${channelId}: lnmesh ln channels drops it once the close is signed`, 'lnmesh ln close');
  await eventually('the channel to leave the list', async () => ((await peek<Row[]>(gateway.config, 'lnChannels')).length === 0 ? true : undefined));
  t.ok(await eventually('the outside node to see it closed', async () => outside.events.find((event) => event.type === 'channel-closed')), 'closed on the outside node too');
  await eventually('the closing transaction in the mempool, paying the wallet', async () => (((await peek<{ wallet: Row }>(gateway.config, 'lnInfo')).wallet.unconfirmedSat as number) > 0 ? true : undefined));
  await must('mine', '--config', gateway.config, '1');
  const walletAfter = await eventually('the share to reach the wallet', async () => {
    const confirmed = (await peek<{ wallet: Row }>(gateway.config, 'lnInfo')).wallet.confirmedSat as number;
    return confirmed > walletBefore ? confirmed : undefined;
  });
  // The channel's 500,000 sat, less the 20,000 paid out, plus the 10,000 paid in; the gateway opened it, so it pays the closing fee.
  const back = walletAfter - walletBefore;
  t.ok(back > 490_000 - 2_000 && back < 490_000, `the wallet got the gateway's 490,000 sat back less the closing fee (${back} sat: ${490_000 - back} of fee)`);
  t.equal(await daemon.stop(), 0, `the gateway exits 0; it logged last:\n${daemon.output().trimEnd().split('\n').slice(-25).join('\n')}`);
  t.strictSame(errorsLogged(daemon.output()), [], 'no errors logged after the restart');
});

/** The lines a daemon logged at level error or fatal. */
function errorsLogged(output: string): string[] {
  return output.split('\n').filter((line) => /"level":(50|60)/.test(line));
}

/** What the README's lines print, for the lines after them, and what the test checks afterwards. */
interface Walk {
  readonly t: Test;
  readonly config: string;
  readonly outside: OutsideNode;
  /** Placeholders (`<ln address>`) and what fills them. */
  readonly filled: Record<string, string>;
  channelId?: string;
  toOutside?: { bolt11: string; paymentHash: string };
  preimage?: string;
  sent?: { paymentHash: string; preimage: string };
}

/** A README line as the user runs it: placeholders filled, `gw.yaml` the gateway's config, `lnbcrt...` the outside node's invoice. */
function wordsOf(walk: Walk, step: ReadmeStep): string[] {
  const line = step.line.replace(/<[^>]+>/g, (placeholder) => {
    const value = walk.filled[placeholder];
    if (value === undefined) throw new Error(`${step.line}: nothing printed before it fills ${placeholder}`);
    return value;
  });
  return line
    .split(/\s+/)
    .slice(2) // npx lnmesh
    .map((word) => (word === 'gw.yaml' ? walk.config : word === 'lnbcrt...' ? walk.toOutside!.bolt11 : word));
}

/** Runs one README line, then checks what its comment promises (with the outside node's view where it has one). */
async function walkStep(walk: Walk, step: ReadmeStep): Promise<void> {
  const { t, config, outside } = walk;
  // The invoice the README's `lnbcrt...` stands for: the outside node's.
  if (step.line.includes('lnbcrt...')) walk.toOutside = outside.node.createInvoice({ amountMsat: 20_000_000, description: 'from the gateway', expirySecs: 3600 });
  const words = wordsOf(walk, step);
  const run = await must(...words);
  const verb = words[0] === 'ln' ? `ln ${words[1]}` : words[0];
  const out = run.stdout;
  switch (verb) {
    case 'ln info':
      t.match(out, /^node id\s+0[23][0-9a-f]{64}$/m, `${step.line}: the node id`);
      t.match(out, /^listen\s+0[23][0-9a-f]{64}@127\.0\.0\.1:\d+$/m, 'where peers connect, as ID@HOST:PORT');
      t.match(out, /^wallet sat\s+0$/m, 'an empty wallet');
      t.match(out, /^graph\s+0 channels, 0 nodes$/m, 'no graph learnt yet');
      t.match(await peek(config, 'lnInfo'), { network: 'regtest', blockHeight: 432, channels: 0, peers: 0 }, 'a new node at the tip');
      return;
    case 'ln address':
      t.match(out.trim(), /^bcrt1q[0-9a-z]{38}$/, `${step.line}: a regtest P2WPKH address`);
      walk.filled['<ln address>'] = out.trim();
      return;
    case 'faucet':
      return void t.match(out, /^[0-9a-f]{64}$/m, `${step.line}: prints the txid`);
    case 'mine':
      return words.at(-1) === '1' ? walletFunded(walk, step) : channelUsable(walk, step);
    case 'ln connect':
      return void t.equal(out.trim(), `connected to ${walk.filled['<peer id>']} at 127.0.0.1:${outside.port}`, `${step.line}: waits for the handshake`);
    case 'ln open':
      walk.channelId = /^channel ([0-9a-f]{64}) funded: 500000 sat/.exec(out)?.[1];
      t.ok(walk.channelId, `${step.line}: prints the channel id: ${out.trim()}`);
      return fundingSent(walk);
    case 'ln channels':
      return void t.match(out, new RegExp(`^${walk.channelId}\\s+\\S+\\s+usable\\s+500000\\s+\\d+\\s+0\\s+6$`, 'm'), `${step.line}: usable, all of it ours, six confirmations:\n${out}`);
    case 'ln pay':
      return paid(walk, step, out);
    case 'ln invoice':
      return paidByOutside(walk, step, out);
    case 'ln payments':
      t.match(out, /^sent\s+sent\s+20000\s+0\s+[0-9a-f]{64}\s+-$/m, `${step.line}: the payment sent:\n${out}`);
      return void t.match(out, /^received\s+received\s+10000\s+-\s+[0-9a-f]{64}\s+-$/m, 'and the invoice paid');
    default:
      t.fail(`${step.line}: the test does not know this line`);
  }
}

async function walletFunded(walk: Walk, step: ReadmeStep): Promise<void> {
  await eventually('the wallet to count the coins', async () => ((await peek<{ wallet: Row }>(walk.config, 'lnInfo')).wallet.confirmedSat === 1_000_000 ? true : undefined));
  walk.t.pass(`${step.line}: the wallet counts the faucet's 1,000,000 sat`);
}

/** The funding leaves once the peer signed: in the mempool before the README mines its six blocks. */
async function fundingSent(walk: Walk): Promise<void> {
  const txid = await eventually('the funding transaction in the mempool', async () => {
    const outpoint = (await peek<Row[]>(walk.config, 'lnChannels'))[0]?.fundingOutpoint as string | undefined;
    const id = outpoint?.split(':')[0];
    return id && (await walk.outside.chain.status(id)).state === 'mempool' ? id : undefined;
  });
  walk.t.match((await peek<Row[]>(walk.config, 'lnChannels'))[0], { channelId: walk.channelId, peerNodeId: walk.filled['<peer id>'], capacitySat: 500_000, isOutbound: true, fundingOutpoint: `${txid}:0` }, 'funded by the wallet, the channel output first');
}

async function channelUsable(walk: Walk, step: ReadmeStep): Promise<void> {
  await eventually('both sides to see the channel usable', async () => ((await peek<Row[]>(walk.config, 'lnChannels'))[0]?.usable && walk.outside.node.channels()[0]?.usable ? true : undefined));
  walk.t.pass(`${step.line}: the channel is usable on both sides`);
}

/** The gateway paid the outside node's invoice: the preimage it prints is the outside node's, for exactly the amount. */
async function paid(walk: Walk, step: ReadmeStep, out: string): Promise<void> {
  const { t, toOutside } = walk;
  const [, preimage, fee] = /^paid 20000 sat: preimage ([0-9a-f]{64}); fee (\d+) msat$/m.exec(out) ?? [];
  t.ok(preimage, `${step.line}: waits and prints the preimage and fee: ${out.trim()}`);
  t.equal(bytesToHex(sha256(hexToBytes(preimage!))), toOutside!.paymentHash, 'the preimage is the one of the invoice');
  t.equal(fee, '0', 'a direct channel: no routing fee');
  walk.preimage = preimage;
  const claimed = await eventually('the outside node to claim', async () => walk.outside.events.find((event) => event.type === 'payment-claimed' && event.paymentHash === toOutside!.paymentHash));
  t.match(claimed, { amountMsat: 20_000_000 }, 'the outside node received exactly the amount');
}

/** The outside node pays the invoice the gateway printed, with what it was paid. */
async function paidByOutside(walk: Walk, step: ReadmeStep, out: string): Promise<void> {
  const { t } = walk;
  const invoice = out.trim();
  t.match(invoice, /^lnbcrt100u1/, `${step.line}: a regtest BOLT 11 invoice for 100 µBTC`);
  // LDK's payInvoice waits for the preimage without a limit: a minute here, so that a stuck payment fails by name.
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the outside node did not pay the invoice within 60 s')), 60_000)));
  walk.sent = await Promise.race([walk.outside.node.payInvoice(invoice), stuck]).finally(() => clearTimeout(timer));
  t.equal(bytesToHex(sha256(hexToBytes(walk.sent.preimage))), walk.sent.paymentHash, "the outside node holds the gateway's preimage");
  await eventually('the gateway to list the payment received', async () => ((await peek<Row[]>(walk.config, 'lnPayments')).some((payment) => payment.state === 'received') ? true : undefined));
}

