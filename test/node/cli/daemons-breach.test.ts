/**
 * A node on its own on chain, from the command line: a regtest gateway
 * daemon whose watchtower is switched off (`tower: { watch: false }`) and
 * two node daemons (A and B, on MQTT), driven only by `lnmesh` (the waits
 * read the daemons' control sockets).
 *
 * - The payer times out its own HTLC: A pays B, B holds the payment (it
 *   was restarted while the gateway was down, so it waits to know the
 *   height) and then vanishes. At the expiry A force-closes, times the HTLC
 *   out on chain and sweeps everything after B's delay; B, back much
 *   later, sees the close and sweeps its balance. Every claim takes
 *   exactly what each side held, and pays it less its own fee (its weight
 *   at the node's claim rate, claim-fees.ts).
 * - A breach with the tower off: B restores an old copy of its channel
 *   store (in which it held more), and, while A is away, force-closes with
 *   that revoked commitment. The tower answers nothing; A, back, sees the
 *   breach in the chain feed and takes the whole channel with its justice.
 *   B gets nothing from that channel.
 *
 * A short policy (a 40-block horizon and a margin of 8: a 48-block delay)
 * keeps the chain short.
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ANCHOR_OUTPUT_SATOSHIS, commitmentFee } from '../../../node/bolt3/fees.js';
import type { ClaimSummary, OnchainSummary } from '../../../node/monitor/channel-monitor.js';
import { channelPolicy, delaysFor } from '../../../node/channel/policy.js';
import { mqttBrokerUrl } from '../../transports/broker.js';
import { peek } from '../../../sim/kit/control-socket.js';
import { COMMITMENT_FEERATE_PER_KW, delayedSweepFee, feeBumps, htlcWalletFee, sweepPaid, toLocalJusticeFee, toRemoteSweepFee } from './claim-fees.js';
import { type ClusterNode, type Read, ask, eventually, initDaemon, mineUntil, must, shortTempDir, startDaemon, startDaemons, writeGatewayConfig, writeNodeConfig } from './mesh-cluster.js';
import type { Daemon } from './run-cli.js';

type Row = Record<string, unknown>;
type Name = 'a' | 'b';
t.setTimeout(600_000);

const HORIZON = { offlineHorizonBlocks: 40, marginBlocks: 8 };
const SHORT_POLICY = [`channels: { offlineHorizonBlocks: ${HORIZON.offlineHorizonBlocks}, marginBlocks: ${HORIZON.marginBlocks} }`];
/** The delay each node imposes on the other's outputs: 48 blocks. */
const DELAY = delaysFor(channelPolicy(HORIZON)).toSelfDelay;

t.test('a node acts on chain alone: it times out its own HTLC, and punishes a breach the tower does not see', async (t) => {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const mqttUrl = await mqttBrokerUrl(t);
  const [gateway, a, b] = await Promise.all([initDaemon(dir.path, 'gateway', 'gw'), initDaemon(dir.path, 'node', 'a'), initDaemon(dir.path, 'node', 'b')]);
  const nodes: Record<Name, ClusterNode> = { a, b };
  const topicPrefix = `breach-${process.pid}`;
  writeGatewayConfig(gateway, mqttUrl, topicPrefix, [a, b].map((node) => ({ node, address: node.name })), {}, ['tower: { watch: false }']);
  const on = (peer: ClusterNode) => ({ mqtt: { url: mqttUrl, topicPrefix, neighbours: [{ node: gateway, address: 'gw' }, { node: peer, address: peer.name }] } });
  writeNodeConfig(a, gateway, on(b), {}, SHORT_POLICY);
  writeNodeConfig(b, gateway, on(a), {}, SHORT_POLICY);

  let gatewayDaemon = await startDaemon('gateway', gateway.config);
  t.teardown(() => gatewayDaemon.stop());
  const [daemonA, daemonB] = await startDaemons('node', [a.config, b.config]);
  const daemons: Partial<Record<Name, Daemon>> = { a: daemonA, b: daemonB };
  t.teardown(() => Promise.all(Object.values(daemons).map((daemon) => daemon.stop())));
  // The logs of the daemons stopped on the way, for what they did before (a fee bump).
  const pastLogs: string[] = [];
  const start = async (name: Name) => {
    if (daemons[name]) pastLogs.push(daemons[name].output());
    daemons[name] = await startDaemon('node', nodes[name].config);
  };
  const kill = async (name: Name) => {
    await daemons[name]!.kill();
    pastLogs.push(daemons[name]!.output());
    delete daemons[name];
  };
  /** Whether a claim confirmed as first signed, not as a fee bump (RBF) of it: every log so far names the bumps. */
  const firstVersion = (claim: ClaimSummary) => !feeBumps([...pastLogs, ...Object.values(daemons).map((daemon) => daemon.output())].join('\n')).includes(claim.txid);
  const peerOf = (name: Name) => (name === 'a' ? b : a);
  const mine = (blocks: number) => must('mine', '--config', gateway.config, String(blocks));
  // What the test checks it reads through `lnmesh` (`ask`); its waits read the control socket (`peek`).
  const wallet = async (name: Name, read: Read = ask) => (await read(nodes[name].config, 'wallet')).satoshis as number;
  const channel = async (name: Name, handle: number, read: Read = ask) => (await read<Row[]>(nodes[name].config, 'channels')).find((row) => row.peer === peerOf(name).nodeId && row.handle === handle);
  const claimsOf = async (name: Name, handle: number, read: Read = ask) => ((await channel(name, handle, read))?.onchain as OnchainSummary | undefined)?.claims ?? [];
  const paymentOf = async (name: Name, paymentHash: string, read: Read = ask) => (await read<Row[]>(nodes[name].config, 'payments')).find((row) => row.paymentHash === paymentHash);
  /** Mines `step` blocks at a time until every claim of `name` on channel `handle` that `matches` is confirmed (one at least). */
  const mineUntilConfirmed = (what: string, name: Name, handle: number, matches: (claim: ClaimSummary) => boolean, step: number) =>
    mineUntil(
      gateway.config,
      what,
      async () => {
        const claims = (await claimsOf(name, handle, peek)).filter(matches);
        return claims.length > 0 && claims.every((claim) => claim.state === 'confirmed') ? claims : undefined;
      },
      step,
      180_000,
    );
  const open = async (satoshis: number, pushSatoshis: number) => {
    const handle = (await ask(a.config, 'open', b.nodeId, String(satoshis), '--push', String(pushSatoshis * 1000))).handle as number;
    await mineUntil(gateway.config, 'the channel to open on both sides', async () => ((await channel('a', handle, peek))?.status === 'open' && (await channel('b', handle, peek))?.status === 'open' ? true : undefined));
    return handle;
  };

  const address = (await ask(a.config, 'wallet')).address as string;
  await must('deposit', '--config', a.config, (await must('faucet', '--config', gateway.config, address, '1000000')).stdout.trim());
  await mine(1);
  await eventually('the deposit to count', async () => ((await wallet('a', peek)) === 1_000_000 ? true : undefined));

  await t.test('the payee holds a payment and vanishes: the payer times it out on chain itself', async (t) => {
    // 500,000 sat, 200,000 of them B's.
    const handle = await open(500_000, 200_000);
    await gatewayDaemon.stop();
    await kill('b');
    await start('b'); // back while the gateway is down: it holds what it is paid until it knows the height
    const invoice = await ask(b.config, 'invoice', '50000');
    const paymentHash = invoice.paymentHash as string;
    await ask(a.config, 'pay', invoice.paymentRequest as string);
    await eventually('the HTLC to be committed to B', async () => (((await channel('b', handle, peek))?.pendingHtlcs as number) === 1 ? true : undefined));
    t.match(await paymentOf('b', paymentHash), { direction: 'received', status: 'pending' }, 'B holds it');
    await kill('b');
    gatewayDaemon = await startDaemon('gateway', gateway.config);
    const aBefore = await wallet('a');
    const aCoins = (await ask(a.config, 'wallet')).coins as unknown[];
    t.equal(aCoins.length, 1, "A's wallet holds one coin, its funding's change: it pays the HTLC-timeout's fee alone");

    // At the expiry A goes on chain with its own commitment and times the HTLC out; it is killed and restarted on the way.
    await mineUntilConfirmed("A's HTLC-timeout to confirm", 'a', handle, (claim) => claim.description.startsWith('htlc-timeout of'), 10);
    t.match(await channel('a', handle), { status: 'force_closed', onchain: { kind: 'ours' } }, 'A closed the channel with its own commitment');
    await kill('a');
    await start('a');
    await mineUntil(gateway.config, 'the payment to fail, the HTLC-timeout deep enough', async () => ((await paymentOf('a', paymentHash, peek))?.status === 'failed' ? true : undefined));
    const swept = await mineUntilConfirmed("A's delayed outputs to be swept after B's delay", 'a', handle, (claim) => claim.description === 'to_local' || claim.description === 'htlc-timeout output', 25);
    t.equal(swept.length, 2, "A swept its to_local and the HTLC-timeout's output");
    const claims = await claimsOf('a', handle);
    const toLocal = claims.find((claim) => claim.description === 'to_local')!;
    const timeout = claims.find((claim) => claim.description.startsWith('htlc-timeout of'))!;
    const timeoutOutput = claims.find((claim) => claim.description === 'htlc-timeout output')!;
    const fee = commitmentFee('anchors', COMMITMENT_FEERATE_PER_KW, 1);
    t.equal(toLocal.inputSatoshis, 300_000 - 50_000 - fee - 2 * ANCHOR_OUTPUT_SATOSHIS, `A's to_local took its 300,000 sat less the HTLC, the commitment fee (${fee}) and the two anchors`);
    t.equal(timeout.inputSatoshis, 50_000, "A's HTLC-timeout took the HTLC's 50,000 sat");
    t.equal(timeout.satoshis, 50_000, 'and paid all of it to its output: with anchors the wallet pays its fee');
    // Each sweep pays the claim rate for its weight; A's to_local could have been bumped (RBF) had it not
    // confirmed within a few blocks, and would then pay a rate nothing outside A knows: it was not.
    const sweepFee = delayedSweepFee(DELAY);
    sweepPaid(t, toLocal, 300_000 - 50_000 - fee - 2 * ANCHOR_OUTPUT_SATOSHIS - sweepFee, firstVersion(toLocal), `A's to_local sweep paid what it took less its fee (${sweepFee})`);
    sweepPaid(t, timeoutOutput, 50_000 - sweepFee, firstVersion(timeoutOutput), `the sweep of the HTLC-timeout's output paid 50,000 sat less the same fee (${sweepFee})`);
    const paidOut = toLocal.satoshis + timeoutOutput.satoshis;
    const timeoutFee = htlcWalletFee('htlc-timeout', aCoins.length);
    // A confirmed claim counts in the wallet once the gateway has proven it (a proof asked for after the block).
    // When the test mines faster than A follows, A's commitment can still be unconfirmed six blocks past the tip A
    // knew: A then pays for it with a child on its anchor (CPFP), from its wallet, whose wallet input the CLI does
    // not show; then the check is that A paid that child (a few thousand sat) and nothing else.
    const child = claims.find((claim) => claim.description === 'anchor (CPFP)');
    const childAllowance = child ? 10_000 : 0;
    await eventually("A's wallet to count both sweeps", async () => ((await wallet('a', peek)) >= aBefore + paidOut - timeoutFee - childAllowance ? true : undefined));
    const gained = (await wallet('a')) - aBefore;
    if (!child) t.equal(gained, paidOut - timeoutFee, `A's wallet gained ${gained} sat: its sweeps' ${paidOut} less the fee of the HTLC-timeout, paid from the wallet (${timeoutFee})`);
    else t.ok(paidOut - timeoutFee - gained > 0 && paidOut - timeoutFee - gained < childAllowance, `A's wallet gained ${gained} sat: its sweeps' ${paidOut} less the HTLC-timeout's fee (${timeoutFee}) and its commitment's child's (CPFP, ${child.state})`);

    // B, back long after, sees the close, fails the expired HTLC, and sweeps its balance.
    await start('b');
    const bBefore = await wallet('b');
    await mineUntilConfirmed("B's to_remote to confirm", 'b', handle, (claim) => claim.description === 'to_remote', 1);
    t.match(await channel('b', handle), { status: 'force_closed', onchain: { kind: 'theirs' } }, "B's channels show A's close");
    const toRemote = (await claimsOf('b', handle)).find((claim) => claim.description === 'to_remote')!;
    t.equal(toRemote.inputSatoshis, 200_000, "B's claim took exactly its 200,000 sat");
    sweepPaid(t, toRemote, 200_000 - toRemoteSweepFee(), firstVersion(toRemote), `and paid it less its fee (${toRemoteSweepFee()})`);
    await eventually("B's wallet to count it", async () => ((await wallet('b', peek)) === bBefore + toRemote.satoshis ? true : undefined));
    t.notMatch(await paymentOf('b', paymentHash), { status: 'succeeded' }, 'B never settled the expired HTLC');
  });

  await t.test('a breach with the tower off: the node punishes it itself', async (t) => {
    const handle = await open(400_000, 200_000);
    // B copies its channel store (200,000 sat of its own in it), then pays A 150,000.
    await daemons.b!.stop();
    const store = join(dir.path, 'b-data', 'node');
    const backup = join(dir.path, 'b-node-backup');
    cpSync(store, backup, { recursive: true });
    await start('b');
    const invoice = await ask(a.config, 'invoice', '150000');
    await ask(b.config, 'pay', invoice.paymentRequest as string);
    await eventually('the payment to settle on both sides', async () => {
      const [ofA, ofB] = [await channel('a', handle, peek), await channel('b', handle, peek)];
      return ofA?.localMsat === 350_000_000 && ofA.pendingHtlcs === 0 && ofB?.pendingHtlcs === 0 ? true : undefined;
    });

    // A goes away; B comes back with the old store and closes with the revoked commitment.
    const aBefore = await wallet('a');
    await daemons.a!.stop();
    delete daemons.a;
    await daemons.b!.stop();
    rmSync(store, { recursive: true });
    cpSync(backup, store, { recursive: true });
    await start('b');
    t.match(await channel('b', handle), { localMsat: 200_000_000 }, 'B, restored, believes it holds 200,000 sat');
    await must('close', '--config', b.config, a.nodeId, String(handle), '--force');
    const breach = await mineUntil(gateway.config, 'the revoked commitment to confirm', async () => {
      const onchain = (await channel('b', handle, peek))?.onchain as OnchainSummary | undefined;
      return onchain?.confirmedAt !== undefined ? onchain : undefined;
    });
    await mine(3);
    t.match(await ask(gateway.config, 'tower'), { watching: false, responses: [] }, 'the tower, switched off, answered nothing');

    // A, back, sees the breach in the feed and takes everything.
    await start('a');
    await eventually('A to see the breach', async () => ((await channel('a', handle, peek))?.status === 'force_closed' ? true : undefined));
    t.match(await channel('a', handle), { onchain: { kind: 'revoked', commitmentTxid: breach.commitmentTxid } }, 'A names the close a breach');
    const justice = await mineUntilConfirmed("A's justice to confirm", 'a', handle, (claim) => claim.description.startsWith('justice') && claim.state !== 'void', 1);
    const claims = await claimsOf('a', handle);
    t.comment(JSON.stringify(claims));
    const confirmed = claims.filter((claim) => claim.state === 'confirmed');
    const taken = confirmed.reduce((sum, claim) => sum + (claim.inputSatoshis ?? 0), 0);
    const fee = commitmentFee('anchors', COMMITMENT_FEERATE_PER_KW, 0);
    t.equal(taken, 400_000 - fee - 2 * ANCHOR_OUTPUT_SATOSHIS, `A's claims took the whole channel (${taken} sat) less the revoked commitment's fee and anchors`);
    t.ok(justice.length >= 1, 'with a justice transaction');
    // The justice was signed at the justice rate when B revoked that commitment; A's own balance on it is swept at the claim rate.
    const [wholeJustice, ownBalance] = ['justice', 'to_remote'].map((description) => confirmed.find((claim) => claim.description === description)!);
    t.equal(wholeJustice?.inputSatoshis, 200_000, "A's justice took B's to_local, its 200,000 sat");
    t.equal(wholeJustice?.satoshis, 200_000 - toLocalJusticeFee(DELAY), `and paid them to A less its fee (${toLocalJusticeFee(DELAY)})`);
    t.equal(ownBalance?.satoshis, 200_000 - fee - 2 * ANCHOR_OUTPUT_SATOSHIS - toRemoteSweepFee(), `A's sweep of its own balance (200,000 sat less what it paid as funder) paid it less its fee (${toRemoteSweepFee()})`);
    const paid = confirmed.reduce((sum, claim) => sum + claim.satoshis, 0);
    await eventually("A's wallet to count them", async () => ((await wallet('a', peek)) === aBefore + paid ? true : undefined));

    // B's delay passes: its to_local is gone, and its wallet has nothing more.
    const bBefore = await wallet('b');
    await mine(60);
    await eventually("B to see its to_local taken", async () => ((await claimsOf('b', handle, peek)).find((claim) => claim.description === 'to_local')?.state === 'void' ? true : undefined));
    t.equal(await wallet('b'), bBefore, 'B got nothing from the breach');
  });

  t.notMatch(Object.values(daemons).map((daemon) => daemon.output()).join(''), /"level":50|"level":60/, 'no errors logged by the nodes still running');
});
