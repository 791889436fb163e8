/**
 * HTLC deadlines on chain, from the command line: a regtest gateway daemon
 * and three node daemons in a line (A - B - C, all on MQTT), driven only by
 * `lnmesh` (the waits read the daemons' control sockets), with node B killed
 * (SIGKILL) and restarted between the steps.
 *
 * A node restarted while the gateway is down holds the payments made to it:
 * it settles only once the gateway tells it the chain's height (an HTLC may
 * have expired meanwhile). That is how the test makes a payee hold an HTLC
 * and then vanish, without reaching into a daemon.
 *
 * - The payee goes for ever (C, killed while it holds A's payment): the
 *   forwarder (B) takes its channel with C on chain at the HTLC's expiry,
 *   its HTLC-timeout confirms, and it fails the payment back to A off chain.
 *   A's channel stays open and A loses nothing; after C's delay B's wallet
 *   gets the HTLC's amount back, less the fees.
 * - The payer goes silent (A, killed while B holds its payment): B, given
 *   the chain again, settles it, hears nothing back, and goes on chain
 *   before the expiry with its preimage; after A's delay its wallet gets
 *   the amount, less the fees.
 *
 * A short policy (a 40-block horizon and a margin of 8) keeps the chain short.
 */
import t, { type Test } from 'tap';
import { paymentRequestFromText } from '../../../node/channel/payment-request.js';
import type { ClaimSummary, OnchainSummary } from '../../../node/monitor/channel-monitor.js';
import { channelPolicy, delaysFor } from '../../../node/channel/policy.js';
import { mqttBrokerUrl } from '../../transports/broker.js';
import { peek } from '../../../sim/kit/control-socket.js';
import { ANCHOR_OUTPUT_SATOSHIS, commitmentFee } from '../../../node/bolt3/fees.js';
import { COMMITMENT_FEERATE_PER_KW, delayedSweepFee, feeBumps, htlcWalletFee, sweepPaid } from './claim-fees.js';
import { type ClusterNode, type Read, ask, eventually, initDaemon, mineUntil, must, shortTempDir, startDaemon, startDaemons, writeGatewayConfig, writeNodeConfig } from './mesh-cluster.js';
import type { Daemon } from './run-cli.js';

type Row = Record<string, unknown>;
type Name = 'a' | 'b' | 'c';
t.setTimeout(600_000);

const HORIZON = { offlineHorizonBlocks: 40, marginBlocks: 8 };
const SHORT_POLICY = [`channels: { offlineHorizonBlocks: ${HORIZON.offlineHorizonBlocks}, marginBlocks: ${HORIZON.marginBlocks} }`];
/** B, the forwarder, charges 2 sat and 100 ppm per payment it forwards: 7 sat on the 50,000 sat A pays C. */
const FORWARDER_POLICY = [`channels: { offlineHorizonBlocks: ${HORIZON.offlineHorizonBlocks}, marginBlocks: ${HORIZON.marginBlocks}, forwardingFee: { baseMsat: 2000, proportionalMillionths: 100 } }`];
const FORWARDING_FEE_MSAT = 2000 + (50_000_000 * 100) / 1e6;
/** The delay each node imposes on its counterparty's outputs (48 blocks): on B's HTLC transactions' outputs here. */
const DELAY = delaysFor(channelPolicy(HORIZON)).toSelfDelay;

t.test('a payee gone for ever and a payer gone silent: the HTLCs resolve on chain, nobody loses', async (t) => {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const mqttUrl = await mqttBrokerUrl(t);
  const [gateway, a, b, c] = await Promise.all([initDaemon(dir.path, 'gateway', 'gw'), initDaemon(dir.path, 'node', 'a'), initDaemon(dir.path, 'node', 'b'), initDaemon(dir.path, 'node', 'c')]);
  const nodes: Record<Name, ClusterNode> = { a, b, c };
  const topicPrefix = `htlc-${process.pid}`;
  const on = (...names: ClusterNode[]) => ({ mqtt: { url: mqttUrl, topicPrefix, neighbours: [{ node: gateway, address: 'gw' }, ...names.map((node) => ({ node, address: node.name }))] } });
  writeGatewayConfig(gateway, mqttUrl, topicPrefix, [a, b, c].map((node) => ({ node, address: node.name })));
  writeNodeConfig(a, gateway, on(b), { [c.nodeId]: b.nodeId }, SHORT_POLICY);
  writeNodeConfig(b, gateway, on(a, c), {}, FORWARDER_POLICY);
  writeNodeConfig(c, gateway, on(b), { [a.nodeId]: b.nodeId }, SHORT_POLICY);

  let gatewayDaemon = await startDaemon('gateway', gateway.config);
  t.teardown(() => gatewayDaemon.stop());
  const daemons: Partial<Record<Name, Daemon>> = {};
  [daemons.a, daemons.b, daemons.c] = await startDaemons('node', [a.config, b.config, c.config]);
  t.teardown(() => Promise.all(Object.values(daemons).map((daemon) => daemon.stop())));
  // The logs of the daemons killed on the way, for what they did before (a fee bump).
  const killedLogs: string[] = [];
  const restart = async (name: Name) => {
    await daemons[name]!.kill();
    killedLogs.push(daemons[name]!.output());
    daemons[name] = await startDaemon('node', nodes[name].config);
  };
  const gone = async (name: Name) => {
    await daemons[name]!.kill();
    killedLogs.push(daemons[name]!.output());
    delete daemons[name];
  };
  /** Whether a claim confirmed as first signed, not as a fee bump (RBF) of it: every log so far names the bumps. */
  const firstVersion = (claim: ClaimSummary) => !feeBumps([...killedLogs, ...Object.values(daemons).map((daemon) => daemon.output())].join('\n')).includes(claim.txid);
  const mine = (blocks: number) => must('mine', '--config', gateway.config, String(blocks));
  // What the test checks it reads through `lnmesh` (`ask`); its waits read the control socket (`peek`).
  const wallet = async (name: Name, read: Read = ask) => (await read(nodes[name].config, 'wallet')).satoshis as number;
  const channelWith = async (name: Name, peer: ClusterNode, read: Read = ask) => (await read<Row[]>(nodes[name].config, 'channels')).find((row) => row.peer === peer.nodeId)!;
  const paymentOf = async (name: Name, paymentHash: string, read: Read = ask) => (await read<Row[]>(nodes[name].config, 'payments')).find((row) => row.paymentHash === paymentHash);
  const claimsOf = async (name: Name, peer: ClusterNode, read: Read = ask) => ((await channelWith(name, peer, read)).onchain as OnchainSummary | undefined)?.claims ?? [];
  /** Mines `step` blocks at a time until a claim of `name` on its channel with `peer`, its description matching, is confirmed. */
  const mineUntilConfirmed = (what: string, name: Name, peer: ClusterNode, matches: (description: string) => boolean, step: number) =>
    mineUntil(
      gateway.config,
      what,
      async () => ((await claimsOf(name, peer, peek)).some((claim) => matches(claim.description) && claim.state === 'confirmed') ? true : undefined),
      step,
      180_000,
    );

  // Coins for A and B; channels A - B and B - C of 500,000 sat, each opened by the one on the left.
  for (const name of ['a', 'b'] as const) {
    const address = (await ask(nodes[name].config, 'wallet')).address as string;
    await must('deposit', '--config', nodes[name].config, (await must('faucet', '--config', gateway.config, address, '1000000')).stdout.trim());
  }
  await mine(1);
  await eventually('the deposits to count', async () => ((await wallet('a', peek)) === 1_000_000 && (await wallet('b', peek)) === 1_000_000 ? true : undefined));
  await ask(a.config, 'open', b.nodeId, '500000');
  await ask(b.config, 'open', c.nodeId, '500000');
  await mineUntil(gateway.config, 'both channels to open on both sides', async () => {
    const statuses = [await channelWith('a', b, peek), await channelWith('b', a, peek), await channelWith('b', c, peek), await channelWith('c', b, peek)].map((row) => row?.status);
    return statuses.every((status) => status === 'open') ? true : undefined;
  });

  await t.test('the payee goes for ever: the forwarder times the HTLC out on chain and fails it back', async (t) => {
    const bStart = await ask(b.config, 'wallet');
    t.equal((bStart.coins as unknown[]).length, 1, "B's wallet holds one coin, its funding's change: it will pay the HTLC-timeout's fee alone");
    // C comes back while the gateway is down: it holds what it is paid until it knows the height.
    await gatewayDaemon.stop();
    await restart('c');
    const invoice = await ask(c.config, 'invoice', '50000');
    const paymentHash = invoice.paymentHash as string;
    const aBefore = (await channelWith('a', b)).localMsat as number;
    // A pays the payee's 50,000 sat and B's fee on top, as B told A when their channel opened.
    const paying = await must('pay', '--config', a.config, invoice.paymentRequest as string);
    t.match(paying.stdout, new RegExp(`^paying ${paymentHash} \\(fee ${FORWARDING_FEE_MSAT} msat\\)`), `lnmesh pay shows the forwarding fee: ${FORWARDING_FEE_MSAT} msat`);
    t.match(await paymentOf('a', paymentHash), { direction: 'sent', status: 'pending', amountMsat: 50_000_000, feeMsat: FORWARDING_FEE_MSAT }, 'and lnmesh payments lists it');
    await eventually('the HTLC to be committed to C', async () => (((await channelWith('c', b, peek)).pendingHtlcs as number) === 1 ? true : undefined));
    t.match(await channelWith('a', b), { localMsat: aBefore - 50_000_000 - FORWARDING_FEE_MSAT, pendingHtlcs: 1 }, "A's HTLC to B holds the amount and B's fee");
    t.match(await channelWith('c', b), { remoteMsat: 450_000_000, pendingHtlcs: 1 }, "B's HTLC to C holds the payee's 50,000 sat: B keeps its fee");
    t.match(await paymentOf('c', paymentHash), { direction: 'received', status: 'pending' }, 'C holds it: it has not seen the chain since its restart');
    await gone('c');
    gatewayDaemon = await startDaemon('gateway', gateway.config);
    await restart('b');

    // Blocks pass; at the expiry B takes its channel with C on chain, and its HTLC-timeout confirms.
    await mineUntilConfirmed('B to time the HTLC out on chain', 'b', c, (description) => description.startsWith('htlc-timeout'), 10);
    t.match(await channelWith('b', c), { status: 'force_closed' }, "B's channel with C is closed on chain");
    await restart('b');
    await mineUntil(gateway.config, 'the payment to fail back to A', async () => ((await paymentOf('a', paymentHash, peek))?.status === 'failed' ? true : undefined));
    t.match(await channelWith('a', b), { status: 'open', localMsat: aBefore, pendingHtlcs: 0 }, "A's channel stays open, with all of A's balance: B's fee came back too");

    // After C's delay on B's outputs, B sweeps the HTLC's output back to its wallet.
    const bBefore = await wallet('b');
    await mineUntilConfirmed("B to sweep the timed-out HTLC's output", 'b', c, (description) => description === 'htlc-timeout output', 25);
    const claims = await claimsOf('b', c);
    const timeout = claims.find((claim) => claim.description.startsWith('htlc-timeout') && claim.description !== 'htlc-timeout output')!;
    const output = claims.find((claim) => claim.description === 'htlc-timeout output')!;
    t.equal(timeout.inputSatoshis, 50_000, "B's HTLC-timeout took the HTLC's 50,000 sat");
    t.equal(timeout.satoshis, 50_000, "and paid all of it to its output: with anchors B's wallet pays the HTLC-timeout's fee");
    t.equal(output.unlocksAt! - timeout.confirmedAt!, DELAY, `its output is B's after C's delay of ${DELAY} blocks`);
    const fee = delayedSweepFee(DELAY);
    sweepPaid(t, output, 50_000 - fee, firstVersion(output), `and B's wallet got it back less the sweep's fee (${fee}): ${output.satoshis} sat`);
    await eventually("B's wallet to count it", async () => ((await wallet('b', peek)) >= bBefore + output.satoshis ? true : undefined));

    // B's whole account of the close: its to_local back after C's delay, the HTLC back, the fees on the way.
    await mineUntilConfirmed("B's to_local sweep to confirm", 'b', c, (description) => description === 'to_local', 1);
    const toLocal = (await claimsOf('b', c)).find((claim) => claim.description === 'to_local')!;
    const closeFee = commitmentFee('anchors', COMMITMENT_FEERATE_PER_KW, 1);
    t.equal(toLocal.inputSatoshis, 500_000 - 50_000 - closeFee - 2 * ANCHOR_OUTPUT_SATOSHIS, `B's to_local took its 500,000 sat less the HTLC, the commitment fee (${closeFee}) and the two anchors`);
    sweepPaid(t, toLocal, toLocal.inputSatoshis! - fee, firstVersion(toLocal), `and paid it less the sweep's fee (${fee})`);
    const timeoutFee = htlcWalletFee('htlc-timeout', 1);
    const expected = (bStart.satoshis as number) - timeoutFee + toLocal.satoshis + output.satoshis;
    await walletExactly(t, c, expected, `B's wallet: its coin less the HTLC-timeout's fee (${timeoutFee}), plus both sweeps`);
  });

  await t.test('the payer goes silent: the payee claims the HTLC on chain with its preimage, before the expiry', async (t) => {
    const bStart = await wallet('b');
    await gatewayDaemon.stop();
    await restart('b');
    const invoice = await ask(b.config, 'invoice', '70000');
    const paymentHash = invoice.paymentHash as string;
    await ask(a.config, 'pay', invoice.paymentRequest as string);
    await eventually('the HTLC to be committed to B', async () => (((await channelWith('b', a, peek)).pendingHtlcs as number) === 1 ? true : undefined));
    t.match(await paymentOf('b', paymentHash), { direction: 'received', status: 'pending' }, 'B holds it until it knows the height');
    await gone('a');
    gatewayDaemon = await startDaemon('gateway', gateway.config);
    await eventually('B to settle it, the chain known again', async () => ((await paymentOf('b', paymentHash, peek))?.status === 'succeeded' ? true : undefined));

    // A never answers: B goes on chain before the expiry, and its HTLC-success confirms.
    await mineUntilConfirmed("B's HTLC-success to confirm", 'b', a, (description) => description.startsWith('htlc-success'), 10);
    await restart('b');
    const success = (await claimsOf('b', a)).find((claim) => claim.description.startsWith('htlc-success'))!;
    t.equal(success.inputSatoshis, 70_000, "B's HTLC-success took the HTLC's 70,000 sat");
    const expiry = paymentRequestFromText(invoice.paymentRequest as string).minFinalExpiry;
    t.ok(success.confirmedAt! < expiry, `confirmed at ${success.confirmedAt}, before the expiry at ${expiry}`);
    await mineUntilConfirmed("B to sweep the HTLC-success's output", 'b', a, (description) => description === 'htlc-success output', 25);
    const output = (await claimsOf('b', a)).find((claim) => claim.description === 'htlc-success output')!;
    t.equal(success.satoshis, 70_000, "B's HTLC-success paid all of it to its output: with anchors B's wallet pays its fee");
    const fee = delayedSweepFee(DELAY);
    sweepPaid(t, output, 70_000 - fee, firstVersion(output), `and B's wallet got it less the sweep's fee (${fee}) after A's delay: ${output.satoshis} sat`);
    // B held nothing else in that channel (it earned no forwarding fee: the first payment failed). Its wallet paid the
    // anchors HTLC-success's fee with one coin, the smallest that is at least 20,000 sat (NodeWallet's CLAIM_FEE_COIN).
    const successFee = htlcWalletFee('htlc-success', 1);
    const expected = bStart - successFee + output.satoshis;
    await walletExactly(t, a, expected, `B's wallet gained the HTLC less the HTLC-success's fee (${successFee}) and the sweep's`);
  });

  /**
   * B's wallet is `expected` once it counts its sweeps, to the satoshi. When the test mines faster than B follows,
   * B's commitment can still be unconfirmed six blocks past the tip B knew: B then pays for it with a child on its
   * anchor (CPFP), from its wallet, or bumps the HTLC transaction its wallet pays for (RBF). Neither's wallet input
   * is in what the CLI shows, so then the check is that B paid a few thousand sat more and nothing else.
   */
  async function walletExactly(t: Test, peer: ClusterNode, expected: number, what: string): Promise<void> {
    const claims = await claimsOf('b', peer);
    const child = claims.find((claim) => claim.description === 'anchor (CPFP)');
    const bumped = claims.filter((claim) => /^htlc-(timeout|success) of/.test(claim.description) && !firstVersion(claim));
    t.comment(`B's commitment ${child ? 'had a child (CPFP)' : 'confirmed alone'}; its HTLC transaction ${bumped.length > 0 ? 'was bumped' : 'confirmed as first signed'}`);
    if (!child && bumped.length === 0) {
      await eventually("B's wallet to count its sweeps", async () => ((await wallet('b', peek)) >= expected ? true : undefined));
      t.equal(await wallet('b'), expected, what);
      return;
    }
    if (child) t.equal(child.state, 'confirmed', "B's commitment waited: a child paid for it (CPFP), and confirmed");
    await eventually("B's wallet to count its sweeps", async () => ((await wallet('b', peek)) >= expected - 10_000 ? true : undefined));
    const paid = expected - (await wallet('b'));
    t.ok(paid > 0 && paid < 10_000, `${what}, less ${paid} sat more for the child or the bump`);
  }

  t.notMatch(Object.values(daemons).map((daemon) => daemon.output()).join(''), /"level":50|"level":60/, 'no errors logged by the nodes still running');
});
