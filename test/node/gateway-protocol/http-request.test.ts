// Signed requests to the tower's HTTP API: a client signs a batch (or a
// drop-tag) with the node's key for one tower; the tower parses the JSON
// and checks the signature. Only the node's key, for that tower, over
// exactly that batch, verifies; malformed JSON names the field to fix.
import t from 'tap';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { InvalidInputError } from '../../../node/core/input.js';
import {
  type AppointmentsRequestBody,
  appointmentsRequestDigest,
  dropTagRequestDigest,
  parseAppointmentsRequest,
  parseDropTagRequest,
  signAppointmentsRequest,
  signDropTagRequest,
  verifyAppointmentsRequest,
  verifyDropTagRequest,
} from '../../../node/gateway-protocol/http-request.js';
import { receiptDigest, towerSignerFromSecret } from '../../../node/gateway-protocol/receipt.js';
import { MAX_APPOINTMENTS_PER_BATCH, MAX_BLOB_BYTES, type TowerAppointment } from '../../../node/gateway-protocol/gateway-messages.js';
import { caught, throwsField } from '../input.js';

const tower = towerSignerFromSecret(sha256(Uint8Array.of(0x6a, 1)));
const otherTower = towerSignerFromSecret(sha256(Uint8Array.of(0x6a, 2)));
const alice = towerSignerFromSecret(sha256(Uint8Array.of(0x6b, 1)));
const mallory = towerSignerFromSecret(sha256(Uint8Array.of(0x6b, 2)));
const signedAt = 1_750_000_000;

const appointment = fc.record({
  locator: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  blob: fc.uint8Array({ minLength: 17, maxLength: 300 }),
  tag: fc.uint8Array({ maxLength: 32 }),
});
const batch = fc.array(appointment, { minLength: 1, maxLength: 8 });

/** What the tower receives: the body through JSON, as it travels. */
function overTheWire<T>(body: T): unknown {
  return JSON.parse(JSON.stringify(body));
}

function sampleBatch(): TowerAppointment[] {
  return [1, 2].map((i) => ({ locator: new Uint8Array(16).fill(i), blob: new Uint8Array(40).fill(0xb0 + i), tag: Uint8Array.of(7) }));
}

t.test('a signed batch survives JSON, parses to the same appointments, and verifies for its tower', (t) => {
  fc.assert(
    fc.property(batch, fc.integer({ min: 0, max: 2 ** 40 }), (appointments, time) => {
      const request = parseAppointmentsRequest(overTheWire(signAppointmentsRequest(alice, tower.nodeId, appointments, time)));
      return (
        bytesToHex(request.nodeId) === bytesToHex(alice.nodeId) &&
        request.signedAt === time &&
        JSON.stringify(request.appointments.map(hexOf)) === JSON.stringify(appointments.map(hexOf)) &&
        verifyAppointmentsRequest(tower.nodeId, request) &&
        !verifyAppointmentsRequest(otherTower.nodeId, request)
      );
    }),
    { numRuns: 50 },
  );
  t.pass('50 random batches: same appointments, verified by their tower only');
  t.end();
});

t.test('any change to the request breaks its signature: a byte of the batch, the time, the node', (t) => {
  const flip = (bytes: Uint8Array, index: number) => {
    const copy = Uint8Array.from(bytes);
    copy[index % copy.length]! ^= 1;
    return copy;
  };
  fc.assert(
    fc.property(batch, fc.nat(), fc.nat(), fc.constantFrom('locator', 'blob', 'tag', 'signedAt', 'nodeId'), (appointments, which, byte, field) => {
      const request = parseAppointmentsRequest(overTheWire(signAppointmentsRequest(alice, tower.nodeId, appointments, signedAt)));
      if (field === 'signedAt') return !verifyAppointmentsRequest(tower.nodeId, { ...request, signedAt: signedAt + 1 + (byte % 1000) });
      if (field === 'nodeId') return !verifyAppointmentsRequest(tower.nodeId, { ...request, nodeId: mallory.nodeId });
      const i = which % appointments.length;
      const original = request.appointments[i]!;
      const changed = field === 'tag' && original.tag.length === 0 ? { ...original, tag: Uint8Array.of(0) } : { ...original, [field]: flip(original[field], byte) };
      return !verifyAppointmentsRequest(tower.nodeId, { ...request, appointments: request.appointments.map((item, j) => (j === i ? changed : item)) });
    }),
    { numRuns: 100 },
  );
  t.pass('100 random changes, none verifies');
  t.end();
});

t.test("another key claiming Alice's node id does not verify", (t) => {
  const forged = { ...signAppointmentsRequest(mallory, tower.nodeId, sampleBatch(), signedAt), nodeId: bytesToHex(alice.nodeId) };
  t.notOk(verifyAppointmentsRequest(tower.nodeId, parseAppointmentsRequest(overTheWire(forged))), "Mallory's signature under Alice's id: refused");
  const forgedDrop = { ...signDropTagRequest(mallory, tower.nodeId, Uint8Array.of(7), signedAt), nodeId: bytesToHex(alice.nodeId) };
  t.notOk(verifyDropTagRequest(tower.nodeId, parseDropTagRequest(overTheWire(forgedDrop))), 'and for a drop-tag');
  t.end();
});

t.test('the digests are the documented layouts, each under its own domain', (t) => {
  const appointments = sampleBatch();
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(signedAt));
  const expected = createHash('sha256')
    .update('lnmesh/tower/http/appointments/1')
    .update(tower.nodeId)
    .update(time)
    .update(receiptDigest(alice.nodeId, appointments))
    .digest('hex');
  t.equal(bytesToHex(appointmentsRequestDigest(tower.nodeId, alice.nodeId, signedAt, appointments)), expected, 'appointments: domain || gateway id || signedAt || receipt digest');
  t.not(expected, bytesToHex(receiptDigest(alice.nodeId, appointments)), 'so a request signature is never a receipt');

  const tag = Uint8Array.of(1, 2, 3);
  const expectedDrop = createHash('sha256').update('lnmesh/tower/http/drop-tag/1').update(tower.nodeId).update(time).update(alice.nodeId).update(Uint8Array.of(3, 1, 2, 3)).digest('hex');
  t.equal(bytesToHex(dropTagRequestDigest(tower.nodeId, alice.nodeId, signedAt, tag)), expectedDrop, 'drop-tag: domain || gateway id || signedAt || node id || tag length || tag');
  t.end();
});

t.test('a drop-tag request survives JSON and verifies only as signed', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 32 }), fc.integer({ min: 0, max: 2 ** 40 }), (tag, time) => {
      const request = parseDropTagRequest(overTheWire(signDropTagRequest(alice, tower.nodeId, tag, time)));
      const otherTag = tag.length === 0 ? Uint8Array.of(0) : tag.subarray(1);
      return (
        bytesToHex(request.tag) === bytesToHex(tag) &&
        verifyDropTagRequest(tower.nodeId, request) &&
        !verifyDropTagRequest(otherTower.nodeId, request) &&
        !verifyDropTagRequest(tower.nodeId, { ...request, tag: otherTag }) &&
        !verifyDropTagRequest(tower.nodeId, { ...request, signedAt: time + 1 })
      );
    }),
    { numRuns: 50 },
  );
  t.pass('50 random tags');
  t.end();
});

t.test('a malformed body is refused with the field to fix', (t) => {
  const good = signAppointmentsRequest(alice, tower.nodeId, sampleBatch(), signedAt);
  const [first, second] = good.appointments as [AppointmentsRequestBody['appointments'][number], AppointmentsRequestBody['appointments'][number]];
  const cases: [string, unknown, string][] = [
    ['not an object', [good], 'body'],
    ['null', null, 'body'],
    ['no node id', { ...good, nodeId: undefined }, 'nodeId'],
    ['a node id that is not hex', { ...good, nodeId: 'zz'.repeat(33) }, 'nodeId'],
    ['a 32-byte node id', { ...good, nodeId: good.nodeId.slice(2) }, 'nodeId'],
    ['a node id off the curve', { ...good, nodeId: '02' + 'ff'.repeat(32) }, 'nodeId'],
    ['signedAt as a string', { ...good, signedAt: String(signedAt) }, 'signedAt'],
    ['a negative signedAt', { ...good, signedAt: -1 }, 'signedAt'],
    ['a fractional signedAt', { ...good, signedAt: 1.5 }, 'signedAt'],
    ['appointments as an object', { ...good, appointments: first }, 'appointments'],
    ['no appointments', { ...good, appointments: [] }, 'appointments'],
    ['too many appointments', { ...good, appointments: Array(MAX_APPOINTMENTS_PER_BATCH + 1).fill(first) }, 'appointments'],
    ['an appointment that is a string', { ...good, appointments: [first, 'x'] }, 'appointments[1]'],
    ['a 15-byte locator', { ...good, appointments: [first, { ...second, locator: second.locator.slice(2) }] }, 'appointments[1].locator'],
    ['a locator as a number', { ...good, appointments: [{ ...first, locator: 7 }] }, 'appointments[0].locator'],
    ['an odd-length blob', { ...good, appointments: [{ ...first, blob: first.blob + 'a' }] }, 'appointments[0].blob'],
    ['a blob over the limit', { ...good, appointments: [{ ...first, blob: 'ab'.repeat(MAX_BLOB_BYTES + 1) }] }, 'appointments[0].blob'],
    ['a missing tag', { ...good, appointments: [{ ...first, tag: undefined }] }, 'appointments[0].tag'],
    ['a 33-byte tag', { ...good, appointments: [{ ...first, tag: '00'.repeat(33) }] }, 'appointments[0].tag'],
    ['a 63-byte signature', { ...good, signature: good.signature.slice(2) }, 'signature'],
    ['no signature', { ...good, signature: undefined }, 'signature'],
  ];
  for (const [name, body, field] of cases) throwsField(t, () => parseAppointmentsRequest(overTheWire(body)), field, name);
  const drop = signDropTagRequest(alice, tower.nodeId, Uint8Array.of(7), signedAt);
  throwsField(t, () => parseDropTagRequest(overTheWire({ ...drop, tag: '00'.repeat(33) })), 'tag', 'a 33-byte tag to drop');
  throwsField(t, () => parseDropTagRequest(overTheWire({ ...drop, tag: 5 })), 'tag', 'a tag as a number');
  throwsField(t, () => parseDropTagRequest('drop it'), 'body', 'a string');
  t.end();
});

t.test('any JSON value parses or is an InvalidInputError, never another exception', (t) => {
  const good = signAppointmentsRequest(alice, tower.nodeId, sampleBatch(), signedAt);
  const strange = fc.oneof(
    fc.jsonValue(),
    fc.record({ nodeId: fc.oneof(fc.constant(good.nodeId), fc.jsonValue()), signedAt: fc.jsonValue(), appointments: fc.array(fc.jsonValue(), { maxLength: 3 }), signature: fc.jsonValue() }),
  );
  fc.assert(
    fc.property(strange, (body) => {
      for (const parse of [parseAppointmentsRequest, parseDropTagRequest]) {
        const error = caught(() => parse(body));
        if (error !== undefined && !(error instanceof InvalidInputError)) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass('300 random bodies');
  t.end();
});

t.test('the client refuses to sign what the tower would refuse', (t) => {
  throwsField(t, () => signAppointmentsRequest(alice, tower.nodeId, [], signedAt), 'appointments', 'an empty batch');
  throwsField(t, () => signAppointmentsRequest(alice, tower.nodeId, [{ ...sampleBatch()[0]!, tag: new Uint8Array(33) }], signedAt), 'appointments[0].tag', 'a 33-byte tag');
  throwsField(t, () => signAppointmentsRequest(alice, new Uint8Array(33), sampleBatch(), signedAt), 'gatewayId', 'a gateway id that is not a key');
  throwsField(t, () => signDropTagRequest(alice, tower.nodeId, Uint8Array.of(1), -5), 'signedAt', 'a negative time');
  t.end();
});

function hexOf(appointment: TowerAppointment): string[] {
  return [bytesToHex(appointment.locator), bytesToHex(appointment.blob), bytesToHex(appointment.tag)];
}
