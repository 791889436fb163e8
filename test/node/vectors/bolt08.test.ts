// BOLT 8 Appendix A through the vector runner: every case passes, and a changed or broken case fails alone, named.
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { casePassed } from '../../../node/vectors/case-check.js';
import { runVectors } from '../../../node/vectors/run.js';

const FILE = fileURLToPath(new URL('../../vectors/bolt08-handshake.json', import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const shipped = (): Json => JSON.parse(readFileSync(FILE, 'utf8'));
const SHIPPED = shipped();
const TOTAL = SHIPPED.handshake_tests.length + SHIPPED.message_encryption_test.outputs.length + SHIPPED.message_encryption_test.trace.length;

/** The hex string with the digit at `at` changed. */
const flipHex = (hex: string, at: number) => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);

/** Runs an edited copy; returns the failing cases. */
function failuresOf(t: Test, edit: (file: Json) => void) {
  const file = shipped();
  edit(file);
  const report = runVectors('edited bolt08', file);
  t.equal(report.error, undefined, 'the file as a whole still runs');
  t.equal(report.cases.length, TOTAL, 'every case ran');
  return report.cases.filter((result) => !casePassed(result));
}

t.test('every case of the shipped file passes', async (t) => {
  const report = runVectors(FILE, SHIPPED);
  t.equal(report.kind, 'bolt08-handshake');
  t.equal(report.error, undefined);
  t.equal(report.cases.length, TOTAL, `${TOTAL} cases: 15 handshakes, 6 messages, 8 trace steps`);
  for (const result of report.cases) t.ok(casePassed(result), result.label, { mismatches: result.mismatches, error: result.error });
});

t.test('one changed byte in an act the initiator sends: that case fails, naming the field', async (t) => {
  const failed = failuresOf(t, (file) => (file.handshake_tests[0].acts.three.output = flipHex(file.handshake_tests[0].acts.three.output, 40)));
  t.equal(failed.length, 1);
  t.equal(failed[0]?.label, 'transport-initiator successful handshake');
  t.same(failed[0]?.mismatches.map((mismatch) => mismatch.field), ['handshake_tests[0].acts.three.output']);
});

t.test('one changed byte in the act the responder receives: refused, where success was expected', async (t) => {
  const failed = failuresOf(t, (file) => (file.handshake_tests[5].acts.three.input = flipHex(file.handshake_tests[5].acts.three.input, 131)));
  t.equal(failed.length, 1);
  t.equal(failed[0]?.path, 'handshake_tests[5]');
  t.match(failed[0]?.mismatches[0], { field: 'handshake_tests[5].acts.three.error', expected: 'no error', actual: /^ACT3_BAD_TAG/ });
});

t.test('a final key changed: that case fails', async (t) => {
  const failed = failuresOf(t, (file) => (file.handshake_tests[5].final_keys.sk = flipHex(file.handshake_tests[5].final_keys.sk, 0)));
  t.same(failed.map((result) => result.mismatches.map((mismatch) => mismatch.field)), [['handshake_tests[5].final_keys.sk']]);
});

t.test('a failing case expecting another error: that case fails', async (t) => {
  const failed = failuresOf(t, (file) => {
    file.handshake_tests[4].acts.two.error = 'ACT2_BAD_VERSION';
    file.handshake_tests[4].expected_error = 'ACT2_BAD_VERSION';
  });
  t.equal(failed.length, 1);
  t.match(failed[0]?.mismatches[0], { field: 'handshake_tests[4].acts.two.error', expected: 'ACT2_BAD_VERSION', actual: 'ACT2_BAD_TAG' });
});

t.test('a bad-version case with the wrong version number: that case fails', async (t) => {
  const failed = failuresOf(t, (file) => (file.handshake_tests[2].acts.two.error = 'ACT2_BAD_VERSION 2'));
  t.equal(failed.length, 1);
  t.match(failed[0]?.mismatches[0], { field: 'handshake_tests[2].acts.two.error', expected: 'ACT2_BAD_VERSION 2', actual: 'ACT2_BAD_VERSION 1' });
});

t.test('a failing case whose bad act was repaired: it fails, the act no longer being refused', async (t) => {
  const failed = failuresOf(t, (file) => (file.handshake_tests[7].acts.one.input = SHIPPED.handshake_tests[5].acts.one.input));
  t.equal(failed.length, 1);
  t.match(failed[0]?.mismatches, [{ field: 'handshake_tests[7].acts.one.error', expected: 'ACT1_BAD_VERSION', actual: 'no error' }]);
});

t.test('message 1000 changed: only that message fails (after two key rotations)', async (t) => {
  const failed = failuresOf(t, (file) => {
    const output = file.message_encryption_test.outputs[4];
    t.equal(output.message_number, 1000);
    output.ciphertext = flipHex(output.ciphertext, 10);
  });
  t.equal(failed.length, 1);
  t.equal(failed[0]?.label, 'transport-message test: message 1000');
  t.same(failed[0]?.mismatches.map((mismatch) => mismatch.field), ['message_encryption_test.outputs[4].ciphertext']);
});

t.test('a key rotation step changed: only that step fails', async (t) => {
  const failed = failuresOf(t, (file) => (file.message_encryption_test.trace[6].out_k = flipHex(file.message_encryption_test.trace[6].out_k, 63)));
  t.same(failed.map((result) => result.path), ['message_encryption_test.trace[6]']);
});

t.test('malformed cases fail alone, naming their JSON path and field', async (t) => {
  const cases: [string, (file: Json) => void, string, string, RegExp][] = [
    ['a private key that is not hex', (file) => (file.handshake_tests[2].e_priv = 'zz'), 'handshake_tests[2]', 'handshake_tests[2].e_priv', /not valid hex/],
    ['an unknown role', (file) => (file.handshake_tests[1].role = 'bystander'), 'handshake_tests[1]', 'handshake_tests[1].role', /initiator" or "responder/],
    ['a successful case without final keys', (file) => delete file.handshake_tests[0].final_keys, 'handshake_tests[0]', 'handshake_tests[0].final_keys', /missing/],
    ['a responder case without act one', (file) => delete file.handshake_tests[9].acts.one, 'handshake_tests[9]', 'handshake_tests[9].acts.one', /missing/],
    ['an initiator without the responder key', (file) => delete file.handshake_tests[3].rs_pub, 'handshake_tests[3]', 'handshake_tests[3].rs_pub', /missing/],
    ['a message number beyond the bound', (file) => (file.message_encryption_test.outputs[1].message_number = 1e9), 'message_encryption_test.outputs[1]', 'message_encryption_test.outputs[1].message_number', /outside/],
    ['an unknown trace op', (file) => (file.message_encryption_test.trace[0].op = 'decrypt_all'), 'message_encryption_test.trace[0]', 'message_encryption_test.trace[0].op', /unknown op/],
    ['a handshake case that is a number', (file) => (file.handshake_tests[6] = 42), 'handshake_tests[6]', 'handshake_tests[6]', /expected a JSON object/],
  ];
  for (const [name, edit, path, field, reason] of cases) {
    t.test(name, async (t) => {
      const failed = failuresOf(t, edit);
      t.equal(failed.length, 1, 'only the broken case fails');
      t.equal(failed[0]?.path, path);
      t.equal(failed[0]?.error?.field, field);
      t.match(failed[0]?.error?.reason, reason);
    });
  }
});

t.test('a message section without its key fails as one case; the handshakes still run', async (t) => {
  const file = shipped();
  delete file.message_encryption_test.sk;
  const report = runVectors('no sk', file);
  const failed = report.cases.filter((result) => !casePassed(result));
  t.same(failed.map((result) => result.error?.field), ['message_encryption_test.sk']);
  t.equal(report.cases.filter(casePassed).length, SHIPPED.handshake_tests.length, 'all handshake cases passed');
});
