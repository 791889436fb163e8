// Justice kept unsigned at the revocation and signed at the breach
// (node/monitor/remedy.ts): a revoked commitment with an HTLC output is still
// punished in full. Alice's monitor keeps Bob's revocations with no justice
// signed but the tower's kit; when Bob broadcasts the revoked commitment she
// signs the whole justice and one per output, each valid by bcoin's
// interpreter; when Bob pushes the HTLC output through his HTLC-timeout
// first, the per-output justice still takes to_local and the second-stage
// output is taken too. A remedy signed ahead by a store of before is honoured.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transaction } from '../../../node/bolt3/transaction.js';
import { bytesToHex } from '../../../node/core/hex.js';
import { revokedRemedy, signedJusticeTransactions } from '../../../node/monitor/remedy.js';
import { LmdbPersister } from '../../../node/persist/lmdb.js';
import { decodeUnsignedJustice, encodeUnsignedJustice } from '../../../node/monitor/remedy-record.js';
import { MemoryPersister } from '../../../node/persist/persister.js';
import { testWallet } from '../../../sim/kit/test-wallet.js';
import { scriptResult } from '../bolt3/interpreter.js';
import { aliceMonitor } from './alice-monitor.js';
import { revokedHtlcTimeout } from './revoked-htlc-timeout.js';



/** Each input of `tx` checked by bcoin's interpreter against what it spends (outputs of `parents`). */
function allValid(tx: Transaction, parents: readonly Transaction[]): boolean {
  return tx.ins.every((input, i) => {
    const parent = parents.find((each) => bytesToHex(each.getHash()) === bytesToHex(input.hash))!;
    const spent = parent.outs[input.index]!;
    return scriptResult(tx, i, { scriptPubKey: spent.script, satoshis: Number(spent.value) }) === 'OK';
  });
}

const outpointsOf = (tx: Transaction) => tx.ins.map((input) => `${bytesToHex(input.hash)}:${input.index}`);

t.test('a revoked commitment with an HTLC output is punished in full from a remedy signed at the breach', async (t) => {
  const { pair, breach, timeout } = revokedHtlcTimeout();
  const persister = new MemoryPersister();
  const { subject, monitor, broadcast, events } = aliceMonitor(pair.alice, persister);

  // Count Alice's justice signatures while Bob's revocations are kept.
  const signer = pair.alice.signer;
  const signJustice = signer.signJustice.bind(signer);
  let signed = 0;
  signer.signJustice = (...args) => (signed++, signJustice(...args));
  const revocations = pair.events.alice.filter((event) => event.type === 'commitment_revoked');
  for (const event of revocations) if (event.type === 'commitment_revoked') monitor.commitmentRevoked(subject, event.commitment, event.perCommitmentSecret);
  const appointments = events.filter((event) => event.type === 'appointment').length;
  t.ok(appointments > 0, `${appointments} appointments for ${revocations.length} revocations`);
  t.equal(signed, appointments, 'one signature per revocation, the tower kit’s: the justice itself is not signed ahead');
  const record = persister.get('remedy', bytesToHex(breach.getHash()))!;
  t.ok(record.unsigned, 'the revoked commitment with the HTLC has its remedy, unsigned');
  t.equal(record.justice, undefined, 'with no signed transaction');
  const unsigned = decodeUnsignedJustice(record.unsigned!, breach.getId());
  t.same(encodeUnsignedJustice(unsigned), record.unsigned, 'its record decodes and encodes again to the same bytes');
  const kinds = unsigned.revokedOutputs.map((output) => output.kind);
  t.same([...kinds].sort(), ['htlc', 'to_local'], 'it takes to_local and the HTLC output');

  // Bob broadcasts the revoked commitment: the whole justice and one per output, signed now.
  monitor.transactionSeen(breach);
  t.equal(broadcast.length, 3, 'the whole justice, then one per output');
  const [whole, ...perOutput] = broadcast;
  t.equal(whole!.ins.length, 2, 'the whole one takes both outputs');
  for (const tx of broadcast) t.ok(allValid(tx, [breach]), `justice ${tx.getId()} is valid`);
  t.same(perOutput.map(outpointsOf).flat().sort(), outpointsOf(whole!).sort(), 'the per-output ones take the same outputs, one each');
  t.match(events.find((event) => event.type === 'breach'), { breachTxid: breach.getId() }, 'the breach is reported');
  const signedAtBreach = signed;
  t.ok(signedAtBreach > appointments, `the justice signed at the breach (${signedAtBreach - appointments} signatures)`);
  broadcast.length = 0;
  monitor.transactionSeen(breach); // seen again: in a block after the mempool
  const hexOf = (txs: readonly Transaction[]) => txs.map((tx) => bytesToHex(tx.toBuffer()));
  t.same(hexOf(broadcast), hexOf([whole!, ...perOutput]), 'seen again, the same justice broadcast again');
  t.equal(signed, signedAtBreach, 'without signing it again');

  // Bob was first on the HTLC output, with his HTLC-timeout: its output is taken, and to_local by its own justice.
  const htlcOutpoint = `${bytesToHex(timeout.ins[0]!.hash)}:${timeout.ins[0]!.index}`;
  const toLocalAlone = perOutput.find((tx) => !outpointsOf(tx).includes(htlcOutpoint));
  t.ok(toLocalAlone && unsigned.revokedOutputs.some((output) => output.kind === 'to_local' && `${bytesToHex(breach.getHash())}:${output.outpoint.vout}` === outpointsOf(toLocalAlone)[0]), 'to_local has a justice that the HTLC-timeout does not void');
  broadcast.length = 0;
  monitor.transactionSeen(timeout);
  t.equal(broadcast.length, 1, 'the HTLC-timeout seen: one justice more');
  t.same(outpointsOf(broadcast[0]!), [`${bytesToHex(timeout.getHash())}:0`], 'on its output');
  t.ok(allValid(broadcast[0]!, [timeout]), 'valid at once');

  // Confirmed: the justice transactions are the channel's claims.
  monitor.transactionsConfirmed(800_001, [breach]);
  t.equal(subject.onchain?.kind, 'revoked', 'the channel is resolved as a breach');
  t.same(subject.onchain!.claims.filter((claim) => claim.description.startsWith('justice')).map((claim) => claim.description), ['justice', 'justice (one output)', 'justice (one output)'], 'the three justice transactions are its claims');
  signer.signJustice = signJustice;

  // A store of before kept the same remedy signed: it is honoured as it is, and it is the same transactions.
  const before = new MemoryPersister();
  const signedAhead = signedJusticeTransactions(signer, unsigned);
  before.put('remedy', bytesToHex(breach.getHash()), { channel: record.channel, justice: signedAhead.map((tx) => tx.toBuffer()) });
  const restored = aliceMonitor(pair.alice, before);
  restored.monitor.transactionSeen(breach);
  t.same(restored.broadcast.map((tx) => bytesToHex(tx.toBuffer())), [whole!, ...perOutput].map((tx) => bytesToHex(tx.toBuffer())), 'a remedy signed ahead is broadcast as it was kept, byte for byte the one signed at the breach');
});

t.test('a remedy kept unsigned in an lmdb store is signed after a restart', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'lnmesh-lazy-justice-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const { pair, breach } = revokedHtlcTimeout();
  const first = new LmdbPersister(join(scratch, 'alice'));
  const { subject, monitor } = aliceMonitor(pair.alice, first);
  for (const event of pair.events.alice) if (event.type === 'commitment_revoked') monitor.commitmentRevoked(subject, event.commitment, event.perCommitmentSecret);
  first.close();

  const reopened = new LmdbPersister(join(scratch, 'alice'));
  t.teardown(() => reopened.close());
  const restarted = aliceMonitor(pair.alice, reopened);
  restarted.monitor.transactionSeen(breach);
  t.equal(restarted.broadcast.length, 3, 'read back from disk: the whole justice and one per output');
  for (const tx of restarted.broadcast) t.ok(allValid(tx, [breach]), `justice ${tx.getId()} is valid`);
});

t.test('the remedy from the commitment the channel built to sign it is the one built again', async (t) => {
  const { pair } = revokedHtlcTimeout();
  const revocations = pair.events.alice.flatMap((event) => (event.type === 'commitment_revoked' ? [event] : []));
  const withBuilt = revocations.filter((event) => event.built);
  // Commitment 0 was signed at the opening, not by an update: built again.
  const signedByUpdates = revocations.filter((event) => event.commitment.number > 0);
  t.ok(withBuilt.length > 0 && withBuilt.length === signedByUpdates.length, `the channel kept what it built for ${withBuilt.length} of ${signedByUpdates.length} revocations of commitments it signed in updates`);
  const destination = testWallet(0).sweepScript();
  for (const event of withBuilt) {
    const reused = revokedRemedy(pair.alice.state, event.commitment, event.perCommitmentSecret, destination, 2500, event.built);
    const rebuilt = revokedRemedy(pair.alice.state, event.commitment, event.perCommitmentSecret, destination, 2500);
    t.same(reused, rebuilt, `commitment ${event.commitment.number}: the same remedy`);
    t.equal(event.built!.commitment.tx.getId(), event.commitment.txid, 'built as the commitment they revoked');
  }
});

t.test('a remedy record cut short, or with bytes after it, is refused', async (t) => {
  const { pair, breach } = revokedHtlcTimeout();
  const persister = new MemoryPersister();
  const { subject, monitor } = aliceMonitor(pair.alice, persister);
  for (const event of pair.events.alice) if (event.type === 'commitment_revoked') monitor.commitmentRevoked(subject, event.commitment, event.perCommitmentSecret);
  const bytes = persister.get('remedy', bytesToHex(breach.getHash()))!.unsigned!;
  t.throws(() => decodeUnsignedJustice(bytes.subarray(0, bytes.length - 1), breach.getId()), /cut short/);
  t.throws(() => decodeUnsignedJustice(Uint8Array.of(...bytes, 0), breach.getId()), /after the record/);
  t.throws(() => decodeUnsignedJustice(Uint8Array.of(2, ...bytes.subarray(1)), breach.getId()), /version 2/);
});
