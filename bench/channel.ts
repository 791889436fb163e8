/**
 * Channel figures: bytes on the wire for one payment over one hop (compact
 * encoding, next to the same exchange in BOLT 2 layouts), and payments per
 * second between two channels persisting every step in lmdb.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sha256 } from '@noble/hashes/sha2.js';
import { openPair, preimageOf, settle } from '../test/node/channel/pair.js';
import { LmdbPersister } from '../node/persist/lmdb.js';
import type { ChannelUpdate } from '../node/wire/messages.js';
import type { Figure } from './bolt3.js';

/** BOLT 2 message sizes (type + fields), from the layouts in 02-peer-protocol.md. */
const BOLT2 = {
  onion: 1366,
  updateAddHtlc: (withOnion: boolean) => 2 + 32 + 8 + 8 + 32 + 4 + (withOnion ? 1366 : 0),
  commitmentSigned: (htlcs: number) => 2 + 32 + 64 + 2 + 64 * htlcs,
  revokeAndAck: 2 + 32 + 32 + 33,
  updateFulfillHtlc: 2 + 32 + 8 + 32,
};
/** BOLT 8 frames each message: 2-byte length + 16-byte MAC, then a 16-byte MAC on the body. */
const BOLT8_FRAMING = 18 + 16;

/** add, commit(1 HTLC) | revoke, commit(1) | revoke | fulfill, commit(0) | revoke, commit(0) | revoke */
export function bolt2BytesPerHopPayment(withOnion: boolean): number {
  const messages = [
    BOLT2.updateAddHtlc(withOnion),
    BOLT2.commitmentSigned(1),
    BOLT2.revokeAndAck,
    BOLT2.commitmentSigned(1),
    BOLT2.revokeAndAck,
    BOLT2.updateFulfillHtlc,
    BOLT2.commitmentSigned(0),
    BOLT2.revokeAndAck,
    BOLT2.commitmentSigned(0),
    BOLT2.revokeAndAck,
  ];
  return messages.reduce((sum, size) => sum + size + BOLT8_FRAMING, 0);
}

/** One payment Alice -> Bob, through the compact codec: the bytes of every message both ways. */
export function compactBytesPerHopPayment(): number {
  const pair = openPair('anchors');
  const preimage = preimageOf(1);
  const id = pair.alice.addHtlc(50_000_000, sha256(preimage), 800_000);
  settle(pair);
  pair.bob.fulfillHtlc(id, preimage);
  settle(pair);
  return pair.wireBytes;
}

function paymentsWithLmdb(count: number): { perSecond: number; bytesPerPayment: number } {
  const directory = mkdtempSync(join(tmpdir(), 'lnmesh-bench-'));
  const disks = { alice: new LmdbPersister(join(directory, 'alice')), bob: new LmdbPersister(join(directory, 'bob')) };
  try {
    const pair = openPair('anchors');
    const nodes = { alice: { channel: pair.alice, outbox: [] as ChannelUpdate[] }, bob: { channel: pair.bob, outbox: [] as ChannelUpdate[] } };
    const save = (name: 'alice' | 'bob') => disks[name].saveChannel('c', { state: nodes[name].channel.state, outbox: nodes[name].outbox });
    const exchange = () => {
      for (let round = 0; round < 20; round++) {
        let moved = false;
        for (const [from, to] of [['alice', 'bob'], ['bob', 'alice']] as const) {
          const message = nodes[from].channel.flush();
          if (message) {
            nodes[from].outbox.push(message);
            save(from);
          }
          const next = nodes[from].outbox.shift();
          if (next) {
            nodes[to].channel.receive(next);
            save(to);
            save(from);
            moved = true;
          }
        }
        if (!moved) return;
      }
    };
    const start = performance.now();
    const bytesBefore = disks.alice.bytesWritten + disks.bob.bytesWritten;
    for (let i = 0; i < count; i++) {
      const preimage = preimageOf(i);
      const id = nodes.alice.channel.addHtlc(10_000, sha256(preimage), 800_000);
      save('alice');
      exchange();
      nodes.bob.channel.fulfillHtlc(id, preimage);
      save('bob');
      exchange();
    }
    const seconds = (performance.now() - start) / 1000;
    return { perSecond: count / seconds, bytesPerPayment: (disks.alice.bytesWritten + disks.bob.bytesWritten - bytesBefore) / count };
  } finally {
    disks.alice.close();
    disks.bob.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

let lmdbRun: { perSecond: number; bytesPerPayment: number } | undefined;
const lmdbFigures = () => (lmdbRun ??= paymentsWithLmdb(100));

export const channelFigures: Figure[] = [
  { key: 'wire.channelBytesPerHopPayment', unit: 'bytes', measure: compactBytesPerHopPayment },
  { key: 'wire.bolt2BytesPerHopPayment.withOnion', unit: 'bytes', measure: () => bolt2BytesPerHopPayment(true) },
  { key: 'wire.bolt2BytesPerHopPayment.withoutOnion', unit: 'bytes', measure: () => bolt2BytesPerHopPayment(false) },
  { key: 'channel.paymentsPerSecond', unit: 'payments/s', measure: () => lmdbFigures().perSecond },
  { key: 'channel.lmdbBytesPerPayment', unit: 'bytes', measure: () => lmdbFigures().bytesPerPayment },
];
