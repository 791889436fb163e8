// A claim that does not confirm goes again at a higher feerate (RBF): the
// same output, signed again, paying a quarter more or the fee estimator's
// rate for claims, whichever is higher; and if a miner takes the version it
// replaced after all, that one is the claim.
import t from 'tap';
import { Transaction } from '../../../node/bolt3/transaction.js';
import type { ConfirmationTarget } from '../../../node/chain/fee-estimator.js';
import { scriptResult } from '../bolt3/interpreter.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { openChannel } from '../../../sim/kit/channels.js';
import { type LoggedLine, recordingLogger } from '../../../sim/kit/logger.js';
import { silentLogger } from '../../../node/core/logger.js';

const feeOf = (tx: Transaction, inputSatoshis: number) => inputSatoshis - tx.outs.reduce((sum, output) => sum + Number(output.value), 0);
const feerateOf = (tx: Transaction, inputSatoshis: number) => (feeOf(tx, inputSatoshis) * 1000) / tx.weight();

t.test("Bob's to_remote after Alice's close: bumped while it does not confirm, and the earlier version still counts", async (t) => {
  const claimRate = [2500, 2500];
  const logged: LoggedLine[] = [];
  const network = createNetwork({
    nodes: 2,
    channels: {
      init: { channelType: 'static_remotekey' },
      feeEstimator: (i) => ({ feeratePerKw: (target: ConfirmationTarget) => (target === 'claim' ? claimRate[i]! : target === 'justice' ? 2500 : 253) }),
      logger: (i) => (i === 1 ? recordingLogger(logged) : silentLogger),
    },
  });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, bob, 1_000_000, 300_000_000);

  alice.manager.forceClose(bob.id, handle);
  const commitment = alice.broadcast.at(-1)!;
  const height = 800;
  bob.manager.transactionsConfirmed(height, '', [commitment]);
  bob.manager.bestBlockUpdated(height);
  const first = bob.broadcast.at(-1)!;
  const vout = first.ins[0]!.index;
  const spent = { scriptPubKey: commitment.outs[vout]!.script, satoshis: Number(commitment.outs[vout]!.value) };
  t.equal(scriptResult(first, 0, spent), 'OK', 'Bob sweeps his to_remote at once');

  // Five blocks without it: nothing new. The sixth: the same claim at a higher rate.
  bob.manager.bestBlockUpdated(height + 5);
  t.equal(bob.broadcast.at(-1), first, 'not again before REBROADCAST_AFTER_BLOCKS');
  bob.manager.bestBlockUpdated(height + 6);
  const second = bob.broadcast.at(-1)!;
  t.not(second.getId(), first.getId(), 'a replacement');
  t.same([second.ins[0]!.index, Buffer.from(second.ins[0]!.hash).toString('hex')], [vout, Buffer.from(first.ins[0]!.hash).toString('hex')], 'of the same output');
  t.equal(scriptResult(second, 0, spent), 'OK', "signed again: bcoin's interpreter accepts it");
  t.match(logged.find((line) => line.message === 'claim fee bumped (RBF)'), { fields: { claim: 'to_remote', txid: second.getId(), replaces: first.getId() } }, "Bob's log says so");
  t.ok(feeOf(second, spent.satoshis) >= feeOf(first, spent.satoshis) * 1.25 - 1, `a quarter more fee at least (${feeOf(first, spent.satoshis)} -> ${feeOf(second, spent.satoshis)} sat)`);

  // The estimate for claims jumps: the next bump follows it.
  claimRate[1] = 20_000;
  bob.manager.bestBlockUpdated(height + 12);
  const third = bob.broadcast.at(-1)!;
  t.ok(feerateOf(third, spent.satoshis) >= 19_900, `the estimator's rate (${Math.round(feerateOf(third, spent.satoshis))} sat/kw)`);
  t.equal(bob.manager.channelSummaries()[0]!.onchain!.claims.find((claim) => claim.description === 'to_remote')!.txid, third.getId(), 'lnmesh channels shows the version out now');

  // A miner had taken the first version: it is the claim, confirmed, and the money is Bob's.
  bob.manager.transactionsConfirmed(height + 13, '', [first]);
  bob.manager.bestBlockUpdated(height + 13);
  const claim = bob.manager.channelSummaries()[0]!.onchain!.claims.find((each) => each.description === 'to_remote')!;
  t.same([claim.state, claim.txid], ['confirmed', first.getId()], 'the earlier version confirmed is the claim, not a conflict');
  const spendable = bob.events.filter((event) => event.type === 'funds_spendable');
  t.same(spendable.map((event) => event.type === 'funds_spendable' && event.txid), [first.getId()], 'funds_spendable names it');
  const count = bob.broadcast.length;
  bob.manager.bestBlockUpdated(height + 30);
  t.equal(bob.broadcast.length, count, 'and nothing goes again');
});
