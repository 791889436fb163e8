// Who gets the credit for a justice transaction: the tower or the victim's
// own node, whichever broadcast the one that confirmed first. On a chain
// made up here, so that each case is one the simulator rarely reaches.
import t from 'tap';
import type { ChainSource, TransactionStatus } from '../../gateway/chain/chain-source.js';
import type { ResponseRecord } from '../../gateway/tower/response-store.js';
import { Transaction, addInput, addOutput } from '../../node/bolt3/transaction.js';
import { type Breach, BreachWatch } from '../../sim/breach-watch.js';

const VICTIM_SCRIPT = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(7)]);

/** A transaction spending output 0 of `parent` (or of a made-up coin), paying `value` to `script`. */
function transaction(parent: Transaction | undefined, value: number, script: Uint8Array, nonce = 0): Transaction {
  const tx = new Transaction();
  addInput(tx, { txid: parent ? parent.getId() : (nonce + 1).toString(16).padStart(64, '0'), vout: 0 }, 0xffffffff);
  addOutput(tx, script, value);
  return tx;
}

/** A chain that knows the transactions given to it, each confirmed at its height. */
function chainOf(confirmed: Map<string, { tx: Transaction; height: number }>): ChainSource {
  return {
    async status(txid: string): Promise<TransactionStatus> {
      const known = confirmed.get(txid);
      return known ? { state: 'confirmed', blockHash: '00'.repeat(32), height: known.height, confirmations: 1 } : { state: 'unknown' };
    },
    async transaction(txid: string) {
      return confirmed.get(txid)?.tx;
    },
  } as unknown as ChainSource;
}

function towerResponse(breachTxid: string, justiceTxid: string, detectedAt: number): ResponseRecord {
  return { breachTxid, nodeId: '02'.padEnd(66, '0'), state: 'active', justiceTxid, detectedAt, broadcasts: 1, confirmations: 0, alerted: false };
}

function setUp(justiceFrom: 'same' | 'different') {
  const breachTx = transaction(undefined, 900_000, Uint8Array.from([0x00, 0x20, ...new Array(32).fill(1)]));
  const towerJustice = transaction(breachTx, 899_000, VICTIM_SCRIPT);
  const victimJustice = justiceFrom === 'same' ? towerJustice : transaction(breachTx, 898_000, VICTIM_SCRIPT);
  const breach: Breach = { cheater: 'n2', victim: 'n1', tx: breachTx, txid: breachTx.getId(), atMs: 0, toSelfDelay: 2160, victimDueSat: 500_000, victimScript: VICTIM_SCRIPT };
  return { breachTx, towerJustice, victimJustice, breach };
}

t.test('the tower broadcast the justice that confirmed: the tower is credited', async (t) => {
  const { breachTx, towerJustice, victimJustice, breach } = setUp('different');
  const confirmed = new Map([
    [breach.txid, { tx: breachTx, height: 500 }],
    [towerJustice.getId(), { tx: towerJustice, height: 501 }],
  ]);
  const watch = new BreachWatch(chainOf(confirmed), () => [towerResponse(breach.txid, towerJustice.getId(), 2000)]);
  watch.add(breach);
  watch.victimJustice(breach.txid, victimJustice.getId(), 1000);
  const outcomes = await watch.update();
  t.same(
    outcomes.map((outcome) => outcome.kind),
    ['confirmed', 'punished'],
  );
  t.equal(breach.punishedBy, 'tower', "the victim broadcast its own first, but the tower's confirmed");
  t.equal(breach.justiceTxid, towerJustice.getId());
  t.equal(breach.recoveredSat, 899_000);
});

t.test("the victim's own justice confirmed: the victim is credited", async (t) => {
  const { breachTx, towerJustice, victimJustice, breach } = setUp('different');
  const confirmed = new Map([
    [breach.txid, { tx: breachTx, height: 500 }],
    [victimJustice.getId(), { tx: victimJustice, height: 502 }],
  ]);
  const watch = new BreachWatch(chainOf(confirmed), () => [towerResponse(breach.txid, towerJustice.getId(), 1000)]);
  watch.add(breach);
  watch.victimJustice(breach.txid, victimJustice.getId(), 2000);
  await watch.update();
  t.equal(breach.punishedBy, 'victim');
  t.equal(breach.punishedHeight, 502);
});

t.test('both broadcast the same transaction: whoever did first', async (t) => {
  for (const [towerAt, victimAt, expected] of [
    [1000, 2000, 'tower'],
    [2000, 1000, 'victim'],
    [1000, 1000, 'tower'],
  ] as const) {
    const { breachTx, towerJustice, victimJustice, breach } = setUp('same');
    const confirmed = new Map([
      [breach.txid, { tx: breachTx, height: 500 }],
      [towerJustice.getId(), { tx: towerJustice, height: 501 }],
    ]);
    const watch = new BreachWatch(chainOf(confirmed), () => [towerResponse(breach.txid, towerJustice.getId(), towerAt)]);
    watch.add(breach);
    watch.victimJustice(breach.txid, victimJustice.getId(), victimAt);
    watch.victimJustice(breach.txid, victimJustice.getId(), victimAt + 5000); // seen again later: the first broadcast counts
    await watch.update();
    t.equal(breach.punishedBy, expected, `tower at ${towerAt}, victim at ${victimAt}: the ${expected}`);
  }
});

t.test('a tower response not broadcast yet is no justice of the tower', async (t) => {
  const { breachTx, towerJustice, victimJustice, breach } = setUp('same');
  const confirmed = new Map([
    [breach.txid, { tx: breachTx, height: 500 }],
    [towerJustice.getId(), { tx: towerJustice, height: 501 }],
  ]);
  const watch = new BreachWatch(chainOf(confirmed), () => [{ ...towerResponse(breach.txid, towerJustice.getId(), 1000), broadcasts: 0 }]);
  watch.add(breach);
  watch.victimJustice(breach.txid, victimJustice.getId(), 2000);
  await watch.update();
  t.equal(breach.punishedBy, 'victim');
});
