/**
 * A unilateral close from the command line, with crashes: a regtest gateway
 * daemon and two node daemons (all on MQTT), driven only by `lnmesh` (the
 * waits read the daemons' control sockets). B force-closes the channel A
 * opened to it; each daemon is killed (SIGKILL) and restarted between the
 * steps. A notices the close from the gateway's
 * chain feed alone and sweeps its output; B sweeps its own once the delay A
 * imposed (2,160 blocks by default) has passed. Both wallets get the
 * channel's balances back, to the satoshi: what each claim took from the
 * commitment is what each side held, less the commitment fee the funder
 * pays; what each claim paid is that less its own fee (its weight at the
 * node's claim rate, claim-fees.ts); what each wallet gained is what its
 * claim paid. A 6-block reorg
 * (`lnmesh reorg`) under A's confirmed claim changes nothing of that.
 */
import t from 'tap';
import { ANCHOR_OUTPUT_SATOSHIS, commitmentFee } from '../../../node/bolt3/fees.js';
import type { ClaimSummary, OnchainSummary } from '../../../node/monitor/channel-monitor.js';
import { channelPolicy, delaysFor } from '../../../node/channel/policy.js';
import { mqttBrokerUrl } from '../../transports/broker.js';
import { peek } from '../../../sim/kit/control-socket.js';
import { COMMITMENT_FEERATE_PER_KW, delayedSweepFee, feeBumps, sweepPaid, toRemoteSweepFee } from './claim-fees.js';
import { type Read, ask, eventually, initDaemon, mineUntil, must, shortTempDir, startDaemon, startDaemons, writeGatewayConfig, writeNodeConfig } from './mesh-cluster.js';
import type { Daemon } from './run-cli.js';

type Row = Record<string, unknown>;
t.setTimeout(600_000);

/** The delay A imposes on B's outputs under the default policy: 2,160 blocks. */
const DELAY = delaysFor(channelPolicy()).toSelfDelay;

t.test('a force close by B, with crashes between the steps: both wallets get their balances back', async (t) => {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const mqttUrl = await mqttBrokerUrl(t);
  const [gateway, a, b] = await Promise.all([initDaemon(dir.path, 'gateway', 'gw'), initDaemon(dir.path, 'node', 'a'), initDaemon(dir.path, 'node', 'b')]);
  const topicPrefix = `force-${process.pid}`;
  writeGatewayConfig(gateway, mqttUrl, topicPrefix, [{ node: a, address: 'a' }, { node: b, address: 'b' }]);
  writeNodeConfig(a, gateway, { mqtt: { url: mqttUrl, topicPrefix, neighbours: [{ node: gateway, address: 'gw' }, { node: b, address: 'b' }] } });
  writeNodeConfig(b, gateway, { mqtt: { url: mqttUrl, topicPrefix, neighbours: [{ node: gateway, address: 'gw' }, { node: a, address: 'a' }] } });
  const gatewayDaemon = await startDaemon('gateway', gateway.config);
  t.teardown(gatewayDaemon.stop);
  const [daemonA, daemonB] = await startDaemons('node', [a.config, b.config]);
  const daemons: Record<'a' | 'b', Daemon> = { a: daemonA, b: daemonB };
  t.teardown(() => Promise.all([daemons.a.stop(), daemons.b.stop()]));
  const configOf = { a: a.config, b: b.config };
  // The logs of the daemons killed on the way, for what they did before (a fee bump).
  const killedLogs: string[] = [];
  const crash = async (name: 'a' | 'b') => {
    await daemons[name].kill();
    killedLogs.push(daemons[name].output());
    daemons[name] = await startDaemon('node', configOf[name]);
  };
  const mine = (blocks: number) => must('mine', '--config', gateway.config, String(blocks));
  // What the test checks it reads through `lnmesh` (`ask`); its waits read the control socket (`peek`).
  const wallet = async (name: 'a' | 'b', read: Read = ask) => (await read(configOf[name], 'wallet')).satoshis as number;
  const channelOf = async (name: 'a' | 'b', read: Read = ask) => (await read<Row[]>(configOf[name], 'channels'))[0]!;
  /** Whether a claim confirmed as first signed, not as a fee bump (RBF) of it: every log so far names the bumps. */
  const firstVersion = (claim: ClaimSummary) => !feeBumps([...killedLogs, daemons.a.output(), daemons.b.output()].join('\n')).includes(claim.txid);
  const tipOf = async () => (await peek(gateway.config, 'status')).chainHeight as number;

  // A gets coins and opens a channel of 500,000 sat to B, giving B 200,000 of it.
  const address = (await ask(a.config, 'wallet')).address as string;
  await must('deposit', '--config', a.config, (await must('faucet', '--config', gateway.config, address, '1000000')).stdout.trim());
  await mine(1);
  await eventually('the deposit to count', async () => ((await wallet('a', peek)) === 1_000_000 ? true : undefined));
  const handle = (await ask(a.config, 'open', b.nodeId, '500000', '--push', '200000000')).handle as number;
  await mineUntil(gateway.config, 'the channel to open on both sides', async () => ((await channelOf('a', peek))?.status === 'open' && (await channelOf('b', peek))?.status === 'open' ? true : undefined));
  const [aBefore, bBefore] = [await wallet('a'), await wallet('b')];
  t.equal(bBefore, 0, "B's wallet is empty");

  // B closes alone, and crashes at once: its commitment was written before it left.
  await must('close', '--config', b.config, a.nodeId, String(handle), '--force');
  await crash('b');
  t.match(await channelOf('b'), { status: 'force_closed' }, 'B, restarted, still knows it closed');
  await mine(1);
  await eventually("A to notice B's commitment from the feed", async () => ((await channelOf('a', peek)).status === 'force_closed' ? true : undefined));
  const aClose = (await channelOf('a')).onchain as OnchainSummary;
  t.match(aClose, { kind: 'theirs' }, "A's channels say the peer closed");
  await crash('a');
  // A's output is its own after one block (anchors); B's after A's delay.
  await mine(2);
  await mineUntil(gateway.config, "A's claim to confirm and count in its wallet", async () => {
    const claims = ((await channelOf('a', peek)).onchain as OnchainSummary).claims;
    return claims.length === 1 && claims[0]!.state === 'confirmed' && (await wallet('a', peek)) === aBefore + claims[0]!.satoshis ? true : undefined;
  });
  // Six blocks leave the best chain, A's claim with them (B's commitment, below, stays): A follows the new branch
  // from the feed, and the same claim confirms again once blocks come.
  const aClaimed = ((await channelOf('a')).onchain as OnchainSummary).claims[0]!;
  const tip = await tipOf();
  if (aClaimed.confirmedAt! + 5 > tip) await mine(aClaimed.confirmedAt! + 5 - tip);
  const reorg = await ask(gateway.config, 'reorg', '6');
  t.equal(reorg.forkHeight, aClaimed.confirmedAt! - 1, `a reorg from height ${reorg.forkHeight}, just below A's claim at ${aClaimed.confirmedAt}`);
  await eventually("A to see its claim unconfirmed", async () => ((((await channelOf('a', peek)).onchain as OnchainSummary).claims[0]!.state !== 'confirmed') ? true : undefined));
  await crash('a');
  await mineUntil(gateway.config, "A's claim to confirm again on the new branch", async () => {
    const claim = ((await channelOf('a', peek)).onchain as OnchainSummary).claims[0]!;
    return claim.state === 'confirmed' && (await wallet('a', peek)) === aBefore + claim.satoshis ? claim : undefined;
  });
  const aReclaimed = ((await channelOf('a')).onchain as OnchainSummary).claims;
  t.match(aReclaimed, [{ txid: aClaimed.txid, state: 'confirmed' }], `the same claim, confirmed again at ${aReclaimed[0]!.confirmedAt} (was ${aClaimed.confirmedAt}); A's wallet counts it once`);
  const bClose = (await channelOf('b')).onchain as OnchainSummary;
  const bWaiting = bClose.claims;
  t.match(bWaiting, [{ description: 'to_local', state: 'waiting' }], "B's to_local waits for its delay");
  const unlocksAt = bWaiting[0]!.unlocksAt!;
  t.ok(unlocksAt - bClose.confirmedAt! >= 2_160, `until block ${unlocksAt}: A's default delay of 2,160 blocks`);
  t.equal(unlocksAt - bClose.confirmedAt!, DELAY, `exactly the default policy's delay (${DELAY})`);
  await crash('b');
  for (let height = await tipOf(); height < unlocksAt; height += 1000) await mine(Math.min(1000, unlocksAt - height));
  await mineUntil(gateway.config, "B's claim to confirm and count in its wallet", async () => {
    const claims = ((await channelOf('b', peek)).onchain as OnchainSummary).claims;
    return claims[0]?.state === 'confirmed' && (await wallet('b', peek)) === claims[0].satoshis ? true : undefined;
  }, 1, 120_000);

  const claimOf = async (name: 'a' | 'b'): Promise<ClaimSummary> => ((await channelOf(name)).onchain as OnchainSummary).claims[0]!;
  const [aClaim, bClaim] = [await claimOf('a'), await claimOf('b')];
  t.equal(bClaim.inputSatoshis, 200_000, "B's claim took exactly its 200,000 sat from the commitment");
  t.equal((await wallet('b')) - bBefore, bClaim.satoshis, `and B's wallet gained what it paid: ${bClaim.satoshis} sat (a fee of ${200_000 - bClaim.satoshis})`);
  const fee = commitmentFee('anchors', COMMITMENT_FEERATE_PER_KW, 0);
  t.equal(aClaim.inputSatoshis, 300_000 - fee - 2 * ANCHOR_OUTPUT_SATOSHIS, `A's claim took its 300,000 sat less the commitment fee (${fee}) and the two anchors it pays as funder`);
  t.equal((await wallet('a')) - aBefore, aClaim.satoshis, `and A's wallet gained what it paid: ${aClaim.satoshis} sat`);
  // What each claim paid: what it took less its fee at the claim rate for its weight. Had one not confirmed within a
  // few blocks, it could have been bumped (RBF) to a rate nothing outside its node knows: neither was.
  sweepPaid(t, bClaim, 200_000 - delayedSweepFee(DELAY), firstVersion(bClaim), `B's sweep of its to_local paid its 200,000 sat less its fee (${delayedSweepFee(DELAY)})`);
  sweepPaid(t, aClaim, 300_000 - fee - 2 * ANCHOR_OUTPUT_SATOSHIS - toRemoteSweepFee(), firstVersion(aClaim), `A's sweep of its to_remote paid what it took less its fee (${toRemoteSweepFee()})`);
  t.notMatch(daemons.a.output() + daemons.b.output(), /"level":50|"level":60/, 'no errors logged by the nodes');
});
