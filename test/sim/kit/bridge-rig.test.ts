// The bridge rig (sim/kit/bridge-rig.ts) as bench/bridge.ts uses it: a
// gateway with its LDK node, an outside LDK node and a mesh node beside the
// gateway, here on an in-memory medium; started, both channels are open with
// the balances it promises, a payment goes each way (bench/bridge-payments.ts
// waits until it has ended on both sides and checks the amounts), and `stop`
// takes everything down, twice without harm.
import t from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { systemClock } from '../../../node/core/clock.js';
import { createMemoryMedium } from '../../../transports/memory.js';
import { startBridgeRig } from '../../../sim/kit/bridge-rig.js';
import { payIn, payOut } from '../../../bench/bridge-payments.js';

t.test('started, both channels are open; a payment goes each way; stopped, nothing is left', async (t) => {
  const medium = createMemoryMedium({ delayMs: 1, clock: systemClock });
  const rig = await startBridgeRig({ transport: (end) => medium.createTransport(end) });
  t.teardown(() => rig.stop());
  t.match(rig.node.manager.balances(), [{ peer: rig.gatewayId, localMsat: 400_000_000, remoteMsat: 100_000_000, pendingHtlcs: 0 }], "the node's channel to the gateway, 100,000 sat pushed");
  t.match(rig.outside.node.channels(), [{ usable: true, inboundCapacityMsat: Number }], "the outside node's channel from the gateway");
  t.ok(rig.outside.node.channels()[0]!.outboundCapacityMsat > 250_000_000, 'with the 300,000 sat pushed to it (less its reserve) to pay in');
  t.equal(rig.node.uplink!.chainHeight, (await rig.chain.tip()).height, 'the node follows the chain');

  const out = await payOut(rig, 10_000_000);
  t.ok(out.askedMs > 0 && out.endedMs >= out.askedMs, 'out: quoted, then ended on both sides');
  t.equal(rig.node.manager.balances()[0]!.localMsat, 400_000_000 - 10_000_000 - (1_000 + 20_000), 'the node paid the invoice and the default fee (1 sat + 0.2%)');
  const paidIn = await payIn(rig, 5_000_000);
  t.ok(paidIn.endedMs >= paidIn.askedMs, 'in: invoiced, then ended on both sides');
  t.equal(rig.node.manager.balances()[0]!.localMsat, 400_000_000 - 10_021_000 + 5_000_000, 'the node got its amount');
  t.same(rig.warnings.filter((warning) => /internal error|threw|malformed/i.test(warning)), [], 'no part logged an error');

  t.ok(existsSync(rig.directory), 'its files in one directory');
  await rig.stop();
  t.notOk(existsSync(rig.directory), 'removed by the stop');
  await rig.stop();
  t.pass('a second stop does nothing');
});

t.test('a rig whose setup fails rejects, having stopped what it started', async (t) => {
  const rigDirectories = () => readdirSync(tmpdir()).filter((name) => name.startsWith('lnmesh-bridge-rig-'));
  const before = rigDirectories();
  await t.rejects(startBridgeRig({ transport: () => { throw new Error('no radio'); } }), /no radio/);
  t.same(rigDirectories(), before, 'its directory removed (after its chain, LDK nodes and stores stopped)');
});
