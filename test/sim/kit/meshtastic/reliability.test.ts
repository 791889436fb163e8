// want_ack over a lossy link: the sender's retransmission recovers a lost packet, the destination acks a repeat again.
import t, { type Test } from 'tap';
import { PortNum, RoutingError } from '../../../../transports/meshtastic/client-messages.js';
import { MeshtasticEther } from '../../../../sim/kit/meshtastic/ether.js';
import { ptySkipReason } from '../../../transports/pty.js';
import { station } from './rig.js';

const skip = ptySkipReason();

/** An ether whose loss draws are scripted: each packet on the lossy link takes the next draw (below 0.5: lost). */
async function lossyPair(t: Test, draws: number[]) {
  const ether = new MeshtasticEther(() => draws.shift() ?? 0.9);
  const a = await station(t, ether, { nodeNum: 0x0a0a0a0a });
  const b = await station(t, ether, { nodeNum: 0x0b0b0b0b });
  ether.link(a.model.nodeNum, b.model.nodeNum, { loss: 0.5 });
  await a.client.handshake();
  await b.client.handshake();
  a.client.send({ kind: 'packet', packet: { to: b.model.nodeNum, id: 31, hopLimit: 3, wantAck: true, decoded: { portnum: PortNum.privateApp, payload: new Uint8Array(50) } } });
  return { ether, a, b };
}

t.test('the first transmission is lost: the retransmission gets through and is acked', { skip }, async (t) => {
  const { ether, a, b } = await lossyPair(t, [0.1]);
  t.match(await b.client.packet(PortNum.privateApp, 5000), { from: a.model.nodeNum, id: 31, hopLimit: 3, hopStart: 3 });
  t.equal((await a.client.routing(31, 5000, b.model.nodeNum)).errorReason, RoutingError.NONE);
  t.same(ether.transmissions.map((sent) => sent.sender), [a.model.nodeNum, a.model.nodeNum, b.model.nodeNum], 'sent, sent again, acked');
});

t.test('the ack is lost: the destination hears the repeat straight from its sender and acks again; its client gets the packet once', { skip }, async (t) => {
  const { ether, a, b } = await lossyPair(t, [0.9, 0.1]);
  t.match(await b.client.packet(PortNum.privateApp, 5000), { id: 31 });
  t.equal((await a.client.routing(31, 5000, b.model.nodeNum)).errorReason, RoutingError.NONE);
  t.same(ether.transmissions.map((sent) => sent.sender), [a.model.nodeNum, b.model.nodeNum, a.model.nodeNum, b.model.nodeNum]);
  t.notOk(b.client.received.some((m) => m.kind === 'packet' && m.packet.decoded?.portnum === PortNum.privateApp), 'no duplicate for the client');
});
