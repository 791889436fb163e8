// On LongFast (the default preset) a packet is on the air for its Semtech time on air at SF11, 250 kHz, 4/5, 16 preamble symbols.
import t from 'tap';
import { PortNum } from '../../../../transports/meshtastic/client-messages.js';
import { MeshtasticEther } from '../../../../sim/kit/meshtastic/ether.js';
import { MODEM_PRESETS, packetAirtimeMs } from '../../../../sim/kit/meshtastic/modem.js';
import { ptySkipReason } from '../../../transports/pty.js';
import { station } from './rig.js';

t.test('a 20-byte PRIVATE_APP direct message: 55 bytes on the air (header, Data with bitfield, PKI), 641 ms', { skip: ptySkipReason() }, async (t) => {
  const ether = new MeshtasticEther();
  const a = await station(t, ether, { nodeNum: 0x0a0a0a0a, preset: 'LongFast' });
  const b = await station(t, ether, { nodeNum: 0x0b0b0b0b, preset: 'LongFast' });
  ether.link(a.model.nodeNum, b.model.nodeNum);
  await a.client.handshake();
  await b.client.handshake();
  a.client.send({ kind: 'packet', packet: { to: b.model.nodeNum, id: 1, hopLimit: 3, decoded: { portnum: PortNum.privateApp, payload: new Uint8Array(20) } } });
  await b.client.packet(PortNum.privateApp, 5000);
  const [sent] = ether.transmissions;
  t.equal(sent?.packet.length, 16 + (3 + 2 + 20 + 2) + 12);
  t.equal(sent?.packet.pki, true, 'channel 0, a known destination: encrypted to its key');
  t.equal(packetAirtimeMs(MODEM_PRESETS.LongFast, 55), 641, '16 + 4.25 + 8 + ceil(440 / 44) * 5 = 78.25 symbols of 8.192 ms');
  t.equal(sent!.endMs - sent!.startMs, 641);
});
