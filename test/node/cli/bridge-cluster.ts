/**
 * The daemons of the bridge's end-to-end tests, ready to pay across the
 * Lightning Network: a regtest gateway daemon running its Lightning node, a
 * node daemon A beside it on MQTT with a 500,000 sat channel to it, and an
 * outside LDK node in the test's process on the gateway's chain (over its
 * JSON-RPC), with a 500,000 sat channel from the gateway (200,000 sat pushed
 * to the outside node, so that it can pay in).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import { bytesToHex } from '@noble/hashes/utils.js';
import { mqttBrokerUrl } from '../../transports/broker.js';
import { peek } from '../../../sim/kit/control-socket.js';
import { eventually, faucetDeposit, initDaemon, must, shortTempDir, startDaemon, writeGatewayConfig, writeNodeConfig } from './mesh-cluster.js';
import { lnmeshAsync, type Daemon } from './run-cli.js';
import { chainRpcLine, freePort, startOutsideNode } from './outside-node.js';

type Row = Record<string, unknown>;

export const BRIDGE_FEE = { baseMsat: 1_000, proportionalMillionths: 1_000 };
export const bridgeFeeOn = (amountMsat: number) => BRIDGE_FEE.baseMsat + Math.floor((amountMsat * BRIDGE_FEE.proportionalMillionths) / 1_000_000);

/**
 * The gateway, A and the outside node, both channels open; `restartGateway` starts the gateway daemon again on the same config (after a kill).
 * `finalCltvExpiryDelta`: the gateway's `lightning.finalCltvExpiryDelta` (a short hold window for a test), its default if not given.
 * `behindA`: also a node B, a neighbour of A only (two hops from the gateway), with a 300,000 sat channel to A.
 */
export async function startBridgeCluster(t: Test, options: { finalCltvExpiryDelta?: number; behindA?: boolean } = {}) {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const mqttUrl = await mqttBrokerUrl(t);
  const [gateway, a, b] = await Promise.all([initDaemon(dir.path, 'gateway', 'gw'), initDaemon(dir.path, 'node', 'a'), options.behindA ? initDaemon(dir.path, 'node', 'b') : undefined]);
  const topicPrefix = `bridge-${process.pid}`;
  const rpcPort = await freePort();
  writeGatewayConfig(gateway, mqttUrl, topicPrefix, [{ node: a, address: 'a' }], b ? { [b.nodeId]: a.nodeId } : {}, [
    chainRpcLine(rpcPort),
    'lightning:',
    '  listen: 127.0.0.1:0',
    ...(options.finalCltvExpiryDelta === undefined ? [] : [`  finalCltvExpiryDelta: ${options.finalCltvExpiryDelta}`]),
  ]);
  writeNodeConfig(a, gateway, { mqtt: { url: mqttUrl, topicPrefix, neighbours: [{ node: gateway, address: 'gw' }, ...(b ? [{ node: b, address: 'b' }] : [])] } }, {}, [], '5s');
  // B reaches the gateway, and everything else, through A: its default route.
  if (b) writeNodeConfig(b, gateway, { mqtt: { url: mqttUrl, topicPrefix, neighbours: [{ node: a, address: 'a' }] } }, { '*': a.nodeId }, [], '5s');
  const daemons: { gateway: Daemon } = { gateway: await startDaemon('gateway', gateway.config) };
  t.teardown(() => daemons.gateway.stop());
  const nodeA = await startDaemon('node', a.config);
  t.teardown(() => nodeA.stop());
  const outside = await startOutsideNode(t, rpcPort);
  const mine = async (blocks = 1) => {
    await peek(gateway.config, 'mine', { blocks });
    await sleep(500);
  };
  await fundBoth(gateway.config, a.config, mine);
  await openBothChannels(gateway, a.config, outside, mine);
  const nodeB = b && (await startNodeBehindA(t, gateway.config, a, b, mine));
  const restartGateway = async () => {
    daemons.gateway = await startDaemon('gateway', gateway.config);
    return daemons.gateway;
  };
  return { gateway, a, b, daemons, nodeA, nodeB, outside, mine, restartGateway, rpcPort };
}

/** B's daemon, its coins, and its channel to A. */
async function startNodeBehindA(t: Test, gatewayConfig: string, a: { nodeId: string }, b: { config: string }, mine: () => Promise<void>): Promise<Daemon> {
  const nodeB = await startDaemon('node', b.config);
  t.teardown(() => nodeB.stop());
  await faucetDeposit(gatewayConfig, b, 500_000);
  await mine();
  await eventually("B's deposit to count", async () => ((await peek(b.config, 'wallet')).satoshis === 500_000 ? true : undefined));
  const opening = lnmeshAsync('open', '--config', b.config, a.nodeId, '300000', '--wait', '--timeout', '2m');
  let opened: Awaited<typeof opening> | undefined;
  void opening.then((run) => (opened = run));
  await eventually("B's channel to A to open", async () => {
    if (opened) return true;
    await mine();
    return undefined;
  });
  if (opened!.status !== 0) throw new Error(`B's channel to A did not open: ${opened!.stdout}${opened!.stderr}`);
  return nodeB;
}

/** Coins: A's wallet, and the gateway's Lightning wallet. */
async function fundBoth(gatewayConfig: string, aConfig: string, mine: () => Promise<void>): Promise<void> {
  await faucetDeposit(gatewayConfig, { config: aConfig }, 1_000_000);
  const lnAddress = JSON.parse((await must('ln', 'address', '--json', '--config', gatewayConfig)).stdout).address as string;
  await peek(gatewayConfig, 'faucet', { address: lnAddress, satoshis: 1_000_000 });
  await mine();
  await eventually("A's deposit to count", async () => ((await peek(aConfig, 'wallet')).satoshis === 1_000_000 ? true : undefined));
}

/** A's channel to the gateway, and the gateway's to the outside node. */
async function openBothChannels(gateway: { config: string; nodeId: string }, aConfig: string, outside: Awaited<ReturnType<typeof startOutsideNode>>, mine: () => Promise<void>): Promise<void> {
  const opening = lnmeshAsync('open', '--config', aConfig, gateway.nodeId, '500000', '--wait', '--timeout', '2m');
  let opened: Awaited<typeof opening> | undefined;
  void opening.then((run) => (opened = run));
  const outsideId = bytesToHex(outside.node.nodeId);
  await must('ln', 'connect', '--config', gateway.config, `${outsideId}@127.0.0.1:${outside.port}`);
  await must('ln', 'open', '--config', gateway.config, outsideId, '500000', '--push-msat', '200000000');
  await eventually('both channels to open', async () => {
    const lnUsable = (await peek<Row[]>(gateway.config, 'lnChannels'))[0]?.usable === true;
    if (opened && lnUsable) return true;
    await mine();
    return undefined;
  });
  if (opened!.status !== 0) throw new Error(`A's channel to the gateway did not open: ${opened!.stdout}${opened!.stderr}`);
  await eventually('the gateway to see its channel with A open', async () => ((await peek<Row[]>(gateway.config, 'channels'))[0]?.status === 'open' ? true : undefined));
}
