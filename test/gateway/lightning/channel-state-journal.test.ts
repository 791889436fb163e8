// The manager and its monitors committed together: a crash at any write of
// a commit leaves, once the journal is recovered at the next start, either
// the pair from before or the pair from after, never a mix. A damaged
// journal stops the start with a clear error.
import t, { type Test } from 'tap';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileDurably } from '../../../node/core/durable-file.js';
import { CHANNEL_MANAGER_FILE, LightningStoreError } from '../../../gateway/lightning/channel-manager-store.js';
import { CHANNEL_STATE_JOURNAL, commitChannelState, decodeJournal, encodeJournal, recoverChannelState } from '../../../gateway/lightning/channel-state-journal.js';
import { MONITORS_DIR } from '../../../gateway/lightning/monitor-persister.js';

const ONE = `${'11'.repeat(32)}_0`;
const TWO = `${'22'.repeat(32)}_1`;
const bytes = (text: string) => new TextEncoder().encode(text);

function dataDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-journal-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The manager and monitors on disk, as text. */
function onDisk(dir: string): Record<string, string> {
  const read = (path: string) => readFileSync(path, 'utf8');
  const files: Record<string, string> = { manager: read(join(dir, CHANNEL_MANAGER_FILE)) };
  for (const name of readdirSync(join(dir, MONITORS_DIR)).filter((name) => !name.startsWith('.'))) files[name] = read(join(dir, MONITORS_DIR, name));
  return files;
}

t.test('a crash at any write of a commit recovers to the pair before or the pair after', async (t) => {
  const before = { manager: 'manager 1', [ONE]: 'one at 1', [TWO]: 'two at 1' };
  const after = { manager: 'manager 2', [ONE]: 'one at 2', [TWO]: 'two at 2' };
  const next = { manager: bytes('manager 2'), monitors: new Map([[ONE, bytes('one at 2')], [TWO, bytes('two at 2')]]) };
  // The journal, two monitors, the manager: four writes; crashing before each, and not at all.
  for (let crashAt = 0; crashAt <= 4; crashAt++) {
    const dir = dataDir(t);
    commitChannelState(dir, { manager: bytes('manager 1'), monitors: new Map([[ONE, bytes('one at 1')], [TWO, bytes('two at 1')]]) });
    let writes = 0;
    const crashing = (path: string, data: Uint8Array) => {
      if (writes++ === crashAt) throw new Error('killed');
      writeFileDurably(path, data);
    };
    if (crashAt < 4) t.throws(() => commitChannelState(dir, next, crashing), /killed/);
    else commitChannelState(dir, next, crashing);
    recoverChannelState(dir);
    t.same(onDisk(dir), crashAt === 0 ? before : after, crashAt === 0 ? 'killed before the journal was written: the pair from before' : `killed after ${crashAt} writes: the pair from after`);
    t.notOk(existsSync(join(dir, CHANNEL_STATE_JOURNAL)), 'no journal is left');
  }
});

t.test('a manager alone is written directly, with no journal', async (t) => {
  const dir = dataDir(t);
  commitChannelState(dir, { manager: bytes('just the manager'), monitors: new Map() });
  t.equal(readFileSync(join(dir, CHANNEL_MANAGER_FILE), 'utf8'), 'just the manager');
  t.equal(recoverChannelState(dir), false, 'nothing to recover');
});

t.test('a damaged journal stops the start, naming the file', async (t) => {
  const journal = encodeJournal({ manager: bytes('m'), monitors: new Map([[ONE, bytes('one')]]) });
  t.same(decodeJournal(journal).monitors.get(ONE), bytes('one'), 'it reads back');
  const flipped = journal.slice();
  flipped[10] = flipped[10]! ^ 1;
  t.throws(() => decodeJournal(flipped, '/data/channel-state-journal'), new LightningStoreError('the channel state journal /data/channel-state-journal is damaged (checksum); restore the data directory from a backup before starting'));
  t.throws(() => decodeJournal(journal.subarray(0, 20)), LightningStoreError, 'cut short');
  const dir = dataDir(t);
  writeFileSync(join(dir, CHANNEL_STATE_JOURNAL), flipped);
  t.throws(() => recoverChannelState(dir), LightningStoreError, 'at a start too');
  t.ok(existsSync(join(dir, CHANNEL_STATE_JOURNAL)), 'and the journal is kept for whoever repairs it');
});
