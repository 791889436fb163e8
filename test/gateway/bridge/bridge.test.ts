// The bridge's decisions, step by step, with the two payment networks
// recorded (what the bridge asked of each) and their answers fed by hand; the
// records on real files, so that a restart reads back what was written.
// BOLT 11's own "coffee" example is the invoice paid out (2,500 µBTC, signed
// by the spec's key, valid for a minute from its timestamp): the clock stands
// at that timestamp.
//
// The assembled gateway paying a real LDK node is tested elsewhere; this
// file is the bridge's rules: what it refuses, in which order it writes and
// hands over, and what a restart resumes.
import t, { type Test } from 'tap';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Bridge, BridgeError, bridgeFeeOn, type BridgeInit } from '../../../gateway/bridge/bridge.js';
import { FileBridgeStore } from '../../../gateway/bridge/bridge-store.js';
import type { LightningPayments, MeshPayments } from '../../../gateway/bridge/bridge-ports.js';

const COFFEE =
  'lnbc2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpuaztrnwngzn3kdzw5hydlzf03qdgm2hdq27cqv3agm2awhz5se903vruatfhq77w3ls4evs3ch9zw97j25emudupq63nyw24cg27h2rspfj9srp';
const COFFEE_HASH = hexToBytes('0001020304050607080900010203040506070809000102030405060708090102');
const COFFEE_MSAT = 250_000_000;
const SPEC_TIME = 1496314658;
const NODE = '02'.padEnd(66, 'a');
const OTHER = '03'.padEnd(66, 'b');
const FEE = { baseMsat: 1_000, proportionalMillionths: 1_000 };
const HEIGHT = 500;

/** What the bridge asked of each side, in order. */
type Call = [side: 'ln' | 'mesh', what: string, ...details: unknown[]];

function rig(t: Test, init: Partial<BridgeInit> = {}, directory = mkdtempSync(join(tmpdir(), 'lnmesh-bridge-'))) {
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  const calls: Call[] = [];
  const outgoing = new Map<string, 'unknown' | 'pending' | 'ended'>();
  const reachable = new Set<string>([NODE]);
  /** The gateway's HTLCs out on the mesh channels, by payment hash: what a restart finds in them. */
  const inFlight = new Set<string>();
  const lightning: LightningPayments = {
    payInvoice: (hash, invoice, limits) => {
      calls.push(['ln', 'pay', invoice.slice(0, 12), limits.maxFeeMsat, limits.maxTotalCltvExpiryDelta]);
      outgoing.set(bytesToHex(hash), 'pending');
    },
    outgoingPayment: (hash) => outgoing.get(bytesToHex(hash)) ?? 'unknown',
    createInvoiceForHash: (request) => {
      calls.push(['ln', 'invoice', bytesToHex(request.paymentHash), request.amountMsat, request.minFinalCltvExpiryDelta]);
      return `lnbcrt-for-${bytesToHex(request.paymentHash).slice(0, 8)}`;
    },
    claim: (preimage) => void calls.push(['ln', 'claim', bytesToHex(preimage)]),
    failBack: (hash) => void calls.push(['ln', 'failBack', bytesToHex(hash)]),
  };
  const mesh: MeshPayments = {
    fulfillHeld: (hash, preimage) => void calls.push(['mesh', 'fulfill', bytesToHex(hash), bytesToHex(preimage)]),
    failHeld: (hash, reason) => void calls.push(['mesh', 'fail', bytesToHex(hash), reason]),
    pay: (node, hash, amountMsat, cltvExpiry) => {
      calls.push(['mesh', 'pay', node, bytesToHex(hash), amountMsat, cltvExpiry]);
      inFlight.add(bytesToHex(hash));
    },
    inFlight: (hash) => inFlight.has(bytesToHex(hash)),
    reachable: (node) => reachable.has(node),
  };
  const store = new FileBridgeStore(directory);
  const open = () => {
    const bridge = new Bridge({ lightning, mesh, store: new FileBridgeStore(directory), clock: { now: () => SPEC_TIME * 1000, setTimer: () => () => undefined } }, { fee: FEE, network: 'bc', ...init });
    bridge.start(HEIGHT);
    return bridge;
  };
  return { calls, outgoing, reachable, inFlight, store, open, directory };
}

const owed = COFFEE_MSAT + bridgeFeeOn(FEE, COFFEE_MSAT);

t.test('out: the invoice and the HTLC, in either order, make one payment; its preimage settles the HTLC', async (t) => {
  for (const order of ['invoice first', 'HTLC first'] as const) {
    const { calls, open, store } = rig(t);
    const bridge = open();
    const steps = [() => bridge.payOutRequested(NODE, COFFEE), () => bridge.meshHtlcHeld(NODE, COFFEE_HASH, owed + 5_000, HEIGHT + 400)];
    if (order === 'HTLC first') steps.reverse();
    steps[0]!();
    t.same(calls, [], `${order}: nothing is paid on one half`);
    steps[1]!();
    t.same(calls, [['ln', 'pay', 'lnbc2500u1pv', owed + 5_000 - COFFEE_MSAT, 400 - 36]], `${order}: LDK pays it, with what the node paid above the invoice as its routing budget`);
    t.equal(store.all()[0]!.state, 'paying', 'written as paying');
    const preimage = new Uint8Array(32).fill(7);
    bridge.lightningEvent({ type: 'sent', paymentHash: COFFEE_HASH, paymentPreimage: preimage, feeMsat: 1_500 });
    t.same(calls[1], ['mesh', 'fulfill', bytesToHex(COFFEE_HASH), bytesToHex(preimage)], 'the HTLC settles with the preimage LDK returned');
    t.match(store.all()[0], { state: 'paid', paymentPreimage: bytesToHex(preimage), routingFeeMsat: 1_500 }, 'the preimage is kept');
  }
});

t.test('out: refusals fail the HTLC back with the reason, and nothing is paid', async (t) => {
  const cases: [string, number, number, RegExp][] = [
    ['too little for the invoice and the fee', owed - 1, HEIGHT + 400, /carries .* need/],
    ['expiring too soon to pay on', owed, HEIGHT + 36 + 71, /expires too soon/],
  ];
  for (const [what, amountMsat, cltvExpiry, reason] of cases) {
    const { calls, open } = rig(t);
    const bridge = open();
    bridge.payOutRequested(NODE, COFFEE);
    bridge.meshHtlcHeld(NODE, COFFEE_HASH, amountMsat, cltvExpiry);
    t.equal(calls.length, 1, `${what}: one call`);
    t.match(calls[0], ['mesh', 'fail', bytesToHex(COFFEE_HASH), reason], `${what}: the HTLC fails back, saying why`);
  }
  const { open } = rig(t);
  const bridge = open();
  t.throws(() => bridge.payOutRequested(NODE, COFFEE.slice(0, -1) + 'q'), BridgeError, 'a bad checksum is refused');
  t.throws(() => bridge.payOutRequested(NODE, COFFEE.replace('lnbc', 'lntb')), BridgeError, 'another network is refused');
  t.equal(bridge.payments().length, 0, 'nothing kept for refused requests');
  bridge.payOutRequested(NODE, COFFEE);
  t.equal(bridge.payOutRequested(NODE, COFFEE), owed, 'asked again by the same node before its HTLC: the same quote, still one payment');
  t.throws(() => bridge.payOutRequested(OTHER, COFFEE), /already being paid/, 'one invoice is paid once');
  t.throws(() => bridge.payOutRequested(OTHER, COFFEE), /already being paid/, 'by one node');
});

t.test('out: LDK failing fails the HTLC; a half left alone is dropped after the pairing window', async (t) => {
  const { calls, open } = rig(t);
  const bridge = open();
  bridge.payOutRequested(NODE, COFFEE);
  bridge.meshHtlcHeld(NODE, COFFEE_HASH, owed, HEIGHT + 400);
  bridge.lightningEvent({ type: 'failed', paymentHash: COFFEE_HASH, reason: 'no route' });
  t.match(calls.at(-1), ['mesh', 'fail', bytesToHex(COFFEE_HASH), /no route/], 'the HTLC fails with LDK reason');

  const lone = rig(t);
  const alone = lone.open();
  alone.meshHtlcHeld(NODE, COFFEE_HASH, owed, HEIGHT + 400);
  alone.blockConnected(HEIGHT + 5);
  t.same(lone.calls, [], 'five blocks: still waiting for its invoice');
  alone.blockConnected(HEIGHT + 6);
  t.match(lone.calls, [['mesh', 'fail', bytesToHex(COFFEE_HASH), /no invoice came/]], 'six: failed back');
});

t.test('out: a restart resumes what was written and starts nothing twice', async (t) => {
  const { calls, open, outgoing } = rig(t);
  let bridge = open();
  bridge.payOutRequested(NODE, COFFEE);
  bridge.meshHtlcHeld(NODE, COFFEE_HASH, owed, HEIGHT + 400);
  t.equal(calls.length, 1, 'paid once');
  bridge = open();
  t.equal(calls.length, 1, 'restarted while LDK has it in flight: not paid again');
  outgoing.delete(bytesToHex(COFFEE_HASH));
  bridge = open();
  t.same(calls[1]?.slice(0, 2), ['ln', 'pay'], 'restarted before LDK had it (written as paying, never sent): sent now');
  const preimage = new Uint8Array(32).fill(9);
  bridge.lightningEvent({ type: 'sent', paymentHash: COFFEE_HASH, paymentPreimage: preimage, feeMsat: 0 });
  bridge.lightningEvent({ type: 'sent', paymentHash: COFFEE_HASH, paymentPreimage: preimage, feeMsat: 0 });
  t.equal(calls.filter((call) => call[1] === 'fulfill').length, 1, 'LDK repeating its event settles once');
  bridge = open();
  t.same(calls.at(-1), ['mesh', 'fulfill', bytesToHex(COFFEE_HASH), bytesToHex(preimage)], 'a restart after paid settles the HTLC again (the mesh side ignores a repeat)');
});

t.test('in: an invoice for the node hash; the payer HTLC is passed on when the node is heard, claimed with its preimage', async (t) => {
  const { calls, open, reachable, store } = rig(t);
  const preimage = new Uint8Array(32).fill(3);
  const paymentHash = sha256(preimage);
  const hash = bytesToHex(paymentHash);
  let bridge = open();
  const invoice = bridge.publicInvoiceRequested(NODE, { paymentHash, amountMsat: 50_000_000, description: 'eggs', expirySecs: 3600 });
  const invoiceAmount = 50_000_000 + bridgeFeeOn(FEE, 50_000_000);
  t.equal(invoice, `lnbcrt-for-${hash.slice(0, 8)}`, 'the invoice LDK made is returned');
  t.same(calls, [['ln', 'invoice', hash, invoiceAmount, 432]], 'for the amount plus the bridge fee, with the hold window in its final CLTV delta');
  t.throws(() => bridge.publicInvoiceRequested(NODE, { paymentHash, amountMsat: 1, description: '', expirySecs: 60 }), BridgeError, 'one invoice per hash');

  reachable.delete(NODE);
  bridge.lightningEvent({ type: 'claimable', paymentHash, amountMsat: invoiceAmount, claimDeadline: HEIGHT + 432 });
  t.equal(calls.length, 1, 'the node is away: the payment is held');
  bridge = open();
  bridge.lightningEvent({ type: 'claimable', paymentHash, amountMsat: invoiceAmount, claimDeadline: HEIGHT + 432 });
  t.equal(calls.length, 1, 'LDK repeating the claimable after a restart changes nothing');
  reachable.add(NODE);
  bridge.nodeReachable(NODE);
  t.same(calls.at(-1), ['mesh', 'pay', NODE, hash, 50_000_000, HEIGHT + 432 - 36], 'the node heard again is paid, expiring safetyBlocks before the claim deadline');
  bridge.meshPaymentSettled(paymentHash, preimage);
  t.same(calls.at(-1), ['ln', 'claim', bytesToHex(preimage)], 'its preimage claims the Lightning payment');
  t.equal(store.all()[0]!.state, 'settled');
  open();
  t.same(calls.at(-1), ['ln', 'claim', bytesToHex(preimage)], 'a restart claims again (LDK ignores a repeat)');
});

t.test('in: a restart finishes a payment passed on to the node: paid again if its HTLC never left, else left to its outcome', async (t) => {
  const { calls, open, inFlight, store } = rig(t);
  const preimage = new Uint8Array(32).fill(4);
  const paymentHash = sha256(preimage);
  const hash = bytesToHex(paymentHash);
  let bridge = open();
  const invoiceAmount = 20_000_000 + bridgeFeeOn(FEE, 20_000_000);
  bridge.publicInvoiceRequested(NODE, { paymentHash, amountMsat: 20_000_000, description: 'bread', expirySecs: 3600 });
  bridge.lightningEvent({ type: 'claimable', paymentHash, amountMsat: invoiceAmount, claimDeadline: HEIGHT + 432 });
  t.equal(calls.filter((call) => call[1] === 'pay').length, 1, 'passed on to the node');
  bridge = open();
  t.equal(calls.filter((call) => call[1] === 'pay').length, 1, 'restarted with its HTLC out on the channel: not paid again (its outcome comes from the channel)');
  inFlight.delete(hash);
  bridge = open();
  t.equal(calls.filter((call) => call[1] === 'pay').length, 2, 'restarted with no HTLC out (the crash came before it was saved): paid now, once');
  t.equal(store.all()[0]!.state, 'forwarding', 'written as forwarding again');
  bridge.meshPaymentSettled(paymentHash, preimage);
  t.same(calls.at(-1), ['ln', 'claim', bytesToHex(preimage)], 'and claimed with the preimage the node reveals');
});

t.test('in: a node away past the hold window, or refusing, fails the payer back', async (t) => {
  const { calls, open, reachable } = rig(t);
  const bridge = open();
  const paymentHash = sha256(new Uint8Array(32).fill(4));
  bridge.publicInvoiceRequested(NODE, { paymentHash, amountMsat: 10_000, description: '', expirySecs: 600 });
  reachable.delete(NODE);
  bridge.lightningEvent({ type: 'claimable', paymentHash, amountMsat: 10_000 + bridgeFeeOn(FEE, 10_000), claimDeadline: HEIGHT + 200 });
  bridge.blockConnected(HEIGHT + 200 - 36 - 36);
  t.equal(calls.length, 1, 'held while the window is open');
  bridge.blockConnected(HEIGHT + 200 - 36 - 35);
  t.same(calls.at(-1), ['ln', 'failBack', bytesToHex(paymentHash)], 'failed back once the mesh HTLC could no longer leave the node its delta');

  const second = sha256(new Uint8Array(32).fill(5));
  bridge.publicInvoiceRequested(NODE, { paymentHash: second, amountMsat: 10_000, description: '', expirySecs: 600 });
  reachable.add(NODE);
  bridge.lightningEvent({ type: 'claimable', paymentHash: second, amountMsat: 10_000 + bridgeFeeOn(FEE, 10_000), claimDeadline: HEIGHT + 432 });
  bridge.meshPaymentFailed(second, 'unknown payment');
  t.same(calls.at(-1), ['ln', 'failBack', bytesToHex(second)], 'the node refusing fails the payer back');
  bridge.lightningEvent({ type: 'claimable', paymentHash: sha256(new Uint8Array(1)), amountMsat: 1, claimDeadline: HEIGHT + 432 });
  t.equal(calls.at(-1)?.[1], 'failBack', 'a payment for no invoice of the bridge is failed back');
});

t.test('a node may keep only so many payments open', async (t) => {
  const { open } = rig(t, { maxOpenPerNode: 2 });
  const bridge = open();
  for (const fill of [1, 2]) bridge.publicInvoiceRequested(NODE, { paymentHash: sha256(Uint8Array.of(fill)), amountMsat: 1_000, description: '', expirySecs: 60 });
  t.throws(() => bridge.publicInvoiceRequested(NODE, { paymentHash: sha256(Uint8Array.of(3)), amountMsat: 1_000, description: '', expirySecs: 60 }), /more than 2 payments open/);
  t.doesNotThrow(() => bridge.publicInvoiceRequested(OTHER, { paymentHash: sha256(Uint8Array.of(3)), amountMsat: 1_000, description: '', expirySecs: 60 }), 'another node has its own room');
  t.throws(() => rig(t, { finalCltvExpiryDelta: 72 }).open(), /no hold window/, 'a final delta that leaves no hold window is refused');
});

t.test('strangers with many fresh keys get no more than the totals: payments open, hashes left', async (t) => {
  const { calls, open, store } = rig(t, { maxOpen: 3, maxLeftHashes: 20 });
  const bridge = open();
  const nodes = [1, 2, 3, 4].map((i) => `02${String(i).padStart(2, '0')}`.padEnd(66, 'c'));
  for (const [i, node] of nodes.slice(0, 3).entries()) bridge.publicInvoiceRequested(node, { paymentHash: sha256(Uint8Array.of(i)), amountMsat: 1_000, description: '', expirySecs: 60 });
  t.throws(() => bridge.publicInvoiceRequested(nodes[3]!, { paymentHash: sha256(Uint8Array.of(9)), amountMsat: 1_000, description: '', expirySecs: 60 }), /3 payments open, its most/, 'a fourth node is refused an invoice');
  bridge.meshHtlcHeld(nodes[3]!, COFFEE_HASH, owed, HEIGHT + 400);
  t.same(calls.at(-1), ['mesh', 'fail', bytesToHex(COFFEE_HASH), 'the bridge has 3 payments open, its most: try again later'], "and its HTLC is failed back at once");
  t.equal(store.all().length, 3, 'nothing kept for them');
  const hashesOf = (seed: number) => Array.from({ length: 16 }, (_, i) => sha256(Uint8Array.of(seed, i)));
  t.equal(bridge.hashesLeft(nodes[0]!, hashesOf(1)), 16, 'one node leaves 16');
  t.throws(() => bridge.hashesLeft(nodes[1]!, hashesOf(2).slice(0, 5)), /at most 20 payment hashes in all/, 'another may not take the total past 20');
  t.equal(bridge.hashesLeftBy(nodes[1]!), 0, 'and keeps none of them');
  t.equal(bridge.hashesLeft(nodes[1]!, hashesOf(2).slice(0, 4)), 4, 'up to the total is fine');
});

t.test('a held HTLC reported again (the mesh channels restarted) is the same payment: its outcome is repeated, nothing is paid twice', async (t) => {
  const { calls, open, outgoing } = rig(t);
  let bridge = open();
  bridge.payOutRequested(NODE, COFFEE);
  bridge.meshHtlcHeld(NODE, COFFEE_HASH, owed, HEIGHT + 400);
  t.equal(calls.length, 1, 'paying');
  bridge.meshHtlcHeld(NODE, COFFEE_HASH, owed, HEIGHT + 400);
  t.equal(calls.length, 1, 'reported again while paying: nothing done, nothing failed');
  const preimage = new Uint8Array(32).fill(7);
  outgoing.set(bytesToHex(COFFEE_HASH), 'ended');
  bridge.lightningEvent({ type: 'sent', paymentHash: COFFEE_HASH, paymentPreimage: preimage, feeMsat: 0 });
  bridge = open();
  calls.length = 0;
  bridge.meshHtlcHeld(NODE, COFFEE_HASH, owed, HEIGHT + 400);
  t.same(calls, [['mesh', 'fulfill', bytesToHex(COFFEE_HASH), bytesToHex(preimage)]], 'paid: reported again, settled again with the preimage');
  calls.length = 0;
  bridge.meshHtlcHeld(NODE, COFFEE_HASH, owed + 1, HEIGHT + 400);
  t.same(calls, [['mesh', 'fail', bytesToHex(COFFEE_HASH), 'that payment hash is already being paid']], 'another HTLC with that hash is refused');
});

t.test('the same node asking again for the same invoice before its HTLC came gets the same quote; anyone else is refused', async (t) => {
  const { calls, open } = rig(t);
  const bridge = open();
  t.equal(bridge.payOutRequested(NODE, COFFEE), owed);
  t.equal(bridge.payOutRequested(NODE, COFFEE), owed, 'asked again (the node\'s fee limit refused the first quote): the same');
  t.throws(() => bridge.payOutRequested(OTHER, COFFEE), BridgeError, 'another node: refused');
  t.same(calls, [], 'nothing paid');
  t.equal(bridge.payments().length, 1, 'one record');
});

t.test('a node beyond a forwarder: its invoice, and its HTLC held from the forwarder, make one payment', async (t) => {
  const { calls, open } = rig(t);
  const bridge = open();
  bridge.payOutRequested(NODE, COFFEE);
  bridge.meshHtlcHeld(OTHER, COFFEE_HASH, owed, HEIGHT + 400);
  t.same(calls, [['ln', 'pay', 'lnbc2500u1pv', owed - COFFEE_MSAT, 400 - 36]], 'paid: an HTLC does not name its sender, the forwarder offered it');
  bridge.meshHtlcHeld(OTHER, COFFEE_HASH, owed + 1, HEIGHT + 400);
  t.same(calls.at(-1), ['mesh', 'fail', bytesToHex(COFFEE_HASH), 'that payment hash is already being paid'], 'a second HTLC for it is refused');
});

t.test('left hashes: a node leaves hashes; invoices issued while it is away use each once, kept across a restart', async (t) => {
  const { calls, open, reachable, directory } = rig(t, { maxLeftHashesPerNode: 4 });
  let bridge = open();
  const preimages = [1, 2, 3].map((fill) => new Uint8Array(32).fill(fill));
  const hashes = preimages.map((preimage) => sha256(preimage));
  t.equal(bridge.hashesLeft(NODE, hashes), 3, 'three kept');
  t.equal(bridge.hashesLeft(NODE, [hashes[0]!]), 3, 'leaving one again keeps it once');
  t.throws(() => bridge.hashesLeft(NODE, [4, 5].map((fill) => sha256(Uint8Array.of(fill)))), /at most 4 payment hashes a node; this node has 3 left/, 'over the per-node cap: refused whole');
  t.equal(bridge.hashesLeftBy(NODE), 3, 'nothing of a refused leave is kept');
  t.throws(() => bridge.hashesLeft(NODE, Array.from({ length: 17 }, (_, i) => sha256(Uint8Array.of(i)))), /1 to 16 payment hashes at a time/);
  t.throws(() => bridge.publicInvoiceRequested(NODE, { paymentHash: hashes[1]!, amountMsat: 1_000, description: '', expirySecs: 60 }), /left with the gateway/, 'a left hash is not asked for in person');

  reachable.delete(NODE);
  bridge = open(); // what was left is on disk
  t.ok(readdirSync(directory).includes(`left-${NODE}.json`), 'kept in its own file beside the records');
  const first = bridge.invoiceForAwayNode(NODE, { amountMsat: 7_000_000, description: 'rent', expirySecs: 3600 });
  t.same(first, { invoice: `lnbcrt-for-${bytesToHex(hashes[0]!).slice(0, 8)}`, paymentHash: bytesToHex(hashes[0]!) }, 'the oldest hash first');
  t.same(calls.at(-1), ['ln', 'invoice', bytesToHex(hashes[0]!), 7_000_000 + bridgeFeeOn(FEE, 7_000_000), 432], 'issued as a public invoice is');
  t.equal(bridge.hashesLeftBy(NODE), 2, 'used once');
  bridge = open();
  t.equal(bridge.invoiceForAwayNode(NODE, { amountMsat: 1_000, description: '', expirySecs: 60 }).paymentHash, bytesToHex(hashes[1]!), 'after a restart, the next one');
  bridge.invoiceForAwayNode(NODE, { amountMsat: 1_000, description: '', expirySecs: 60 });
  t.throws(() => bridge.invoiceForAwayNode(NODE, { amountMsat: 1_000, description: '', expirySecs: 60 }), /no payment hashes left with the gateway: it must leave more/);
  t.notOk(readdirSync(directory).includes(`left-${NODE}.json`), 'none left: the file is gone');
  t.throws(() => bridge.hashesLeft(NODE, [hashes[0]!]), /issued already/, 'a hash already invoiced cannot be left again');
  t.throws(() => bridge.invoiceForAwayNode(OTHER, { amountMsat: 1_000, description: '', expirySecs: 60 }), /no payment hashes left/, 'another node has none');

  // Paid while away, then heard: the pay-in path as for any public invoice.
  bridge.lightningEvent({ type: 'claimable', paymentHash: hashes[0]!, amountMsat: 7_000_000 + bridgeFeeOn(FEE, 7_000_000), claimDeadline: HEIGHT + 432 });
  t.equal(calls.at(-1)?.[1], 'invoice', 'held while the node is away');
  reachable.add(NODE);
  bridge.nodeReachable(NODE);
  t.same(calls.at(-1), ['mesh', 'pay', NODE, bytesToHex(hashes[0]!), 7_000_000, HEIGHT + 432 - 36], 'paid when heard');
  bridge.meshPaymentSettled(hashes[0]!, preimages[0]!);
  t.same(calls.at(-1), ['ln', 'claim', bytesToHex(preimages[0]!)]);
});

t.test('left hashes: an invoice refused (too many open) keeps the hash for later', async (t) => {
  const { open } = rig(t, { maxOpenPerNode: 1 });
  const bridge = open();
  bridge.publicInvoiceRequested(NODE, { paymentHash: sha256(Uint8Array.of(9)), amountMsat: 1_000, description: '', expirySecs: 60 });
  bridge.hashesLeft(NODE, [sha256(Uint8Array.of(8))]);
  t.throws(() => bridge.invoiceForAwayNode(NODE, { amountMsat: 1_000, description: '', expirySecs: 60 }), /more than 1 payments open/);
  t.equal(bridge.hashesLeftBy(NODE), 1, 'still there');
});

t.test('left hashes: a hash invoiced since it was left (two nodes left it) is dropped, not used twice', async (t) => {
  const { open } = rig(t);
  const bridge = open();
  const [shared, own] = [sha256(Uint8Array.of(1)), sha256(Uint8Array.of(2))];
  bridge.hashesLeft(OTHER, [shared]);
  bridge.hashesLeft(NODE, [shared, own]);
  bridge.invoiceForAwayNode(OTHER, { amountMsat: 1_000, description: '', expirySecs: 60 });
  t.equal(bridge.invoiceForAwayNode(NODE, { amountMsat: 1_000, description: '', expirySecs: 60 }).paymentHash, bytesToHex(own), 'the next one is used');
  t.equal(bridge.hashesLeftBy(NODE), 0);
});

t.test('ended records are pruned, oldest ended first; open ones are never removed', async (t) => {
  const { open, store } = rig(t, { maxEndedRecords: 2, maxOpenPerNode: 100 });
  const bridge = open();
  const hashOf = (i: number) => sha256(Uint8Array.of(i));
  for (let i = 0; i < 6; i++) bridge.publicInvoiceRequested(NODE, { paymentHash: hashOf(i), amountMsat: 1_000, description: '', expirySecs: 600 });
  // Hashes 0..3 fail, one a block, oldest first; 4 and 5 stay open.
  for (let i = 0; i < 4; i++) {
    bridge.blockConnected(HEIGHT + i + 1);
    bridge.lightningEvent({ type: 'claimable', paymentHash: hashOf(i), amountMsat: 1_000 + bridgeFeeOn(FEE, 1_000), claimDeadline: HEIGHT + 432 });
    bridge.meshPaymentFailed(hashOf(i), 'refused');
  }
  const kept = (records: readonly { paymentHash: string; state: string }[]) => records.map((r) => [r.paymentHash, r.state]).sort();
  const expected = [
    [bytesToHex(hashOf(2)), 'failed'],
    [bytesToHex(hashOf(3)), 'failed'],
    [bytesToHex(hashOf(4)), 'issued'],
    [bytesToHex(hashOf(5)), 'issued'],
  ].sort();
  t.same(kept(bridge.payments()), expected, 'the two newest ended and both open ones');
  t.same(kept(store.all()), expected, 'the same on disk');
  t.same(store.all().filter((r) => r.state === 'failed').map((r) => r.endedAt).sort(), [HEIGHT + 3, HEIGHT + 4], 'each ended record says when it ended');
});
