// The gateway's answers to an `appointment_batch`: a tag whose channel record
// the tower has neither stored nor received in the batch is refused, with the
// reason, and nothing is stored; with the record, the batch is stored and the
// receipt signs what the node sent; later batches of the tag need no record.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { NodeService } from '../../../gateway/relay/node-service.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { groupAppointments, ungroupAppointments } from '../../../node/gateway-protocol/appointment-batch.js';
import { type GatewayMessage, type TowerAppointment, decodeGatewayMessage, encodeGatewayMessage } from '../../../node/gateway-protocol/gateway-messages.js';
import { verifyReceipt } from '../../../node/gateway-protocol/receipt.js';
import { gatewaySigner, towerIn } from '../tower/breach-scenario.js';

t.test('an appointment_batch: refused without its channel record, stored and receipted with it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-node-service-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const tower = towerIn(dir, new EmbeddedChain());
  t.teardown(() => tower.close());
  const sent: GatewayMessage[] = [];
  const service = new NodeService({ messenger: { send: (_to, bytes) => void sent.push(decodeGatewayMessage(bytes) as GatewayMessage) }, chain: new EmbeddedChain(), tower: tower.tower });
  const node = publicKeyOf(sha256(Uint8Array.of(0x42)));
  const tag = Uint8Array.of(7);
  const record = Uint8Array.from([1, ...new Uint8Array(120).fill(9)]);
  const queued = (i: number): TowerAppointment => ({ locator: new Uint8Array(16).fill(i), blob: new Uint8Array(116).fill(i), tag, channel: record });
  const batch = (requestId: number, withRecord: boolean, ...which: number[]) =>
    service.handleMessage(bytesToHex(node), encodeGatewayMessage({ type: 'appointment_batch', requestId, groups: groupAppointments(which.map(queued), () => withRecord) }));

  await batch(1, false, 1, 2);
  t.match(sent.at(-1), { type: 'refused', requestId: 1 }, 'no record anywhere: refused');
  t.match(new TextDecoder().decode((sent.at(-1) as Extract<GatewayMessage, { type: 'refused' }>).reason), /no channel record for this tag/, 'saying why');
  t.equal(tower.store.count(), 0, 'nothing stored');

  await batch(2, true, 1, 2);
  const receipt = sent.at(-1) as Extract<GatewayMessage, { type: 'appointments_accepted' }>;
  t.equal(receipt.type, 'appointments_accepted', 'with the record: accepted');
  const asSent = ungroupAppointments(groupAppointments([queued(1), queued(2)], () => true));
  t.ok(verifyReceipt(gatewaySigner.nodeId, node, asSent, receipt.signature), 'the receipt signs the batch as the node sent it, record included');
  t.same(tower.store.channelRecords(bytesToHex(node), tag), [record], 'the record is kept');

  await batch(3, false, 3);
  t.match(sent.at(-1), { type: 'appointments_accepted', requestId: 3 }, 'a later batch of the tag needs no record');
  t.equal(tower.store.count(), 3);
});
