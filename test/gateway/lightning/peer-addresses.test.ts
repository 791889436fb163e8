// Where the gateway's LDK node last reached its peers, kept in one JSON
// file in its data directory: read back as written, re-recording a peer
// moves it to the newest, past the bound the peer reached least recently
// is forgotten, and a file that is not ours is told and ignored.
import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_PEER_ADDRESSES, PEER_ADDRESSES_FILE, PeerAddresses } from '../../../gateway/lightning/peer-addresses.js';

const id = (n: number) => `02${n.toString(16).padStart(64, '0')}`;

function dataDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-peer-addresses-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const noComplaint = (reason: string) => {
  throw new Error(`unexpected: ${reason}`);
};

t.test('addresses are read back as written, the peer reached least recently first', async (t) => {
  const dir = dataDir(t);
  const kept = new PeerAddresses(dir, noComplaint);
  t.strictSame(kept.nodeIds(), [], 'none at first');
  kept.record(id(1), { host: '127.0.0.1', port: 9735 });
  kept.record(id(2), { host: 'example.org', port: 9736 });
  kept.record(id(1), { host: '127.0.0.1', port: 9737 }); // reached again, elsewhere
  const again = new PeerAddresses(dir, noComplaint);
  t.strictSame(again.nodeIds(), [id(2), id(1)], 'peer 1 reached last');
  t.strictSame(again.get(id(1)), { host: '127.0.0.1', port: 9737 }, 'at its newest address');
  t.strictSame(again.get(id(2)), { host: 'example.org', port: 9736 });
  t.equal(again.get(id(3)), undefined, 'an unknown peer has no address');
});

t.test(`bounded: past the limit (${MAX_PEER_ADDRESSES} by default) the peer reached least recently is forgotten`, async (t) => {
  const dir = dataDir(t);
  const kept = new PeerAddresses(dir, noComplaint, 3);
  for (const n of [1, 2, 3]) kept.record(id(n), { host: '127.0.0.1', port: 9000 + n });
  kept.record(id(1), { host: '127.0.0.1', port: 9001 }); // the same address: no write, and no move
  kept.record(id(4), { host: '127.0.0.1', port: 9004 });
  t.strictSame(new PeerAddresses(dir, noComplaint, 3).nodeIds(), [id(2), id(3), id(4)], 'peer 1 forgotten, on disk too');
});

t.test('a file that is not ours is told, ignored, and replaced by the next record', async (t) => {
  const dir = dataDir(t);
  const path = join(dir, PEER_ADDRESSES_FILE);
  writeFileSync(path, '{ not json');
  const told: string[] = [];
  const kept = new PeerAddresses(dir, (reason) => told.push(reason));
  t.equal(told.length, 1, 'told once');
  t.match(told[0], /peer-addresses\.json: not the peer addresses this node writes .*no peer is reconnected until one is connected again/);
  t.strictSame(kept.nodeIds(), []);
  kept.record(id(5), { host: '127.0.0.1', port: 9735 });
  t.strictSame(JSON.parse(readFileSync(path, 'utf8')), { [id(5)]: { host: '127.0.0.1', port: 9735 } }, 'written whole again');
  writeFileSync(path, JSON.stringify({ [id(6)]: { host: '127.0.0.1', port: 9735 }, nonsense: { host: 1 }, [id(7)]: { host: 'x' } }));
  t.strictSame(new PeerAddresses(dir, noComplaint).nodeIds(), [id(6)], 'entries that are not an address are skipped');
});
