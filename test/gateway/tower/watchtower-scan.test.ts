// The tower at scale: 100,000 appointments from 400 nodes, then a real
// block of more than 2,000 transactions with one breach among them.
// Exactly the breach is answered, and bcoin accepts the justice.
import t from 'tap';
import { performance } from 'node:perf_hooks';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { ANYONE_CAN_SPEND_OUTPUT, OP_TRUE_SCRIPT } from '../../../gateway/chain/regtest-miner.js';
import { Transaction, addInput, addOutput } from '../../../node/bolt3/transaction.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { MAX_APPOINTMENTS_PER_BATCH } from '../../../node/gateway-protocol/gateway-messages.js';
import { coinbaseAt, spendAnyoneCanSpend } from '../../../gateway/chain/regtest-coins.js';
import { breachScenario, openChain, tempDir, towerIn } from './breach-scenario.js';

t.setTimeout(120_000);

const NODES = 400;
const UNRELATED_TRANSACTIONS = 2000;

t.test('100,000 appointments, a block of 2,000 transactions: exactly the breach is answered', async (t) => {
  const chain = await openChain(t);
  const { alice, breach, appointments } = await breachScenario(chain);
  // The 400 are nodes the gateway serves (tower.allowedNodes), not strangers sharing a tenth of the tower.
  const nodeIds = Array.from({ length: NODES }, (_, node) => bytesToHex(publicKeyOf(sha256(Uint8Array.of(0x77, node >> 8, node & 0xff)))));
  const fixture = towerIn(tempDir(t, { inMemory: true }), chain, { quota: { allowedNodes: [...nodeIds, alice.id] } });
  t.teardown(() => fixture.close());
  const { tower, store } = fixture;

  let fillMs = performance.now();
  for (let node = 0; node < NODES; node++) {
    const nodeId = nodeIds[node]!;
    const batch = Array.from({ length: MAX_APPOINTMENTS_PER_BATCH }, (_, i) => {
      const seed = sha256(Uint8Array.of(0x78, node >> 8, node & 0xff, i));
      return { locator: seed.slice(0, 16), blob: new Uint8Array(226).fill(seed[16]!), tag: seed.slice(17, 21) };
    });
    tower.submit(nodeId, batch);
  }
  tower.submit(alice.id, appointments);
  fillMs = performance.now() - fillMs;
  t.equal(store.count(), NODES * MAX_APPOINTMENTS_PER_BATCH + appointments.length, `${store.count()} appointments stored in ${(fillMs / 1000).toFixed(1)} s`);
  t.ok(store.count() > 100_000);

  // 2,000 unrelated transactions: ten coinbases split into 200 coins each, each coin spent on its own.
  const splits: Transaction[] = [];
  for (let height = 60; height < 70; height++) {
    const coinbase = await coinbaseAt(chain, height);
    const split = new Transaction();
    split.version = 2;
    addInput(split, coinbase, 0xffffffff);
    const each = Math.floor((coinbase.satoshis - 20_000) / 200);
    for (let i = 0; i < 200; i++) addOutput(split, ANYONE_CAN_SPEND_OUTPUT, each);
    split.setWitness(0, [OP_TRUE_SCRIPT]);
    t.ok((await chain.broadcast(split)).accepted);
    splits.push(split);
  }
  await chain.mine(1);
  for (const split of splits) {
    for (let vout = 0; vout < 200; vout++) {
      const spend = spendAnyoneCanSpend({ txid: split.getId(), vout, satoshis: Number(split.outs[vout]!.value) }, ANYONE_CAN_SPEND_OUTPUT);
      const result = await chain.broadcast(spend);
      if (!result.accepted) throw new Error(`an unrelated transaction was refused: ${result.reason}`);
    }
  }
  await chain.broadcast(breach);

  // The tower starts now: the first it scans is the block.
  await tower.start();
  const scanned: number[] = [];
  chain.on('connect', (block) => scanned.push(block.transactions.length));
  const started = performance.now();
  await chain.mine(1);
  await tower.idle();
  const elapsedMs = performance.now() - started;
  t.ok(scanned[0]! > UNRELATED_TRANSACTIONS, `the block holds ${scanned[0]} transactions; mined and scanned in ${elapsedMs.toFixed(0)} ms`);

  const responses = tower.responses();
  t.equal(responses.length, 1, 'exactly one response');
  t.match(responses[0], { breachTxid: breach.getId(), nodeId: alice.id, state: 'active', lastBroadcast: { accepted: true } }, 'to the breach, for Alice');
  t.same(await chain.status(responses[0]!.justiceTxid!), { state: 'mempool' }, "bcoin's mempool accepted the justice");
});
