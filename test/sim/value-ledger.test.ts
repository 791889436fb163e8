// The ledger behind valueConserved on a small economy built by hand: a
// wallet funds a channel, the channel closes, a claim waits on one output.
// Every satoshi has a holder; take one away and the finding names it.
import t from 'tap';
import { Transaction, addInput, addOutput } from '../../node/bolt3/transaction.js';
import { type ClaimView, type Holders, assessLedger, outpointKey, traceEconomy } from '../../sim/value-ledger.js';

const WALLET_A = Uint8Array.of(0x00, 0x14, ...new Array(20).fill(0xaa));
const WALLET_B = Uint8Array.of(0x00, 0x14, ...new Array(20).fill(0xbb));
const MULTISIG = Uint8Array.of(0x00, 0x20, ...new Array(32).fill(0x11));
const DELAYED = Uint8Array.of(0x00, 0x20, ...new Array(32).fill(0x22));
const ANCHOR = Uint8Array.of(0x00, 0x20, ...new Array(32).fill(0x33));
const STRANGER = Uint8Array.of(0x00, 0x14, ...new Array(20).fill(0xcc));
const ENTERED = [{ txid: 'e0'.repeat(32), vout: 0, satoshis: 1_000_000, script: WALLET_A }];

function tx(spends: readonly [string, number][], outputs: readonly [Uint8Array, number][]): Transaction {
  const built = new Transaction();
  built.version = 2;
  for (const [txid, vout] of spends) addInput(built, { txid, vout }, 0xffffffff);
  for (const [script, satoshis] of outputs) addOutput(built, script, satoshis);
  return built;
}

/** A funds a 600,000-sat channel with B (fee 500); the channel closes: A's delayed output, B's output, an anchor (fee 1,000). */
function economy() {
  const funding = tx([[ENTERED[0]!.txid, 0]], [[MULTISIG, 600_000], [WALLET_A, 399_500]]);
  const commitment = tx([[funding.getId(), 0]], [[DELAYED, 400_000], [WALLET_B, 198_670], [ANCHOR, 330]]);
  const sweep = tx([[commitment.getId(), 0]], [[WALLET_A, 399_400]]);
  return { funding, commitment, sweep };
}

function holders(overrides: Partial<Holders> & { claims: ClaimView[] }): Holders {
  return {
    wallets: new Map([[Buffer.from(WALLET_A).toString('hex'), 'a'], [Buffer.from(WALLET_B).toString('hex'), 'b']]),
    walletCoins: new Map(),
    channels: [],
    running: new Set(['a', 'b']),
    ...overrides,
  };
}

const noOutside = async () => {
  throw new Error('nothing from outside');
};

t.test('every satoshi has a holder: wallets, a claim locked by its delay, an anchor, fees', async (t) => {
  const { funding, commitment, sweep } = economy();
  const chain = [{ tx: funding, confirmed: true }, { tx: commitment, confirmed: true }];
  const fundingKey = outpointKey(funding.getId(), 0);
  const trace = await traceEconomy(ENTERED, chain, new Set([fundingKey]), noOutside);
  t.equal(trace.feesSat, 500 + 1_000);
  const channel = { label: 'a–b', funding: fundingKey, fundingSatoshis: 600_000, totalMsat: 600_000_000, closeSeen: true };
  const ledger = assessLedger(trace, holders({ claims: [{ node: 'a', label: 'a–b', description: 'to_local', tx: sweep, broadcast: false }], channels: [{ node: 'a', ...channel }, { node: 'b', ...channel }], walletCoins: new Map([['a', [{ txid: funding.getId(), vout: 1, satoshis: 399_500 }]]]) }));
  t.same(ledger.findings, []);
  t.same([ledger.walletsSat, ledger.claimsSat, ledger.anchorsSat, ledger.channelsSat], [399_500 + 198_670, 400_000, 330, 0]);
  t.equal(ledger.byNode.get('b')?.wallet, 198_670);

  // Before the close the funding output is the channel's, at its value; a view that adds up to more is named.
  const open = assessLedger(await traceEconomy(ENTERED, chain.slice(0, 1), new Set([fundingKey]), noOutside), holders({ claims: [], channels: [{ node: 'a', ...channel }, { node: 'b', ...channel, totalMsat: 600_001_000 }] }));
  t.equal(open.channelsSat, 600_000);
  t.same(open.findings.map((finding) => finding.subject), ['channel a–b b']);
  t.match(open.findings[0]!.detail, 'add up to 600001000 msat: 1000 msat it does not have');
});

t.test('an output nobody claims is value gone, named with its amount and the channel it came from', async (t) => {
  const { funding, commitment } = economy();
  const fundingKey = outpointKey(funding.getId(), 0);
  const trace = await traceEconomy(ENTERED, [{ tx: funding, confirmed: true }, { tx: commitment, confirmed: true }], new Set([fundingKey]), noOutside);
  const channel = { label: 'a–b', funding: fundingKey, fundingSatoshis: 600_000, totalMsat: 600_000_000, closeSeen: true };
  const ledger = assessLedger(trace, holders({ claims: [], channels: [{ node: 'a', ...channel }, { node: 'b', ...channel }] }));
  t.equal(ledger.unheldSat, 400_000);
  t.same(ledger.findings.map((finding) => finding.subject), [`output ${commitment.getId()}:0`]);
  t.match(ledger.findings[0]!.detail, '400000 sat in');
  t.match(ledger.findings[0]!.detail, 'from the close of a–b');

  // Unless an end of the channel has not seen the close yet (offline): still its.
  const away = assessLedger(trace, holders({ claims: [], channels: [{ node: 'a', ...channel }, { node: 'b', ...channel, closeSeen: false }] }));
  t.same([away.findings, away.awaitingSat], [[], 400_000]);
});

t.test('a wallet that counts coins the chain does not have; value paid to a stranger; value from outside', async (t) => {
  const { funding } = economy();
  const payAway = tx([[funding.getId(), 1]], [[STRANGER, 399_000]]);
  const fundingKey = outpointKey(funding.getId(), 0);
  const trace = await traceEconomy(ENTERED, [{ tx: funding, confirmed: true }, { tx: payAway, confirmed: false }], new Set([fundingKey]), noOutside);
  const channel = { label: 'a–b', funding: fundingKey, fundingSatoshis: 600_000, totalMsat: 600_000_000, closeSeen: false };
  // The wallet still lists the change it paid away, and a coin it never had.
  const ledger = assessLedger(trace, holders({ claims: [], channels: [{ node: 'a', ...channel }], walletCoins: new Map([['a', [{ txid: funding.getId(), vout: 1, satoshis: 399_500 }, { txid: 'ff'.repeat(32), vout: 0, satoshis: 5 }]]]) }));
  t.same(ledger.findings.map((finding) => finding.subject), [`output ${payAway.getId()}:0`, `wallet a ${funding.getId()}:1`, `wallet a ${'ff'.repeat(32)}:0`]);
  t.match(ledger.findings[0]!.detail, '399000 sat in');
  t.match(ledger.findings[0]!.detail, 'in the mempool');
  t.match(ledger.findings[1]!.detail, 'that output is spent');

  // A transaction of the economy that also spends a coin from outside: entered, and reported.
  const outsider = tx([[funding.getId(), 1], ['0d'.repeat(32), 3]], [[WALLET_A, 499_000]]);
  const mixed = await traceEconomy(ENTERED, [{ tx: funding, confirmed: true }, { tx: outsider, confirmed: true }], new Set([fundingKey]), async () => 100_000);
  t.equal(mixed.enteredSat, 1_100_000);
  const outside = assessLedger(mixed, holders({ claims: [], channels: [{ node: 'a', ...channel }] }));
  t.same(outside.findings.map((finding) => finding.subject), [`outside ${'0d'.repeat(32)}:3`]);
});
