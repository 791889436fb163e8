/**
 * A batch of appointments as `appointment_batch` carries it: grouped by
 * tag, so that a channel's tag goes once and not with every appointment,
 * each appointment its locator and blob end to end, and a channel's record
 * in its group while the tower may lack it. Both sides read the batch back
 * in one order (the groups', then each group's), and the receipt
 * (`receipt.ts`) signs it in that order.
 */
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js';
import { DecodeError } from '../core/cbor.js';
import { LOCATOR_LENGTH } from './appointment.js';
import { type AppointmentGroup, MAX_APPOINTMENTS_PER_BATCH, type TowerAppointment, type TowerChannelRecord } from './gateway-messages.js';

/** Appointments with their channel's record, as the node's queue has them. */
export type QueuedAppointment = TowerAppointment & { readonly channel?: Uint8Array };

/** What a batch stands for: the appointments in the receipt's order, and the channel records it carries. */
export interface AppointmentBatch {
  readonly appointments: TowerAppointment[];
  readonly channels: TowerChannelRecord[];
}

/**
 * The node's side: `appointments` grouped by tag, in their first
 * appearance's order, with each group's record when `withRecord` says the
 * tower may lack it.
 */
export function groupAppointments(appointments: readonly QueuedAppointment[], withRecord: (tag: Uint8Array, record: Uint8Array) => boolean): AppointmentGroup[] {
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

/** Both sides: the appointments and records a batch stands for. A `DecodeError` for an appointment too short to hold a locator, or too many. */
export function ungroupAppointments(groups: readonly AppointmentGroup[]): AppointmentBatch {
  const appointments: TowerAppointment[] = [];
  const channels: TowerChannelRecord[] = [];
  groups.forEach((group, i) => {
    group.appointments.forEach((bytes, j) => {
      if (bytes.length <= LOCATOR_LENGTH) throw new DecodeError(`groups[${i}].appointments[${j}]`, `a locator and a blob: more than ${LOCATOR_LENGTH} bytes, got ${bytes.length}`);
      appointments.push({ locator: bytes.slice(0, LOCATOR_LENGTH), blob: bytes.slice(LOCATOR_LENGTH), tag: group.tag });
    });
    if (group.channel) channels.push({ tag: group.tag, record: group.channel });
  });
  if (appointments.length === 0 || appointments.length > MAX_APPOINTMENTS_PER_BATCH) {
    throw new DecodeError('groups', `1 to ${MAX_APPOINTMENTS_PER_BATCH} appointments in a batch, got ${appointments.length}`);
  }
  return { appointments, channels };
}
