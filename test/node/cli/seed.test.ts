// `lnmesh seed new|id|words|restore`, run as a user runs it: a child process, its output and exit status.
import t, { type Test } from 'tap';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { type Run, lnmesh } from './run-cli.js';

const STACK_FRAME = /^\s+at .+\(.*:\d+:\d+\)$/m;
const BARE_FRAME = /^\s+at \S+:\d+:\d+$/m;
const ERROR_HEADER = /^\s*(?:[\w$]*Error|Uncaught)\b(?: \[[A-Z_]+\])?:/m;

/** A clean failure: non-zero exit, one line on stderr (returned), nothing on stdout, no stack trace. */
function cleanFailure(t: Test, run: Run): string {
  t.not(run.status, 0, 'non-zero exit status');
  t.not(run.status, null, 'exited rather than being killed');
  t.equal(run.stdout, '', 'nothing on stdout');
  for (const [name, text] of [['stdout', run.stdout], ['stderr', run.stderr]] as const) {
    t.notMatch(text, STACK_FRAME, `no stack frame on ${name}`);
    t.notMatch(text, BARE_FRAME, `no bare stack frame on ${name}`);
    t.notMatch(text, ERROR_HEADER, `no "Error:" stack header on ${name}`);
  }
  const lines = run.stderr.trimEnd().split('\n');
  t.equal(lines.length, 1, 'a one-line message');
  return lines[0] ?? '';
}

const dir = mkdtempSync(join(tmpdir(), 'lnmesh-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const seedFile = join(dir, 'seed');
let nodeId = '';
let seedText = '';
let words = '';

t.test('seed new creates a 0600 file and prints the node id', async (t) => {
  const run = lnmesh('seed', 'new', '--file', seedFile);
  t.equal(run.status, 0, 'exit status 0');
  t.equal(run.stderr, '');
  const id = /^node id ([0-9a-f]+)$/m.exec(run.stdout)?.[1] ?? '';
  t.match(id, /^0[23][0-9a-f]{64}$/, 'a 66-hex-digit compressed public key');
  nodeId = id;
  t.match(run.stdout, `created ${seedFile}`);
  t.ok(existsSync(seedFile), 'the file exists');
  t.equal(statSync(seedFile).mode & 0o777, 0o600, 'mode 0600');
  seedText = readFileSync(seedFile, 'utf8');
  t.match(seedText, /^[0-9a-f]{64}\n$/, '32 bytes of hex');
  t.not(seedText.trim(), '0'.repeat(64));
});

t.test('seed new refuses to overwrite an existing seed file', async (t) => {
  const run = lnmesh('seed', 'new', '--file', seedFile);
  const message = cleanFailure(t, run);
  t.match(message, seedFile, 'names the file');
  t.match(message, /already exists/);
  t.equal(readFileSync(seedFile, 'utf8'), seedText, 'the file is unchanged');
  t.equal(statSync(seedFile).mode & 0o777, 0o600, 'still mode 0600');
});

t.test('seed id prints the same node id', async (t) => {
  const run = lnmesh('seed', 'id', '--file', seedFile);
  t.equal(run.status, 0);
  t.equal(run.stdout, `${nodeId}\n`);
  t.equal(run.stderr, '');
});

t.test('seed words prints 24 BIP 39 words', async (t) => {
  const run = lnmesh('seed', 'words', '--file', seedFile);
  t.equal(run.status, 0);
  t.equal(run.stderr, '');
  words = run.stdout.trim();
  const list = words.split(' ');
  t.equal(list.length, 24, '24 words');
  t.ok(list.every((word) => wordlist.includes(word)), 'all from the English BIP 39 list');
  t.ok(validateMnemonic(words, wordlist), 'with a valid checksum');
});

t.test('seed restore recreates the same file from the words', async (t) => {
  const other = join(dir, 'restored', 'seed');
  const run = lnmesh('seed', 'restore', '--words', words, '--file', other);
  t.equal(run.status, 0);
  t.equal(run.stderr, '');
  t.match(run.stdout, `restored ${other}`);
  t.match(run.stdout, `node id ${nodeId}`);
  t.equal(readFileSync(other, 'utf8'), seedText, 'identical content');
  t.equal(statSync(other).mode & 0o777, 0o600, 'mode 0600');
});

t.test('seed restore with a wrong word fails cleanly and writes nothing', async (t) => {
  const list = words.split(' ');
  t.test('a word not in the list', async (t) => {
    const target = join(dir, 'misspelled');
    const run = lnmesh('seed', 'restore', '--words', [`${list[0]}x`, ...list.slice(1)].join(' '), '--file', target);
    t.match(cleanFailure(t, run), /words/);
    t.notOk(existsSync(target), 'no file written');
  });
  t.test('a valid word that breaks the checksum', async (t) => {
    const replacement = wordlist.find((word) => word !== list[3] && !validateMnemonic([...list.slice(0, 3), word, ...list.slice(4)].join(' '), wordlist));
    t.ok(replacement, 'found a word that breaks the checksum');
    const target = join(dir, 'checksum');
    const run = lnmesh('seed', 'restore', '--words', [...list.slice(0, 3), replacement ?? '', ...list.slice(4)].join(' '), '--file', target);
    t.match(cleanFailure(t, run), /words/);
    t.notOk(existsSync(target), 'no file written');
  });
});

t.test('seed id on a missing file names the path', async (t) => {
  const missing = join(dir, 'no-such-seed');
  const message = cleanFailure(t, lnmesh('seed', 'id', '--file', missing));
  t.match(message, missing);
  t.match(message, /does not exist/);
});

t.test('seed id on a file others can read names the path', async (t) => {
  const open = join(dir, 'readable-seed');
  copyFileSync(seedFile, open);
  chmodSync(open, 0o644);
  const message = cleanFailure(t, lnmesh('seed', 'id', '--file', open));
  t.match(message, open);
  t.match(message, /readable by others|644/);
  t.equal(statSync(open).mode & 0o777, 0o644, 'the file is left as it was');
});
