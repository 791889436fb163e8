/**
 * Channel figures: bytes on the wire for one payment over one hop (compact
 * encoding, next to the same exchange in BOLT 2 layouts), and payments per
 * second between two channel managers, each persisting in its own lmdb
 * store, with the bytes they write per payment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sha256 } from '@noble/hashes/sha2.js';
import { openPair, preimageOf, settle } from '../sim/kit/channel-pair.js';
import { LmdbPersister } from '../node/persist/lmdb.js';
import { createNetwork } from '../sim/kit/network.js';
import { openChannel } from '../sim/kit/channels.js';
import { testWallet } from '../sim/kit/test-wallet.js';
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
  const disks = [0, 1].map((i) => new LmdbPersister(join(directory, String(i))));
  try {
    // Two channel managers, each on its own lmdb store, as two nodes would be. Their wallets keep
    // their sweep script, as the node's wallet does (the test wallet derives it again at every call).
    const network = createNetwork({ nodes: 2, channels: { wallet: walletWithFixedSweepScript, persister: (i) => disks[i]! } });
    const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
    const handle = openChannel(network, alice, bob, 1_000_000);
    const written = () => disks.reduce((sum, disk) => sum + disk.bytesWritten, 0);
    const start = performance.now();
    const bytesBefore = written();
    for (let i = 0; i < count; i++) {
      alice.manager.pay(bob.id, handle, bob.manager.receive(10_000, 800_000));
      network.run();
    }
    const seconds = (performance.now() - start) / 1000;
    if (bob.events.filter((event) => event.type === 'payment_received').length !== count) throw new Error('a benchmark payment did not arrive');
    return { perSecond: count / seconds, bytesPerPayment: (written() - bytesBefore) / count };
  } finally {
    for (const disk of disks) disk.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

function walletWithFixedSweepScript(i: number) {
  const wallet = testWallet(i);
  const sweepScript = wallet.sweepScript();
  return { ...wallet, sweepScript: () => sweepScript.slice() };
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
