// Each step of the manager (a message handled, a payment) saves the channels
// it changed once, in one transaction, and only then sends: a message never
// leaves ahead of the state it depends on, and a step costs one sync to disk.
import t from 'tap';
import { MemoryPersister, type Persister } from '../../../node/persist/persister.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { openChannel } from '../../../sim/kit/channels.js';

/** A persister that logs its transactions and saves into `log`, beside the messages sent. */
function loggingPersister(log: string[]): Persister {
  const store = new MemoryPersister();
  let depth = 0;
  return Object.assign(Object.create(store) as MemoryPersister, {
    saveChannel: (id: string, record: Parameters<Persister['saveChannel']>[1]) => {
      log.push(depth > 0 ? 'save in transaction' : 'save alone');
      store.saveChannel(id, record);
    },
    transaction: <T>(work: () => T): T => {
      depth++;
      try {
        return work();
      } finally {
        depth--;
        log.push('commit');
      }
    },
  });
}

t.test('a payment: every message is sent after the commit of the step that made it', async (t) => {
  const logs: string[][] = [[], []];
  const network = createNetwork({
    nodes: 2,
    channels: {
      persister: (i) => loggingPersister(logs[i]!),
      messenger: (i) => ({
        send: (peer, bytes) => {
          logs[i]!.push('send');
          network.queue.push([network.nodes[i]!.id, peer, bytes]);
        },
      }),
    },
  });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, bob, 1_000_000);
  for (const log of logs) log.length = 0;

  alice.manager.pay(bob.id, handle, bob.manager.receive(10_000, 800_000));
  network.run();
  t.ok(bob.events.some((event) => event.type === 'payment_received'), 'the payment arrived');

  for (const [i, log] of logs.entries()) {
    t.notOk(log.includes('save alone'), `node ${i}: every save of the payment is inside a step`);
    // A save is followed by its commit before any message goes.
    let uncommitted = false;
    const early = log.filter((entry) => {
      if (entry === 'save in transaction') uncommitted = true;
      if (entry === 'commit') uncommitted = false;
      return entry === 'send' && uncommitted;
    });
    t.equal(early.length, 0, `node ${i}: no message sent before the commit of the save it depends on`);
    t.ok(log.includes('send'), `node ${i} sent messages`);
    const commits = log.filter((entry) => entry === 'commit').length;
    const saves = log.filter((entry) => entry === 'save in transaction').length;
    t.ok(saves <= commits, `node ${i}: each step saves its channel at most once (${saves} saves in ${commits} steps)`);
  }
});
