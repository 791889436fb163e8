// The link layer over a real LoRaTransport: two nodes, each on its own
// pseudo-terminal to a model of an RNode, the models sharing one simulated
// ether, in real time with the EU868 duty cycle on. The handshake runs over
// the radio, and a message larger than one LoRa packet arrives whole, once.
import t from 'tap';
import { once } from 'node:events';
import { systemClock } from '../../../node/core/clock.js';
import { SeedSigner } from '../../../node/keys/signer.js';
import { Link } from '../../../transports/link/link.js';
import { MemoryLinkOutbox } from '../../../transports/link/outbox.js';
import { LoRaTransport } from '../../../transports/lora/lora-transport.js';
import { Ether, RNodeModel } from '../lora/rnode-model.js';
import { openPtyPair, ptySkipReason } from '../pty.js';
import { hex } from '../../../sim/kit/link-node.js';
import { randomBytes } from '../../../sim/kit/random.js';

const skip = ptySkipReason();
const RADIO = { frequencyHz: 868_100_000, bandwidthHz: 125_000, spreadingFactor: 7, codingRate: 5, txPowerDbm: 14 } as const;

t.test('a handshake and a 600-byte message over two RNode models', { skip }, async (t) => {
  const ether = new Ether();
  const keys = [new SeedSigner(new Uint8Array(32).fill(7)), new SeedSigner(new Uint8Array(32).fill(8))];
  const ids = keys.map((key) => hex(key.nodeId));
  const links = await Promise.all(
    keys.map(async (key, i) => {
      const pair = await openPtyPair();
      const model = await RNodeModel.open(pair.b, ether);
      const transport = new LoRaTransport({ path: pair.a, ...RADIO, answerTimeoutMs: 1000 });
      // LoRa is broadcast: no addresses; frames name the session they belong to.
      const link = new Link({ transport, clock: systemClock, outbox: new MemoryLinkOutbox(), nodeKey: key, randomBytes }, { knownPeers: [ids[1 - i]!], retransmitBaseMs: 3000, ackDelayMs: 200 });
      t.teardown(async () => {
        await link.stop(); // closes the transport too
        await model.close();
        await pair.close();
      });
      await link.start();
      return { link, transport };
    }),
  );
  const message = Uint8Array.from({ length: 600 }, (_, i) => (i * 7) & 0xff);
  const arrived = once(links[1]!.link, 'message') as Promise<[string, Uint8Array, number]>;
  links[0]!.link.send(ids[1]!, message);
  const [from, bytes, seq] = await arrived;
  t.equal(from, ids[0], 'from the sender, authenticated by the handshake');
  t.equal(hex(bytes), hex(message), 'the whole message, reassembled from three LoRa packets');
  t.equal(seq, 1, 'the first message of this neighbour');
  t.ok(links[0]!.transport.stats.airtimeMs > 0, `${links[0]!.transport.stats.airtimeMs.toFixed(0)} ms of airtime spent by the sender, counted against its duty cycle`);
  t.same(Object.values(links[1]!.link.counters.dropped).filter((count) => count > 0), [], 'nothing dropped');
});
