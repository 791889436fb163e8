// The ether delivers to who hears the sender on the same preset, less the link's loss.
import t from 'tap';
import { MeshtasticEther, type AirPacket, type EtherRadio, type Hearing } from '../../../../sim/kit/meshtastic/ether.js';

const radio = (nodeNum: number, presetName = 'LongFast') => {
  const heard: [AirPacket, Hearing][] = [];
  return { nodeNum, presetName, heard, hear: (packet: AirPacket, hearing: Hearing) => heard.push([packet, hearing]) } satisfies EtherRadio & { heard: unknown };
};
const packet = { from: 1, to: 0xffffffff, id: 5, hopLimit: 3, hopStart: 3, wantAck: false, channel: 0, pki: false, priority: 64, length: 30,
  data: { portnum: 1, payload: new Uint8Array(3), wantResponse: false, requestId: 0 } };

t.test('topology, preset and loss decide who hears a packet', async (t) => {
  let draw = 0.5;
  const ether = new MeshtasticEther(() => draw);
  const [a, b, c, d] = [radio(1), radio(2), radio(3), radio(4, 'ShortFast')];
  for (const r of [a, b, c, d]) ether.join(r);
  ether.link(1, 2, { snr: 3 });
  ether.link(1, 3, { loss: 0.4 });
  ether.link(1, 4);
  ether.carry(a, packet, 0, 10);
  t.equal(b.heard.length, 1);
  t.equal(b.heard[0]?.[1].snr, 3, 'with the link\'s SNR');
  t.equal(c.heard.length, 1, 'a draw of 0.5 on a link losing 40%: heard');
  t.equal(d.heard.length, 0, 'another preset hears nothing');
  t.equal(a.heard.length, 0, 'a radio does not hear itself');
  draw = 0.1;
  ether.carry(a, packet, 10, 20);
  t.equal(c.heard.length, 1, 'a draw of 0.1: lost');
  t.equal(b.heard.length, 2, 'a lossless link always hears');
  t.equal(ether.transmissions.length, 2);
  ether.cut(1, 2);
  ether.carry(a, packet, 20, 30);
  t.equal(b.heard.length, 2, 'no link, nothing heard');
  t.equal(d.heard.length, 0, 'another preset hears nothing, ever');
  t.throws(() => ether.link(1, 2, { loss: 2 }), { name: 'InvalidInputError' });
  t.throws(() => ether.join(radio(1)), { name: 'InvalidInputError' }, 'node numbers are unique on an ether');
});
