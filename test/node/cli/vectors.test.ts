// `lnmesh vectors FILE...`, run as a user runs it: a child process, its output and exit status.
import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, type Run, lnmesh } from './run-cli.js';

const VECTORS = join(ROOT, 'test/vectors');
const SHIPPED = ['bolt03-commitments.json', 'bolt03-keys.json', 'bolt03-misc.json', 'bolt03-shachain.json'];

const dir = mkdtempSync(join(tmpdir(), 'lnmesh-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const shipped = (name: string): Json => JSON.parse(readFileSync(join(VECTORS, name), 'utf8'));
function write(name: string, content: Json): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 1));
  return path;
}
/** The hex string with the digit at `at` changed. */
const flipHex = (hex: string, at: number) => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);

const STACK_FRAME = /^\s+at .+\(.*:\d+:\d+\)$/m;
const BARE_FRAME = /^\s+at \S+:\d+:\d+$/m;
const ERROR_HEADER = /^\s*(?:[\w$]*Error|Uncaught)\b(?: \[[A-Z_]+\])?:/m;
function noStackTrace(t: Test, run: Run): void {
  for (const [name, text] of [['stdout', run.stdout], ['stderr', run.stderr]] as const) {
    t.notMatch(text, STACK_FRAME, `no stack frame on ${name}`);
    t.notMatch(text, BARE_FRAME, `no bare stack frame on ${name}`);
    t.notMatch(text, ERROR_HEADER, `no "Error:" stack header on ${name}`);
  }
}

const passedCount = (line: string) => Number(/^(\d+) passed, (\d+) failed$/.exec(line)?.[1] ?? NaN);
const fileLine = (run: Run, path: string) => run.stdout.split('\n').find((line) => line.startsWith(`${path} (`)) ?? '';

/** Independent BOLT 3 generate_from_seed: for bit 47 down to 0, if set in I, flip it in P and hash. */
function generateFromSeed(seedHex: string, index: number): string {
  const p = Buffer.from(seedHex, 'hex');
  for (let bit = 47; bit >= 0; bit--) {
    if (Math.floor(index / 2 ** bit) % 2 === 1) {
      p.writeUInt8(p.readUInt8(bit >> 3) ^ (1 << (bit & 7)), bit >> 3);
      createHash('sha256').update(p).digest().copy(p);
    }
  }
  return p.toString('hex');
}

let shippedPassed = NaN;
/** Cases per shipped file as the runner counts them (commitments: `common` is checked as a case of its own). */
const COUNT = {
  keys: shipped('bolt03-keys.json').cases.length as number,
  commitments: 1 + (shipped('bolt03-commitments.json').cases.length as number),
  shachain: (shipped('bolt03-shachain.json').generation_tests.length + shipped('bolt03-shachain.json').storage_tests.length) as number,
};

t.test('the shipped BOLT 3 vector files all pass', async (t) => {
  const run = lnmesh('vectors', ...SHIPPED.map((name) => join(VECTORS, name)));
  t.equal(run.status, 0, 'exit status 0');
  t.match(run.lastLine, /^\d+ passed, 0 failed$/, 'last line: N passed, 0 failed');
  shippedPassed = passedCount(run.lastLine);
  t.ok(shippedPassed > 40, `more than 40 cases passed (${shippedPassed})`);
  for (const name of SHIPPED) {
    t.match(fileLine(run, join(VECTORS, name)), /: \d+ passed, 0 failed$/, `${name} has its own line`);
  }
  t.notMatch(run.stdout, /FAIL/, 'no case reported as failing');
  t.equal(run.stderr, '', 'nothing on stderr');
});

t.test('the independent generate_from_seed agrees with the shipped shachain cases', async (t) => {
  for (const test of shipped('bolt03-shachain.json').generation_tests) {
    t.equal(generateFromSeed(test.seed, test.I), test.output, test.name);
  }
});

t.test('files extended with new cases in the same format: every added case is run and counted', async (t) => {
  const keys = shipped('bolt03-keys.json');
  const keysBefore = keys.cases.length;
  keys.cases.push({ ...keys.cases[0], name: 'added: copy of the first key case', source_line: undefined });
  const commonOnly = { ...keys.cases[3], name: 'added: revocation privkey from common only', source_line: undefined };
  delete commonOnly.inputs;
  keys.cases.push(commonOnly);

  const commitments = shipped('bolt03-commitments.json');
  const staticCase = commitments.cases.findIndex((c: Json) => c.variant === 'static_remotekey' && c.htlc_txs.length === 5);
  t.ok(staticCase >= 0, 'found a static_remotekey case with five HTLC transactions');
  commitments.cases.push({ ...commitments.cases[staticCase], name: 'added: copy of a static_remotekey case', source_line: undefined });

  const shachain = shipped('bolt03-shachain.json');
  const seed01 = Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1)).toString('hex');
  const ff = 'ff'.repeat(32);
  shachain.generation_tests.push(
    { name: 'added: generate_from_seed FF index 0', seed: ff, I: 0, output: generateFromSeed(ff, 0) },
    { name: 'added: generate_from_seed 0102.. index 0x123456789abc', seed: seed01, I: 0x123456789abc, output: generateFromSeed(seed01, 0x123456789abc) },
  );
  t.equal(generateFromSeed(ff, 0), ff, 'index 0 is the seed itself');
  shachain.storage_tests.push({ ...shachain.storage_tests[1], name: 'added: copy of a storage test', source_line: undefined });

  const keysPath = write('ext-keys.json', keys);
  const commitmentsPath = write('ext-commitments.json', commitments);
  const shachainPath = write('ext-shachain.json', shachain);
  const run = lnmesh('vectors', '--verbose', keysPath, commitmentsPath, shachainPath, join(VECTORS, 'bolt03-misc.json'));
  t.equal(run.status, 0, 'exit status 0');
  t.match(run.lastLine, /^\d+ passed, 0 failed$/);
  t.equal(passedCount(run.lastLine), shippedPassed + 6, 'six more cases passed than in the shipped files');
  t.match(fileLine(run, keysPath), `(bolt03-keys): ${keysBefore + 2} passed, 0 failed`);
  t.match(fileLine(run, commitmentsPath), `(bolt03-commitments): ${COUNT.commitments + 1} passed, 0 failed`);
  t.match(fileLine(run, shachainPath), `(bolt03-shachain): ${COUNT.shachain + 3} passed, 0 failed`);
  for (const label of [
    `ok   added: copy of the first key case (cases[${keysBefore}])`,
    `ok   added: revocation privkey from common only (cases[${keysBefore + 1}])`,
    `ok   added: copy of a static_remotekey case (cases[${commitments.cases.length - 1}])`,
    `ok   added: generate_from_seed FF index 0 (generation_tests[${shachain.generation_tests.length - 2}])`,
    `ok   added: generate_from_seed 0102.. index 0x123456789abc (generation_tests[${shachain.generation_tests.length - 1}])`,
    `ok   added: copy of a storage test (storage_tests[${shachain.storage_tests.length - 1}])`,
  ]) {
    t.ok(run.stdout.includes(label), `--verbose lists "${label}"`);
  }
});

t.test('an added case is checked, not just counted; totals add up across files', async (t) => {
  const keys = shipped('bolt03-keys.json');
  const added = keys.cases.length;
  keys.cases.push({ ...keys.cases[0], name: 'added with a wrong expectation', expected: keys.cases[2].expected });
  const path = write('ext-keys-wrong.json', keys);
  const run = lnmesh('vectors', join(VECTORS, 'bolt03-keys.json'), path);
  t.equal(run.status, 1, 'exit status 1');
  t.equal(run.lastLine, `${2 * added} passed, 1 failed`);
  t.match(fileLine(run, path), `(bolt03-keys): ${added} passed, 1 failed`);
  t.match(run.stdout, `FAIL added with a wrong expectation (cases[${added}]`);
  t.match(run.stdout, `cases[${added}].expected differs`);
  noStackTrace(t, run);
});

t.test('tampered expectations fail, naming the case and the field', async (t) => {
  const expectFailure = (t: Test, path: string, kind: string, passed: number, caseLine: string, fieldLine: string | RegExp) => {
    const run = lnmesh('vectors', path);
    t.equal(run.status, 1, 'exit status 1');
    t.equal(run.lastLine, `${passed} passed, 1 failed`, 'only the tampered case fails');
    t.match(fileLine(run, path), `(${kind}): ${passed} passed, 1 failed`);
    t.ok(run.stdout.includes(`FAIL ${caseLine}`), `names the case: ${caseLine}`);
    t.match(run.stdout, fieldLine, 'names the field');
    noStackTrace(t, run);
  };

  t.test('output_commit_tx', async (t) => {
    const file = shipped('bolt03-commitments.json');
    file.cases[3].output_commit_tx = flipHex(file.cases[3].output_commit_tx, 100);
    expectFailure(t, write('tamper-commit.json', file), 'bolt03-commitments', COUNT.commitments - 1, `${file.cases[3].name} (cases[3]`, /^\s+cases\[3\]\.output_commit_tx differs$/m);
  });

  t.test('expected of a key derivation', async (t) => {
    const file = shipped('bolt03-keys.json');
    file.cases[1].expected = flipHex(file.cases[1].expected, 10);
    expectFailure(t, write('tamper-keys.json', file), 'bolt03-keys', COUNT.keys - 1, `${file.cases[1].name} (cases[1]`, /^\s+cases\[1\]\.expected differs$/m);
  });

  t.test('a shachain storage step expected OK, now ERROR', async (t) => {
    const file = shipped('bolt03-shachain.json');
    t.equal(file.storage_tests[0].steps[3].expected, 'OK');
    file.storage_tests[0].steps[3].expected = 'ERROR';
    expectFailure(t, write('tamper-shachain.json', file), 'bolt03-shachain', COUNT.shachain - 1, `${file.storage_tests[0].name} (storage_tests[0]`, /^\s+storage_tests\[0\]\.steps\[3\]\.expected differs\n\s+expected ERROR\n\s+got\s+OK$/m);
  });

  t.test('an HTLC transaction', async (t) => {
    const file = shipped('bolt03-commitments.json');
    file.cases[2].htlc_txs[1].tx = flipHex(file.cases[2].htlc_txs[1].tx, 100);
    expectFailure(t, write('tamper-htlc.json', file), 'bolt03-commitments', COUNT.commitments - 1, `${file.cases[2].name} (cases[2]`, /^\s+cases\[2\]\.htlc_txs\[1\]\.tx differs$/m);
  });

  t.test('remote_signature replaced by another valid DER signature', async (t) => {
    const file = shipped('bolt03-commitments.json');
    t.not(file.cases[0].remote_signature, file.cases[1].remote_signature);
    file.cases[0].remote_signature = file.cases[1].remote_signature;
    expectFailure(t, write('tamper-sig.json', file), 'bolt03-commitments', COUNT.commitments - 1, `${file.cases[0].name} (cases[0]`, /^\s+cases\[0\]\.remote_signature\b.*differs$/m);
  });
});

t.test('malformed files: named case and field, non-zero exit, no stack trace', async (t) => {
  const withCommitments = (edit: (file: Json) => void) => {
    const file = shipped('bolt03-commitments.json');
    edit(file);
    return file;
  };
  const withKeys = (edit: (file: Json) => void) => {
    const file = shipped('bolt03-keys.json');
    edit(file);
    return file;
  };
  const withShachain = (edit: (file: Json) => void) => {
    const file = shipped('bolt03-shachain.json');
    edit(file);
    return file;
  };
  const malformed: { name: string; path: string; says: (string | RegExp)[] }[] = [
    { name: 'not JSON', path: write('not-json.json', '{"cases": [ {"function": '), says: ['not valid JSON'] },
    { name: 'a JSON array', path: write('array.json', [1, 2, 3]), says: ['expected a JSON object'] },
    {
      name: 'a case missing to_local_msat',
      path: write('missing.json', withCommitments((f) => delete f.cases[2].to_local_msat)),
      says: ['(cases[2]', 'cases[2].to_local_msat: missing'],
    },
    {
      name: 'a string where a number belongs',
      path: write('wrong-type.json', withShachain((f) => (f.generation_tests[1].I = String(f.generation_tests[1].I)))),
      says: ['(generation_tests[1]', /generation_tests\[1\]\.I: expected an integer/],
    },
    {
      name: 'hex of odd length',
      path: write('odd-hex.json', withKeys((f) => (f.cases[1].expected = f.cases[1].expected.slice(0, -1)))),
      says: ['(cases[1]', 'cases[1].expected: not valid hex'],
    },
    {
      name: 'an unknown derivation function',
      path: write('unknown-function.json', withKeys((f) => (f.cases[2].function = 'derive_nothing'))),
      says: ['(cases[2]', 'cases[2].function: unknown function "derive_nothing"'],
    },
    { name: 'an empty file', path: write('empty.json', ''), says: ['not valid JSON'] },
    { name: 'a path that does not exist', path: join(dir, 'no-such-file.json'), says: ['cannot be read', 'ENOENT'] },
    { name: 'an unknown shape', path: write('unknown-shape.json', { foo: 1 }), says: ['not a vector file lnmesh knows'] },
  ];
  for (const { name, path, says } of malformed) {
    t.test(name, async (t) => {
      const run = lnmesh('vectors', path);
      t.not(run.status, 0, 'non-zero exit status');
      t.not(run.status, null, 'exited rather than being killed');
      noStackTrace(t, run);
      t.match(run.lastLine, /^\d+ passed, [1-9]\d* failed$/, 'last line counts the failure');
      t.ok(run.stdout.includes(path), 'names the file');
      for (const text of says) t.match(run.stdout, text, `says ${text}`);
    });
  }
});

t.test('bolt08-handshake: every handshake and message case passes', async (t) => {
  const path = join(VECTORS, 'bolt08-handshake.json');
  const file = shipped('bolt08-handshake.json');
  const total = file.handshake_tests.length + file.message_encryption_test.outputs.length + file.message_encryption_test.trace.length;
  const run = lnmesh('vectors', path);
  t.equal(run.status, 0, 'exit status 0');
  t.match(fileLine(run, path), `(bolt08-handshake): ${total} passed, 0 failed`);
  t.equal(run.lastLine, `${total} passed, 0 failed`);
  t.notMatch(run.stdout, /FAIL|error:/);
  t.equal(run.stderr, '', 'nothing on stderr');
});

t.test('bolt08-handshake with one byte changed: that case fails, the others pass', async (t) => {
  const file = shipped('bolt08-handshake.json');
  const total = file.handshake_tests.length + file.message_encryption_test.outputs.length + file.message_encryption_test.trace.length;
  file.handshake_tests[5].acts.two.output = flipHex(file.handshake_tests[5].acts.two.output, 20);
  const path = write('tamper-bolt08.json', file);
  const run = lnmesh('vectors', path);
  t.equal(run.status, 1, 'exit status 1');
  t.equal(run.lastLine, `${total - 1} passed, 1 failed`);
  t.ok(run.stdout.includes(`FAIL ${file.handshake_tests[5].name} (handshake_tests[5], spec line ${file.handshake_tests[5].source_line})`), 'names the case');
  t.match(run.stdout, /^\s+handshake_tests\[5\]\.acts\.two\.output differs$/m, 'names the field');
  noStackTrace(t, run);
});

t.test('help and usage', async (t) => {
  t.test('lnmesh vectors --help', async (t) => {
    const run = lnmesh('vectors', '--help');
    t.equal(run.status, 0);
    t.match(run.stdout, /^Usage: lnmesh vectors \[options\] <file\.\.\.>/);
    t.match(run.stdout, 'N passed, N failed');
    t.match(run.stdout, /Exits 0 only when\s+nothing failed/);
    t.match(run.stdout, /bolt08-handshake/);
  });
  t.test('lnmesh --help', async (t) => {
    const run = lnmesh('--help');
    t.equal(run.status, 0);
    t.match(run.stdout, /^\s+vectors \[options\] <file\.\.\.>\s+check lnmesh against BOLT test-vector files$/m);
  });
  t.test('lnmesh vectors with no file', async (t) => {
    const run = lnmesh('vectors');
    t.not(run.status, 0, 'non-zero exit status');
    t.not(run.status, null);
    t.match(run.stderr, /missing required argument 'file'/);
    t.match(run.stderr, /Usage: lnmesh vectors \[options\] <file\.\.\.>/);
    t.notMatch(run.stdout, /passed, \d+ failed/, 'runs nothing');
    noStackTrace(t, run);
  });
});
