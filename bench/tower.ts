/**
 * Watchtower figures: blocks of 2,000 transactions scanned per second with
 * 10^5 and 10^6 appointments stored (the whole path of a connected block:
 * txids, locator lookups in lmdb, the durable note of the block scanned),
 * lmdb bytes per appointment, and the resident memory of a process holding
 * a tower with 10^5 appointments.
 *
 * Appointments are the size of a real compact kit (226-byte blob) with a
 * 16-byte tag, from 100 nodes; the stores are filled in lmdb transactions
 * of 10,000 appointments (filling 10^6 takes tens of seconds: the time is
 * printed). Transactions are random, one or two inputs and two outputs,
 * with witnesses, as most of a block is.
 *
 * Run as a script with `--rss-child <directory>` it is the child process
 * whose memory is measured.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../node/core/hex.js';
import { EmbeddedChain } from '../gateway/chain/embedded-chain.js';
import type { ChainBlock } from '../gateway/chain/chain-source.js';
import { AppointmentStore } from '../gateway/tower/appointment-store.js';
import { ResponseStore } from '../gateway/tower/response-store.js';
import { Watchtower } from '../gateway/tower/watchtower.js';
import { p2wpkh } from '../node/bolt3/scripts.js';
import { Transaction } from '../node/bolt3/transaction.js';
import { systemClock } from '../node/core/clock.js';
import type { Logger } from '../node/core/logger.js';
import { publicKeyOf } from '../node/core/curve.js';
import { createAppointment } from '../node/gateway-protocol/appointment.js';
import { towerSignerFromSecret } from '../node/gateway-protocol/receipt.js';
import { warningsInto } from '../sim/kit/logger.js';
import type { Figure } from './bolt3.js';

const TRANSACTIONS_PER_BLOCK = 2000;
const NODES = 100;
const FILL_BATCH = 10_000;
const TAG_BYTES = 16;

/** A real compact kit appointment's blob length: what a mesh node sends for a revoked state without HTLCs. */
const BLOB_BYTES = createAppointment(sha256(Uint8Array.of(1)), {
  kind: 'kit',
  revocationPubkey: publicKeyOf(sha256(Uint8Array.of(2))),
  localDelayedPubkey: publicKeyOf(sha256(Uint8Array.of(3))),
  toSelfDelay: 144,
  destinationScript: p2wpkh(publicKeyOf(sha256(Uint8Array.of(4)))),
  feeratePerKw: 2500,
  signature: new Uint8Array(64).fill(5),
}).blob.length;

interface FilledStore {
  readonly directory: string;
  readonly fillSeconds: number;
  readonly bytesPerAppointment: number;
}

const filled = new Map<number, FilledStore>();
const directories: string[] = [];
process.on('exit', () => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** A tower directory holding `count` appointments, filled once per run and shared by the figures. */
async function filledStore(count: number): Promise<FilledStore> {
  const known = filled.get(count);
  if (known) return known;
  const directory = mkdtempSync(join(tmpdir(), 'lnmesh-bench-tower-'));
  directories.push(directory);
  const store = new AppointmentStore(join(directory, 'appointments'), { maxAppointmentsPerNode: count, maxBytesPerNode: 2 ** 40, maxAppointments: count, maxBytes: 2 ** 40, strangerShare: 1 });
  const nodeIds = Array.from({ length: NODES }, (_, i) => bytesToHex(publicKeyOf(sha256(Uint8Array.of(0x77, i)))));
  const started = performance.now();
  let counter = 0;
  for (let done = 0; done < count; done += FILL_BATCH) {
    const batch = Array.from({ length: Math.min(FILL_BATCH, count - done) }, () => {
      const seed = sha256(Uint8Array.of(0x78, counter >> 24, counter >> 16, counter >> 8, counter++));
      return { locator: seed.slice(0, 16), blob: new Uint8Array(BLOB_BYTES).fill(seed[16]!), tag: seed.slice(32 - TAG_BYTES) };
    });
    // In key order, lmdb's cursor moves forward through the tree instead of jumping: the fill is faster.
    batch.sort((a, b) => Buffer.compare(a.locator, b.locator));
    store.add(nodeIds[(done / FILL_BATCH) % NODES]!, batch);
  }
  const fillSeconds = (performance.now() - started) / 1000;
  const result = { directory, fillSeconds, bytesPerAppointment: store.storageBytes() / store.count() };
  await store.close();
  console.error(`tower: ${count} appointments stored in ${fillSeconds.toFixed(1)} s, ${result.bytesPerAppointment.toFixed(0)} bytes each`);
  filled.set(count, result);
  return result;
}

function randomTransaction(seed: number): Transaction {
  const bytes = (length: number, salt: number) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 32) out.set(sha256(Uint8Array.of(salt, seed >> 16, seed >> 8, seed, i)).subarray(0, Math.min(32, length - i)), i);
    return out;
  };
  const tx = new Transaction();
  tx.version = 2;
  const inputs = 1 + (seed % 2);
  for (let i = 0; i < inputs; i++) {
    tx.addInput(bytes(32, i), seed % 4);
    tx.setWitness(i, [bytes(72, 10 + i), bytes(33, 20 + i)]);
  }
  tx.addOutput(bytes(22, 30), 50_000n);
  tx.addOutput(bytes(34, 31), 1_000_000n);
  return Transaction.fromBuffer(tx.toBuffer());
}

/** Chained blocks (each header names the one before) of random transactions, cycling over `setCount` sets of them. */
function blockMaker(setCount = 4): () => ChainBlock {
  const sets = Array.from({ length: setCount }, (_, set) => Array.from({ length: TRANSACTIONS_PER_BLOCK }, (_, i) => randomTransaction(set * TRANSACTIONS_PER_BLOCK + i)));
  let height = 800_000;
  let previous = new Uint8Array(32);
  return () => {
    const header = new Uint8Array(80);
    header.set(previous, 4);
    header.set(sha256(Uint8Array.of(height >> 16, height >> 8, height)), 36);
    const hash = sha256(sha256(header));
    previous = hash;
    height++;
    return { height, hash: Buffer.from(hash).reverse().toString('hex'), header, transactions: sets[height % sets.length]! };
  };
}

let towersOpened = 0;

/** A tower over the filled appointments, with a journal of its own (each measure starts a chain of blocks afresh). */
function openTower(directory: string, logger?: Logger): { tower: Watchtower; close: () => Promise<void> } {
  const store = new AppointmentStore(join(directory, 'appointments'));
  const responses = new ResponseStore(join(directory, `responses-${process.pid}-${towersOpened++}`));
  // The scan of a block asks the chain nothing (no response is open): a chain that is not even open serves.
  const tower = new Watchtower({ store, responses, chain: new EmbeddedChain(), clock: systemClock, signer: towerSignerFromSecret(sha256(Uint8Array.of(9))), ...(logger && { logger }) });
  return { tower, close: async () => (await store.close(), await responses.close()) };
}

async function blocksPerSecond(count: number): Promise<number> {
  const { directory } = await filledStore(count);
  const opening = performance.now();
  const warnings: string[] = [];
  const { tower, close } = openTower(directory, warningsInto(warnings));
  console.error(`tower: opened over ${count} appointments in ${(performance.now() - opening).toFixed(0)} ms (the locator filter is rebuilt)`);
  const nextBlock = blockMaker();
  try {
    for (let i = 0; i < 5; i++) await tower.blockConnected(nextBlock()); // warm up
    let blocks = 0;
    const started = performance.now();
    while (performance.now() - started < 3000 || blocks < 10) {
      await tower.blockConnected(nextBlock());
      blocks++;
    }
    const perSecond = (blocks * 1000) / (performance.now() - started);
    if (warnings.length > 0 || tower.responses().length > 0) throw new Error(`the scan did not run clean: ${warnings[0] ?? 'a response to a random transaction'}`);
    return perSecond;
  } finally {
    await close();
  }
}

/** Resident memory of a fresh process that opens a tower over `count` appointments and scans 20 blocks. */
async function residentMegabytes(count: number): Promise<number> {
  const { directory } = await filledStore(count);
  const output = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--rss-child', directory], { encoding: 'utf8' });
  return Number(output.trim()) / 2 ** 20;
}

/** Resident megabytes of the files under `directory` mapped into this process (Linux), or undefined. */
function mappedMegabytes(directory: string): number | undefined {
  let smaps: string;
  try {
    smaps = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return undefined;
  }
  let inDirectory = false;
  let kilobytes = 0;
  for (const line of smaps.split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inDirectory = line.includes(directory);
    else if (inDirectory && line.startsWith('Rss:')) kilobytes += Number(line.split(/\s+/)[1]);
  }
  return kilobytes / 1024;
}

export const towerFigures: Figure[] = [
  { key: 'tower.blocksPerSecond.appointments1e5', unit: 'blocks/s', measure: () => blocksPerSecond(100_000) },
  { key: 'tower.blocksPerSecond.appointments1e6', unit: 'blocks/s', measure: () => blocksPerSecond(1_000_000) },
  { key: 'tower.storageBytesPerAppointment', unit: 'bytes', measure: async () => (await filledStore(1_000_000)).bytesPerAppointment },
  { key: 'gateway.rssMB.appointments1e5', unit: 'MB', measure: () => residentMegabytes(100_000) },
];

if (process.argv[2] === '--rss-child' && process.argv[3]) {
  // One block of transactions at a time, as a gateway holds them.
  const nextBlock = blockMaker(1);
  const before = process.memoryUsage().rss;
  const { tower, close } = openTower(process.argv[3]);
  for (let i = 0; i < 20; i++) await tower.blockConnected(nextBlock());
  const { rss } = process.memoryUsage();
  // Much of it is the lmdb file mapped in (clean page cache the kernel can take back), not the tower's own memory.
  const mapped = mappedMegabytes(process.argv[3]);
  await close();
  process.stdout.write(`${rss}\n`);
  const megabytes = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  process.stderr.write(`tower: resident ${megabytes(rss)} MB: ${megabytes(before)} MB before the tower opened (Node, tsx, bcoin, a block), ${mapped?.toFixed(0) ?? '?'} MB of lmdb files mapped in\n`);
}
