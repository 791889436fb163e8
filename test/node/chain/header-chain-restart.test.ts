// The header chain across restarts: in lmdb, with a small memory window,
// it reopens where it was, answers for headers that only the disk holds,
// reorganises below the window; a failed write changes nothing; a store
// from another network or checkpoint is set aside. Then a real child
// process is killed with SIGKILL after each of its writes and restarted:
// every batch written is there, and the chain links from tip to genesis.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesToHex } from '@noble/hashes/utils.js';
import { decodeHeader, hashToHex, headerHash } from '../../../node/chain/block-header.js';
import { HeaderChain } from '../../../node/chain/header-chain.js';
import { NETWORKS } from '../../../node/chain/network-params.js';
import { LmdbPersister } from '../../../node/persist/lmdb.js';
import { MemoryPersister, type RecordStore } from '../../../node/persist/persister.js';
import { killAtEveryPoint, lastJsonLine, runChild } from '../crash-runner.js';
import { BcoinRegtest } from './bcoin-regtest.js';

const scratch = mkdtempSync(join(tmpdir(), 'lnmesh-chain-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
const hashOf = (raw: Uint8Array) => hashToHex(headerHash(raw));
/**
 * Regtest with a 16-block difficulty period: its rules give every bcoin
 * regtest header the same bits as regtest's do, and they allow a memory
 * window of 27 headers, so that most of a short chain lives only on disk.
 */
const SHORT_PERIOD_REGTEST = { ...NETWORKS.regtest, name: 'regtest, 16-block periods', retargetInterval: 16 };
const WINDOW = 27;

t.test('in lmdb: reopened where it was, with only a window of headers in memory', async (t) => {
  const regtest = await BcoinRegtest.start();
  t.teardown(() => regtest.close());
  await regtest.mine(60);
  const path = join(scratch, 'reopen');
  const open = (disk: LmdbPersister) => HeaderChain.open({ network: SHORT_PERIOD_REGTEST, store: disk, memoryWindow: WINDOW });

  let disk = new LmdbPersister(path);
  let chain = open(disk);
  const headers = await regtest.headers(1);
  for (let start = 1; start <= 60; start += 20) chain.addHeaders(start, headers.slice(start - 1, start + 19));
  t.equal(chain.headersInMemory, WINDOW, `${WINDOW} headers in memory, sixty on disk`);
  disk.close();

  disk = new LmdbPersister(path);
  chain = open(disk);
  t.equal(chain.height, 60, 'reopened at its height');
  t.equal(chain.tipHash, regtest.tipHash);
  t.equal(chain.headersInMemory, WINDOW);
  const fifth = hashOf(headers[4]!);
  t.equal(chain.heightOf(fifth), 5, 'a block far below the window, found on disk');
  t.equal(chain.confirmations(fifth), 56);
  t.equal(bytesToHex(chain.entryAt(3)!.raw), bytesToHex(headers[2]!), 'its header read back from disk');

  const oldBranch = headers.slice(20).map(hashOf);
  const branch = await regtest.mine(41, 20); // heights 21 to 61, forking below the window (34 to 60)
  const branchHeaders = await Promise.all(branch.map((hash) => regtest.headerOf(hash)));
  t.throws(() => chain.addHeaders(21, branchHeaders.slice(0, 40)), { name: 'HeaderChainError', height: 21, reason: 'not more work than the best chain' }, 'forty headers against forty: not more work');
  const change = chain.addHeaders(21, branchHeaders);
  t.same(change.disconnected.map((entry) => entry.hash), oldBranch.reverse(), 'forty-one against forty: forty disconnected, most read from disk');
  t.equal(chain.tipHash, regtest.tipHash, 'the same tip as bcoin');
  t.equal(chain.headersInMemory, WINDOW);
  disk.close();

  disk = new LmdbPersister(path);
  chain = open(disk);
  t.equal(chain.tipHash, regtest.tipHash, 'the reorganised chain, after a restart');
  t.equal(chain.heightOf(oldBranch[0]!), undefined, 'a disconnected block is not found');
  t.equal(chain.heightOf(branch[0]!), 21);
  const times = (await regtest.headers(51, 61)).map((raw) => decodeHeader(raw).time).sort((a, b) => a - b);
  t.equal(chain.medianTimePast, times[5], 'the median time of the new tip');

  const [windowStart] = await regtest.headers(61 - WINDOW + 1, 61 - WINDOW + 1);
  const atWindowEdge = await regtest.mine(WINDOW + 1, 61 - WINDOW); // forks just below the oldest header in memory
  chain.addHeaders(61 - WINDOW + 1, await Promise.all(atWindowEdge.map((hash) => regtest.headerOf(hash))));
  t.equal(chain.tipHash, regtest.tipHash, 'a reorg from just below the window');
  t.equal(chain.heightOf(hashOf(windowStart!)), undefined);
  t.equal(chain.headersInMemory, WINDOW);
  disk.close();
});

t.test('a write that fails changes nothing', async (t) => {
  const regtest = await BcoinRegtest.start();
  t.teardown(() => regtest.close());
  await regtest.mine(10);
  const memory = new MemoryPersister();
  let full = false;
  const store: RecordStore = {
    get: (kind, id) => memory.get(kind, id),
    write: (writes) => {
      if (full) throw new Error('ENOSPC: no space left on device');
      memory.write(writes);
    },
  };
  const chain = HeaderChain.open({ network: NETWORKS.regtest, store });
  chain.addHeaders(1, await regtest.headers(1, 5));
  full = true;
  const rest = await regtest.headers(6, 10);
  t.throws(() => chain.addHeaders(6, rest), /ENOSPC/, 'the store\'s error reaches the caller');
  t.equal(chain.height, 5, 'the chain did not move');
  t.equal(HeaderChain.open({ network: NETWORKS.regtest, store }).height, 5, 'nor did the store');
  full = false;
  chain.addHeaders(6, rest);
  t.equal(chain.tipHash, regtest.tipHash, 'the same batch goes through once the disk has room');
});

t.test('a store of another network or checkpoint is set aside; a later checkpoint on the same chain is not', async (t) => {
  const regtest = await BcoinRegtest.start();
  t.teardown(() => regtest.close());
  await regtest.mine(30);
  const store = new MemoryPersister();
  HeaderChain.open({ network: NETWORKS.regtest, store }).addHeaders(1, await regtest.headers(1));

  const later = HeaderChain.open({ network: NETWORKS.regtest, store, checkpoint: { height: 20, header: await regtest.headerAt(20) } });
  t.equal(later.height, 30, 'a checkpoint the stored chain holds: the stored chain goes on');
  const below = await regtest.headers(15, 30);
  t.throws(() => later.addHeaders(15, below), { name: 'HeaderChainError', reason: 'below the checkpoint' }, 'and the new checkpoint holds');

  const mainnet = HeaderChain.open({ network: NETWORKS.mainnet, store });
  t.equal(mainnet.tipHash, NETWORKS.mainnet.genesisHash, 'opened as mainnet: it starts at mainnet\'s genesis');
  t.equal(mainnet.heightOf(regtest.tipHash), undefined, 'and knows nothing of regtest');
  const back = HeaderChain.open({ network: NETWORKS.regtest, store });
  t.equal(back.height, 0, 'back on regtest: from genesis again');
  t.equal(back.heightOf(hashOf((await regtest.headers(5, 5))[0]!)), undefined, 'old records above the tip are not read as the chain');
  back.addHeaders(1, await regtest.headers(1));
  t.equal(back.tipHash, regtest.tipHash, 'and the gateway can send the headers again');
});

t.test('killed after each write, restarted: every batch written is kept, and the chain links', async (t) => {
  const child = fileURLToPath(new URL('./header-chain-crash-child.ts', import.meta.url));
  const clean = await runChild(child, join(scratch, 'crash-clean'));
  t.equal(clean.status, 0, 'an uninterrupted run completes', { stderr: clean.stderr });
  const expected = lastJsonLine(clean.stdout);
  t.same({ resumeAt: expected.resumeAt, height: expected.height, linked: expected.linked }, { resumeAt: 0, height: 610, linked: true });

  const writes = 6; // the checkpoint, then five batches
  const results = await killAtEveryPoint(child, join(scratch, 'crash'), writes);
  for (let killAt = 0; killAt < writes; killAt++) {
    const { killed, resumed } = results.get(killAt)!;
    const outcome = lastJsonLine(resumed.stdout);
    t.equal(killed.signal, 'SIGKILL', `killed after write ${killAt}`);
    t.same(
      { resumeAt: outcome.resumeAt, tip: outcome.tip, linked: outcome.linked },
      { resumeAt: killAt, tip: expected.tip, linked: true },
      `restarted: the batch written just before the kill was there (resumed at batch ${killAt}), and the chain ends where the clean run did`,
    );
  }
});
