/**
 * The device bundle does the job: the x64 bundle, unpacked into an empty
 * folder outside the repository, runs a node daemon (lnmesh init from the
 * bundle too) against a gateway; the node gets coins, opens a channel to a
 * second node and pays it. Only the bundle's own files and Node.js serve
 * the node: its native modules are the bundle's.
 */
import { join } from 'node:path';
import t from 'tap';
import { mqttBrokerUrl } from '../../transports/broker.js';
import { ask, eventually, initDaemon, must, shortTempDir, startDaemon, writeGatewayConfig, writeNodeConfig } from '../cli/mesh-cluster.js';
import { lnmeshAsync } from '../cli/run-cli.js';
import { unpack } from './unpacked-bundle.js';
import { spawn } from 'node:child_process';
import { childEnv } from '../../child-env.js';

t.setTimeout(300_000);

type Row = Record<string, unknown>;

/** Runs the bundle's launcher; resolves with its exit code and output. */
function runBundled(launcher: string, ...args: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(launcher, args, { env: childEnv() });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.on('close', (status) => resolve({ status, stdout }));
  });
}

t.test('a node run from the unpacked x64 bundle pays through a gateway', async (t) => {
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const archive = join(dir.path, 'lnmesh-x64.tar.gz');
  await must('bundle', '--arch', 'x64', '--out', archive);
  const device = join(dir.path, 'device');
  await import('node:fs').then((fs) => fs.mkdirSync(device));
  unpack(archive, device);
  const launcher = join(device, 'lnmesh-0.1.0-x64', 'bin', 'lnmesh');

  // The bundled node is initialised by the bundle itself, as install.sh does on a device.
  const initialised = await runBundled(launcher, 'init', 'node', '--config', join(dir.path, 'a.yaml'), '--data-dir', join(dir.path, 'a-data'));
  t.equal(initialised.status, 0, 'lnmesh init node runs from the bundle');
  const a = { name: 'a', config: join(dir.path, 'a.yaml'), nodeId: /node id (0[23][0-9a-f]{64})/.exec(initialised.stdout)![1]! };
  const gateway = await initDaemon(dir.path, 'gateway', 'gw');
  const b = await initDaemon(dir.path, 'node', 'b');
  const mqttUrl = await mqttBrokerUrl(t);
  const topicPrefix = `bundle-${process.pid}`;
  writeGatewayConfig(gateway, mqttUrl, topicPrefix, [{ node: a, address: 'a' }, { node: b, address: 'b' }]);
  writeNodeConfig(a, gateway, { mqtt: { url: mqttUrl, topicPrefix, neighbours: [{ node: gateway, address: 'gw' }, { node: b, address: 'b' }] } });
  writeNodeConfig(b, gateway, { mqtt: { url: mqttUrl, topicPrefix, neighbours: [{ node: gateway, address: 'gw' }, { node: a, address: 'a' }] } });

  const gatewayDaemon = await startDaemon('gateway', gateway.config);
  t.teardown(gatewayDaemon.stop);
  const nodeA = await startDaemon('node', a.config, 60_000, launcher);
  t.teardown(nodeA.stop);
  const nodeB = await startDaemon('node', b.config);
  t.teardown(nodeB.stop);
  t.equal((await ask(a.config, 'status')).nodeId, a.nodeId, 'the bundled node answers on its control socket');

  const wallet = await ask(a.config, 'wallet');
  const funding = (await must('faucet', '--config', gateway.config, wallet.address as string, '1000000')).stdout.trim();
  await must('deposit', '--config', a.config, funding);
  await must('mine', '--config', gateway.config, '1');
  await eventually('the deposit', async () => ((await ask(a.config, 'wallet')).satoshis === 1_000_000 ? true : undefined));
  await must('open', '--config', a.config, b.nodeId, '300000');
  await eventually('the channel to open', async () => {
    await must('mine', '--config', gateway.config, '1');
    return (await ask<Row[]>(a.config, 'channels'))[0]?.status === 'open' ? true : undefined;
  });
  const invoice = await ask(b.config, 'invoice', '25000');
  const paid = await lnmeshAsync('pay', '--config', a.config, invoice.paymentRequest as string, '--wait', '--timeout', '1m');
  t.equal(paid.status, 0, `the bundled node paid: ${paid.stdout}${paid.stderr}`);
  t.match((await ask<Row[]>(b.config, 'channels'))[0], { status: 'open', localMsat: 25_000_000 }, 'the payee holds the payment');
  t.equal(await nodeA.stop(), 0, 'the bundled node stops cleanly on SIGTERM');
  t.match(nodeA.output(), /node stopped/);
});
