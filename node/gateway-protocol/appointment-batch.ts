/**
 * A batch of appointments as `appointment_batch` carries it: grouped by
 * tag, so that a channel's tag goes once and not with every appointment,
 * each appointment its locator and blob end to end, and a channel's record
 * in its group while the tower may lack it. Both sides read the batch back
 * in one order (the groups', then each group's), and the receipt
 * (`receipt.ts`) signs it in that order.
 */
import { concatBytes } from '@noble/hashes/utils.js';
import { bytesToHex } from '../core/hex.js';
import { DecodeError } from '../core/cbor.js';
import { LOCATOR_LENGTH } from './appointment.js';
import { type AppointmentGroup, MAX_APPOINTMENTS_PER_BATCH, type TowerAppointment } from './gateway-messages.js';

/**
 * The node's side: `appointments` grouped by tag, in their first
 * appearance's order, with each group's record when `withRecord` says the
 * tower may lack it.
 */
export function groupAppointments(appointments: readonly TowerAppointment[], withRecord: (tag: Uint8Array, record: Uint8Array) => boolean): AppointmentGroup[] {
  const groups = new Map<string, { tag: Uint8Array; appointments: Uint8Array[]; channel?: Uint8Array }>();
  for (const { locator, blob, tag, channel } of appointments) {
    // A tag with two records (its sweep script changed) makes two groups: each appointment goes with its own.
    const key = `${bytesToHex(tag)}/${channel ? bytesToHex(channel) : ''}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { tag, appointments: [] }));
    group.appointments.push(concatBytes(locator, blob));
    if (channel && !group.channel && withRecord(tag, channel)) group.channel = channel;
  }
  return [...groups.values()];
}

/**
 * Both sides: the appointments a batch stands for, a group's record beside
 * its first appointment. A `DecodeError` for an appointment too short to
 * hold a locator, a group without any, or too many.
 */
export function ungroupAppointments(groups: readonly AppointmentGroup[]): TowerAppointment[] {
  const appointments: TowerAppointment[] = [];
  groups.forEach((group, i) => {
    if (group.appointments.length === 0) throw new DecodeError(`groups[${i}].appointments`, 'a group of no appointments');
    group.appointments.forEach((bytes, j) => {
      if (bytes.length <= LOCATOR_LENGTH) throw new DecodeError(`groups[${i}].appointments[${j}]`, `a locator and a blob: more than ${LOCATOR_LENGTH} bytes, got ${bytes.length}`);
      const channel = j === 0 ? group.channel : undefined;
      appointments.push({ locator: bytes.slice(0, LOCATOR_LENGTH), blob: bytes.slice(LOCATOR_LENGTH), tag: group.tag, ...(channel && { channel }) });
    });
  });
  if (appointments.length === 0 || appointments.length > MAX_APPOINTMENTS_PER_BATCH) {
    throw new DecodeError('groups', `1 to ${MAX_APPOINTMENTS_PER_BATCH} appointments in a batch, got ${appointments.length}`);
  }
  return appointments;
}
