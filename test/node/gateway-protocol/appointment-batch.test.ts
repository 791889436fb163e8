// A batch grouped by tag reads back as the appointments it was made from
// (each group's record beside its first appointment), and a peer's
// malformed groups are a DecodeError naming the field.
import t from 'tap';
import { DecodeError } from '../../../node/core/cbor.js';
import { groupAppointments, ungroupAppointments } from '../../../node/gateway-protocol/appointment-batch.js';
import { MAX_APPOINTMENTS_PER_BATCH, type TowerAppointment } from '../../../node/gateway-protocol/gateway-messages.js';

const appointment = (i: number, tag: number, channel?: number): TowerAppointment => ({
  locator: new Uint8Array(16).fill(i),
  blob: new Uint8Array(30).fill(i),
  tag: Uint8Array.of(tag),
  ...(channel !== undefined && { channel: new Uint8Array(20).fill(channel) }),
});

t.test('grouped by tag and read back', async (t) => {
  const queued = [appointment(1, 7, 70), appointment(2, 8, 80), appointment(3, 7, 70), appointment(4, 7, 71)];
  const groups = groupAppointments(queued, () => true);
  t.same(groups.map((group) => [group.tag[0], group.appointments.length, group.channel?.[0]]), [[7, 2, 70], [8, 1, 80], [7, 1, 71]], 'a group per tag and record, in first appearance order');
  const read = ungroupAppointments(groups);
  t.same(read.map((each) => each.locator[0]), [1, 3, 2, 4], 'the groups\' order, then each group\'s');
  t.same(read.map((each) => each.channel?.[0]), [70, undefined, 80, 71], 'a record beside the first appointment of its group');
  t.same(ungroupAppointments(groupAppointments(queued, () => false)).map((each) => each.channel), [undefined, undefined, undefined, undefined], 'records the tower has are left out');
});

t.test("a peer's malformed groups", async (t) => {
  const tag = Uint8Array.of(1);
  t.throws(() => ungroupAppointments([]), DecodeError, 'no appointment at all');
  t.throws(() => ungroupAppointments([{ tag, appointments: [] }]), DecodeError, 'an empty group');
  t.throws(() => ungroupAppointments([{ tag, appointments: [new Uint8Array(16)] }]), DecodeError, 'a locator without a blob');
  const many = Array.from({ length: MAX_APPOINTMENTS_PER_BATCH + 1 }, () => new Uint8Array(40));
  t.throws(() => ungroupAppointments([{ tag, appointments: many.slice(0, 200) }, { tag, appointments: many.slice(200) }]), DecodeError, 'more than a batch holds, across groups');
});
