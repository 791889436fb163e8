// The node daemon's control handlers on a stand-in node: what they refuse, and
// that each refusal names its field once and says what to do.
import { bytesToHex } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import t from 'tap';
import { InvalidInputError } from '../../../node/core/input.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { nodeControlHandlers } from '../../../node/daemon/node-control.js';
import type { NodeDaemonParts } from '../../../node/daemon/node-daemon-parts.js';

const nodeId = (seed: number) => bytesToHex(publicKeyOf(sha256(Uint8Array.of(seed))));
const NEIGHBOUR = nodeId(1);
const GATEWAY = nodeId(2);
const BEYOND = nodeId(3); // reached through NEIGHBOUR, by the route table

/** Only what `open` and `close` touch; the openings asked of the channel manager are recorded. */
function handlers() {
  const opened: unknown[][] = [];
  const parts = {
    node: {
      manager: { channelSummaries: () => [], openChannel: (...args: unknown[]) => (opened.push(args), 0) },
      links: [],
      uplink: { chainHeight: 500 },
    },
    config: {
      network: 'regtest',
      gateway: { nodeId: GATEWAY },
      links: [
        { transport: { kind: 'serial', path: '/dev/null' }, neighbours: [{ nodeId: NEIGHBOUR, name: 'hilltop' }] },
        { transport: { kind: 'mqtt', url: 'mqtt://127.0.0.1', nodeName: 'me' }, neighbours: [{ nodeId: GATEWAY, address: 'gateway' }] },
      ],
      routes: { [BEYOND]: NEIGHBOUR, '*': GATEWAY },
    },
    wallet: { canFund: () => true, balance: () => 1_000_000 },
    logger: { info: () => {} },
  } as unknown as NodeDaemonParts;
  return { control: nodeControlHandlers(parts), opened };
}

t.test('open refuses a peer that is not a neighbour, naming it and where neighbours are listed', async (t) => {
  const { control, opened } = handlers();
  const refusal = t.throws(() => control.open!({ peer: BEYOND, satoshis: 100_000 })) as InvalidInputError;
  t.type(refusal, InvalidInputError);
  t.equal(refusal.field, 'peer');
  t.equal(refusal.message, `peer: ${BEYOND} is not a neighbour of this node: a channel must be with a neighbour listed under links: in the config (lnmesh peers shows them)`);
  t.equal(refusal.message.split('peer:').length - 1, 1, 'names the field once');
  t.same(opened, [], 'nothing was asked of the channel manager');
});

t.test('open accepts a neighbour on any link, in either case', async (t) => {
  const { control, opened } = handlers();
  t.same(control.open!({ peer: NEIGHBOUR.toUpperCase(), satoshis: 100_000 }), { peer: NEIGHBOUR, handle: 0 });
  t.same(control.open!({ peer: GATEWAY, satoshis: 50_000, pushMsat: 1_000 }), { peer: GATEWAY, handle: 0 }, 'the gateway, a neighbour on the MQTT link');
  t.same(opened, [[NEIGHBOUR, 100_000, 0], [GATEWAY, 50_000, 1_000]]);
});

t.test('close of an unknown channel names the handle once', async (t) => {
  const { control } = handlers();
  const refusal = t.throws(() => control.close!({ peer: NEIGHBOUR, handle: 7 })) as InvalidInputError;
  t.equal(refusal.field, 'handle');
  t.equal(refusal.message, `handle: no channel 7 with ${NEIGHBOUR} (see lnmesh channels)`);
});

t.test('pay of a request that does not decode names the request once', async (t) => {
  const { control } = handlers();
  const refusal = t.throws(() => control.pay!({ request: 'lnm1qqqq' })) as InvalidInputError;
  t.equal(refusal.field, 'request');
  t.match(refusal.message, /^request: not a payment request: /);
  t.notMatch(refusal.message, /paymentRequest/, 'not also under the decoder\'s name for it');
});
