// The tower's receipt: the gateway signs a batch it stored, the node checks
// it against the batch it sent, with nothing of the gateway's code. Any
// change to the batch (a locator, a tag, a blob, the order, another node)
// or another key makes the receipt fail.
import t from 'tap';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { towerSignerFromSecret, receiptDigest, signReceipt, verifyReceipt } from '../../../node/gateway-protocol/receipt.js';
import { MAX_APPOINTMENTS_PER_BATCH, type TowerAppointment } from '../../../node/gateway-protocol/gateway-messages.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { throwsField } from '../input.js';

const gateway = towerSignerFromSecret(sha256(Uint8Array.of(0x6a, 1)));
const otherGateway = towerSignerFromSecret(sha256(Uint8Array.of(0x6a, 2)));
const node = publicKeyOf(sha256(Uint8Array.of(0x6b, 1)));
const otherNode = publicKeyOf(sha256(Uint8Array.of(0x6b, 2)));

const appointment = fc.record({
  locator: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  blob: fc.uint8Array({ minLength: 17, maxLength: 300 }),
  tag: fc.uint8Array({ maxLength: 32 }),
});
const batch = fc.array(appointment, { minLength: 1, maxLength: 8 });

t.test('a receipt verifies for exactly the batch, the node and the gateway it was made for', (t) => {
  fc.assert(
    fc.property(batch, (appointments) => {
      const signature = signReceipt(gateway, node, appointments);
      return (
        signature.length === 64 &&
        verifyReceipt(gateway.nodeId, node, appointments, signature) &&
        !verifyReceipt(otherGateway.nodeId, node, appointments, signature) &&
        !verifyReceipt(gateway.nodeId, otherNode, appointments, signature)
      );
    }),
    { numRuns: 50 },
  );
  t.pass('50 random batches');
  t.end();
});

t.test('any change to any appointment of the batch breaks the receipt', (t) => {
  const flip = (bytes: Uint8Array, index: number) => {
    const copy = Uint8Array.from(bytes);
    copy[index % copy.length]! ^= 1;
    return copy;
  };
  fc.assert(
    fc.property(batch, fc.nat(), fc.nat(), fc.constantFrom('locator', 'blob', 'tag'), (appointments, which, byte, field) => {
      const signature = signReceipt(gateway, node, appointments);
      const i = which % appointments.length;
      const original = appointments[i]!;
      const changed: TowerAppointment =
        field === 'tag' && original.tag.length === 0 ? { ...original, tag: Uint8Array.of(0) } : { ...original, [field]: flip(original[field], byte) };
      const tampered = appointments.map((item, j) => (j === i ? changed : item));
      return !verifyReceipt(gateway.nodeId, node, tampered, signature);
    }),
    { numRuns: 100 },
  );
  t.pass('100 random changes, none verifies');

  const [first, second] = [0, 1].map((i) => ({ locator: new Uint8Array(16).fill(i), blob: new Uint8Array(40).fill(i), tag: Uint8Array.of(i) }));
  const signature = signReceipt(gateway, node, [first!, second!]);
  t.ok(verifyReceipt(gateway.nodeId, node, [first!, second!], signature), 'the batch as sent');
  t.notOk(verifyReceipt(gateway.nodeId, node, [second!, first!], signature), 'the same appointments in another order');
  t.notOk(verifyReceipt(gateway.nodeId, node, [first!], signature), 'part of the batch');
  // The tag is length-prefixed: moving a byte between tag and blob changes the digest.
  const moved = { ...first!, tag: Uint8Array.of(0, 0), blob: first!.blob.subarray(1) };
  t.notOk(verifyReceipt(gateway.nodeId, node, [moved, second!], signature), 'a byte moved from the blob to the tag');
  t.end();
});

t.test('a batch that the wire would refuse has no digest', (t) => {
  const good = { locator: new Uint8Array(16), blob: new Uint8Array(20), tag: new Uint8Array(0) };
  throwsField(t, () => receiptDigest(node, []), 'appointments', 'an empty batch');
  throwsField(t, () => receiptDigest(node, Array(MAX_APPOINTMENTS_PER_BATCH + 1).fill(good)), 'appointments', 'a batch over the limit');
  throwsField(t, () => receiptDigest(node, [{ ...good, locator: new Uint8Array(15) }]), 'appointments[0].locator', 'a short locator');
  throwsField(t, () => receiptDigest(node, [good, { ...good, tag: new Uint8Array(33) }]), 'appointments[1].tag', 'a tag over 32 bytes');
  throwsField(t, () => receiptDigest(new Uint8Array(33), [good]), 'nodeId', 'a node id that is not a key');
  throwsField(t, () => verifyReceipt(gateway.nodeId, node, [good], new Uint8Array(63)), 'signature', 'a short signature');
  t.end();
});

t.test('a receipt also commits to the channel records beside the appointments, and only when there are any', async (t) => {
  const appointments: TowerAppointment[] = [1, 2].map((i) => ({ locator: new Uint8Array(16).fill(i), blob: new Uint8Array(40).fill(i), tag: Uint8Array.of(6 + i) }));
  const bare = receiptDigest(node, appointments);
  // The digest of before records existed, written out: a batch without them keeps it.
  const inner = (i: number) => sha256(Uint8Array.from([1, 6 + i, ...new Uint8Array(40).fill(i)]));
  const before = sha256(Uint8Array.from([...new TextEncoder().encode('lnmesh/tower/receipt/1'), ...node, 0, 2, ...new Uint8Array(16).fill(1), ...inner(1), ...new Uint8Array(16).fill(2), ...inner(2)]));
  t.same(bare, before, 'no record: the digest of before');
  const withRecord = [{ ...appointments[0]!, channel: Uint8Array.of(1, 2, 3) }, appointments[1]!];
  const signature = signReceipt(gateway, node, withRecord);
  t.ok(verifyReceipt(gateway.nodeId, node, withRecord, signature), 'a batch with a record verifies as sent');
  t.notOk(verifyReceipt(gateway.nodeId, node, appointments, signature), 'not without the record');
  t.notOk(verifyReceipt(gateway.nodeId, node, [{ ...withRecord[0]!, channel: Uint8Array.of(1, 2, 4) }, appointments[1]!], signature), 'nor with another record');
  t.notOk(verifyReceipt(gateway.nodeId, node, [appointments[0]!, { ...appointments[1]!, channel: Uint8Array.of(1, 2, 3) }], signature), 'nor beside an appointment of another tag');
});
