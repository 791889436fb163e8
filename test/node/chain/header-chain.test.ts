// The node's header chain, fed real headers: a bcoin regtest chain from
// genesis, mainnet's first blocks, headers broken in one way each (refused
// with that reason, nothing changed), a heavier bcoin branch (a reorg, as
// bcoin makes it) and a lighter one (refused), a checkpoint nothing may fork
// below, merkle proofs of real transactions, and the difficulty rules on
// networks made up for the test, mined here.
import t from 'tap';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeHeader, encodeHeader, hashToHex, headerHash } from '../../../node/chain/block-header.js';
import { retargetBits } from '../../../node/chain/difficulty.js';
import { type ChainChange, HeaderChain, HeaderChainError, MAX_HEADERS_PER_BATCH } from '../../../node/chain/header-chain.js';
import { merkleProof } from '../../../node/chain/merkle.js';
import { NETWORKS, type NetworkParams } from '../../../node/chain/network-params.js';
import { MemoryPersister } from '../../../node/persist/persister.js';
import { BcoinRegtest } from './bcoin-regtest.js';
import { grind, mineHeaders, regrind } from './grind.js';

const MAINNET_BLOCK_1 = hexToBytes('010000006fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000982051fd1e4ba744bbbe680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e61bc6649ffff001d01e36299');
const MAINNET_BLOCK_2 = hexToBytes('010000004860eb18bf1b1620e37e9490fc8a427514416fd75159ab86688e9a8300000000d5fdcc541e25de1c7a5addedf24858b8bb665c9f36ef744ee42c316022c90f9bb0bc6649ffff001d08d2bd61');

const hashOf = (raw: Uint8Array) => hashToHex(headerHash(raw));
const hashes = (change: ChainChange) => ({ disconnected: change.disconnected.map((entry) => entry.hash), connected: change.connected.map((entry) => entry.hash) });
const regtestChain = (store = new MemoryPersister()) => HeaderChain.open({ network: NETWORKS.regtest, store });

t.test('a real regtest chain, from genesis, with proofs of its transactions', async (t) => {
  const regtest = await BcoinRegtest.start();
  t.teardown(() => regtest.close());
  await regtest.mine(101);
  await regtest.fillMempool(10);
  const [blockWithTransactions] = await regtest.mine(1);
  await regtest.mine(4);
  const headers = await regtest.headers(1);

  const chain = regtestChain();
  t.equal(chain.height, 0, 'it starts at genesis');
  t.equal(chain.tipHash, NETWORKS.regtest.genesisHash);
  const change = chain.addHeaders(1, headers.slice(0, 60));
  t.equal(change.connected.length, 60);
  t.same(change.disconnected, []);
  chain.addHeaders(61, headers.slice(60));
  t.equal(chain.height, 106);
  t.equal(chain.tipHash, regtest.tipHash, 'the same tip as bcoin');
  t.equal(chain.heightOf(blockWithTransactions!), 102);
  t.equal(chain.confirmations(blockWithTransactions!), 5, 'four blocks on top of it');
  t.equal(chain.confirmations(chain.tipHash), 1);
  t.equal(chain.confirmations('00'.repeat(32)), 0, 'an unknown block');
  t.equal(chain.heightOf(blockWithTransactions!.toUpperCase()), 102, 'hex in either case');
  const lastEleven = headers.slice(-11).map((raw) => decodeHeader(raw).time).sort((a, b) => a - b);
  t.equal(chain.medianTimePast, lastEleven[5], 'median time past: the middle of the last eleven');

  t.same(hashes(chain.addHeaders(90, headers.slice(89))), { disconnected: [], connected: [] }, 'headers it has already: nothing changes');
  t.same(hashes(chain.addHeaders(107, [])), { disconnected: [], connected: [] }, 'an empty batch');
  t.throws(() => chain.addHeaders(200, headers.slice(0, 1)), { name: 'HeaderChainError', height: 200, reason: 'does not link' }, 'a gap');

  const txids = await regtest.txids(102);
  t.equal(txids.length, 11);
  for (const index of [0, 5, 10]) {
    const proof = { txid: txids[index]!, blockHash: blockWithTransactions!, index, branch: merkleProof(txids, index) };
    t.equal(chain.transactionConfirmations(proof), 5, `transaction ${index} of the block: proven, 5 confirmations`);
  }
  const proof = { txid: txids[3]!, blockHash: blockWithTransactions!, index: 3, branch: merkleProof(txids, 3) };
  t.throws(() => chain.transactionConfirmations({ ...proof, index: 4 }), { name: 'HeaderChainError', height: 102, reason: 'merkle proof does not match' });
  t.throws(() => chain.transactionConfirmations({ ...proof, txid: sha256(Uint8Array.of(1)) }), { name: 'HeaderChainError', reason: 'merkle proof does not match' });
  t.equal(chain.transactionConfirmations({ ...proof, blockHash: 'ab'.repeat(32) }), 0, 'a block not in the chain: no confirmations');
});

t.test('tampered headers are refused with the reason, and nothing changes', async (t) => {
  const regtest = await BcoinRegtest.start();
  t.teardown(() => regtest.close());
  await regtest.mine(22);
  const store = new MemoryPersister();
  const chain = regtestChain(store);
  chain.addHeaders(1, await regtest.headers(1, 20));
  const next = await regtest.headerAt(21);
  const after = await regtest.headerAt(22);
  const median = chain.medianTimePast;

  const cases: [string, Uint8Array[], number, string][] = [
    ['another nonce', [regrind(next, {}, { failing: true })], 21, 'bad proof of work'],
    ['another parent', [regrind(next, { prevHash: sha256(Uint8Array.of(7)) })], 21, 'does not link'],
    ['slightly harder bits than the rules give', [regrind(next, { bits: 0x207ffffe })], 21, 'unexpected bits'],
    ['bits easier than the limit', [regrind(next, { bits: 0x2100ffff })], 21, 'bits above the proof-of-work limit'],
    ['bits that encode a negative target', [encodeHeader({ ...decodeHeader(next), bits: 0x20923456 })], 21, 'invalid bits'],
    ['a time equal to the median of the last eleven', [regrind(next, { time: median })], 21, 'time not after median time past'],
    ['79 bytes', [next.slice(1)], 21, 'not an 80-byte header'],
    ['a good header, then a bad one', [next, regrind(after, {}, { failing: true })], 22, 'bad proof of work'],
  ];
  for (const [name, batch, height, reason] of cases) {
    t.throws(() => chain.addHeaders(21, batch), { name: 'HeaderChainError', height, reason }, `${name}: ${reason} at ${height}`);
    t.equal(chain.height, 20, `${name}: the chain did not move`);
  }
  t.same(store.getAll('chainTip').get('best'), { height: 20, hash: hashOf((await regtest.headers(20, 20))[0]!) }, 'nor did the store');
  t.equal(store.getAll('chainHeader').size, 21, 'which holds no refused header');
  t.throws(() => chain.addHeaders(21, Array.from({ length: MAX_HEADERS_PER_BATCH + 1 }, () => next)), { name: 'HeaderChainError', reason: 'too many headers' });

  chain.addHeaders(21, [next, after]);
  t.equal(chain.tipHash, regtest.tipHash, 'the real headers are accepted');
  const error = (() => {
    try {
      chain.addHeaders(23, [regrind(next, { prevHash: headerHash(after) }, { failing: true })]);
    } catch (caught) {
      return caught as HeaderChainError;
    }
  })();
  t.ok(error instanceof HeaderChainError);
  t.match(error?.message, /^header at height 23: bad proof of work \([0-9a-f]{64} is above the target of 0x207fffff\)$/, 'the message says which header and why');
});

t.test('a heavier competing branch reorganises the chain, as bcoin does; a lighter one is refused', async (t) => {
  const regtest = await BcoinRegtest.start();
  t.teardown(() => regtest.close());
  await regtest.mine(20);
  const chain = regtestChain();
  chain.addHeaders(1, await regtest.headers(1));
  const oldTip = regtest.tipHash;
  const oldBranch = await regtest.headers(18, 20);

  const branch = await regtest.mine(3, 17); // heights 18 to 20: as much work as the best chain
  t.equal(regtest.tipHash, oldTip, 'bcoin keeps the branch it saw first');
  const branchHeaders = await Promise.all(branch.map((hash) => regtest.headerOf(hash)));
  t.throws(() => chain.addHeaders(18, branchHeaders), { name: 'HeaderChainError', height: 18, reason: 'not more work than the best chain' }, 'equal work: refused');
  t.equal(chain.tipHash, oldTip);

  branch.push(...(await regtest.mine(1, branch[2]!))); // height 21 on the branch: bcoin reorganises
  t.not(regtest.tipHash, oldTip, 'bcoin reorganised');
  branchHeaders.push(await regtest.headerOf(branch[3]!));
  const change = chain.addHeaders(15, [...(await regtest.headers(15, 17)), ...branchHeaders]);
  t.same(hashes(change), { disconnected: oldBranch.map(hashOf).reverse(), connected: branch }, 'disconnected tip first, then the branch connected');
  t.equal(chain.tipHash, regtest.tipHash, 'the same tip as bcoin');
  t.equal(chain.height, 21);
  t.equal(chain.confirmations(oldTip), 0, 'the old tip has no confirmations any more');
  t.equal(chain.heightOf(oldTip), undefined);
  t.equal(chain.confirmations(branch[0]!), 4);

  t.throws(() => chain.addHeaders(18, oldBranch), { name: 'HeaderChainError', height: 18, reason: 'not more work than the best chain' }, 'the old, shorter branch: refused');
  t.equal(chain.tipHash, regtest.tipHash);
});

t.test('the checkpoint: the chain starts there and nothing forks at or below it', async (t) => {
  const regtest = await BcoinRegtest.start();
  t.teardown(() => regtest.close());
  await regtest.mine(30);
  const checkpointHeader = await regtest.headerAt(10);
  const chain = HeaderChain.open({ network: NETWORKS.regtest, store: new MemoryPersister(), checkpoint: { height: 10, header: checkpointHeader } });
  t.equal(chain.height, 10);
  t.equal(chain.tipHash, hashOf(checkpointHeader));
  t.equal(chain.entryAt(9), undefined, 'nothing below it');
  chain.addHeaders(11, await regtest.headers(11, 25));
  t.equal(chain.height, 25, 'the first ten above it are not held to a median of fewer than eleven times (bcoin gave some the time of their parent)');
  t.equal(chain.confirmations(hashOf(checkpointHeader)), 16);
  const [twentySix] = await regtest.headers(26, 26);
  t.throws(() => chain.addHeaders(26, [regrind(twentySix!, { time: chain.medianTimePast })]), { name: 'HeaderChainError', height: 26, reason: 'time not after median time past' }, 'eleven above it, they are');

  const fromBelow = await regtest.headers(5, 30);
  t.throws(() => chain.addHeaders(5, fromBelow), { name: 'HeaderChainError', height: 5, reason: 'below the checkpoint' }, 'headers from below it');
  const fakeCheckpoint = regrind(checkpointHeader, { merkleRoot: sha256(Uint8Array.of(1)) });
  const heavierFromBelow = [fakeCheckpoint, ...mineHeaders(fakeCheckpoint, 30, { branch: 'fake' })];
  t.throws(() => chain.addHeaders(10, heavierFromBelow), { name: 'HeaderChainError', height: 10, reason: 'below the checkpoint' }, 'a heavier branch that replaces the checkpoint');
  t.equal(chain.height, 25);

  const [eleven] = await regtest.headers(11, 11);
  const heavierAbove = mineHeaders(eleven!, 20, { branch: 'above' });
  t.equal(chain.addHeaders(12, heavierAbove).disconnected.length, 14, 'a heavier branch above it is a reorg like any other');
  t.equal(chain.height, 31);

  t.throws(() => HeaderChain.open({ network: NETWORKS.mainnet, store: new MemoryPersister(), checkpoint: { height: 1, header: MAINNET_BLOCK_1 } }), { name: 'InvalidInputError', field: 'checkpoint.height', message: /multiple of 2016/ }, 'on mainnet it must start a difficulty period');
  t.throws(() => HeaderChain.open({ network: NETWORKS.regtest, store: new MemoryPersister(), checkpoint: { height: 10, header: regrind(checkpointHeader, {}, { failing: true }) } }), { name: 'InvalidInputError', field: 'checkpoint.header', message: /proof of work/ });
  t.throws(() => HeaderChain.open({ network: NETWORKS.mainnet, store: new MemoryPersister(), checkpoint: { height: 0, header: NETWORKS.testnet.genesisHeader } }), { name: 'InvalidInputError', message: /not the mainnet genesis/ });
});

t.test('mainnet: genesis and the real blocks 1 and 2', async (t) => {
  const chain = HeaderChain.open({ network: NETWORKS.mainnet, store: new MemoryPersister() });
  t.equal(chain.tipHash, '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
  const tampered = MAINNET_BLOCK_2.slice();
  tampered[79]! ^= 0x80;
  t.throws(() => chain.addHeaders(1, [MAINNET_BLOCK_1, tampered]), { name: 'HeaderChainError', height: 2, reason: 'bad proof of work' });
  t.equal(chain.height, 0);
  chain.addHeaders(1, [MAINNET_BLOCK_1, MAINNET_BLOCK_2]);
  t.equal(chain.tipHash, '000000006a625f06636b8bb6ac7b960a8d03705d1ace08b1a19da3fdcc99ddbd');
  t.equal(chain.tip.work, 2n * 0x100010001n, 'the work of two blocks since genesis');
  t.equal(chain.medianTimePast, 1231469665, 'the median of three: block 1\'s time');
});

/** A network with regtest's easy proof of work and mainnet's rules, retargeting every 8 blocks, from a genesis mined here. */
function testNetwork(rules: Partial<NetworkParams>, bits = 0x201fffff): NetworkParams {
  const genesisHeader = grind({ version: 1, prevHash: new Uint8Array(32), merkleRoot: sha256(Uint8Array.of(0x6e)), time: 1_700_000_000, bits });
  // The timespan is measured over 7 intervals, as in Core: 7 x 600 seconds is on time.
  return { ...NETWORKS.regtest, name: 'test', genesisHeader, genesisHash: hashOf(genesisHeader), retargetInterval: 8, targetTimespan: 7 * 600, retargeting: true, minDifficultyBlocks: false, ...rules };
}

t.test('difficulty: a retarget every 8 blocks, on a network mined here', async (t) => {
  const network = testNetwork({});
  const chain = HeaderChain.open({ network, store: new MemoryPersister() });
  const period = mineHeaders(network.genesisHeader, 7, { spacing: 300 }); // twice as fast as intended
  t.throws(() => chain.addHeaders(1, mineHeaders(network.genesisHeader, 1, { bits: 0x2017ffff })), { name: 'HeaderChainError', height: 1, reason: 'unexpected bits' }, 'within a period the bits do not change');
  chain.addHeaders(1, period);
  const newBits = retargetBits(network, 0x201fffff, 7 * 300);
  t.equal(newBits, 0x200fffff, 'blocks came twice as fast: the target halves');
  t.throws(() => chain.addHeaders(8, mineHeaders(period[6]!, 1)), { name: 'HeaderChainError', height: 8, reason: 'unexpected bits' }, 'the old difficulty at the retarget: refused');
  chain.addHeaders(8, mineHeaders(period[6]!, 1, { bits: newBits }));
  t.equal(chain.height, 8, 'the new one: accepted');
  t.equal(decodeHeader(chain.entryAt(8)!.raw).bits, 0x200fffff);
  t.ok(chain.tip.work - chain.entryAt(7)!.work > chain.entryAt(7)!.work - chain.entryAt(6)!.work, 'a harder block counts for more work');
});

t.test('difficulty: testnet\'s 20-minute exception, on a network mined here', async (t) => {
  const network = testNetwork({ minDifficultyBlocks: true, retargetInterval: 2016, targetTimespan: 2016 * 600 });
  const chain = HeaderChain.open({ network, store: new MemoryPersister() });
  chain.addHeaders(1, mineHeaders(network.genesisHeader, 20));
  const easiest = 0x207fffff;
  t.throws(() => chain.addHeaders(21, mineHeaders(chain.tip.raw, 1, { bits: easiest, spacing: 1200 })), { name: 'HeaderChainError', reason: 'unexpected bits' }, '20 minutes after its parent: not yet');
  chain.addHeaders(21, mineHeaders(chain.tip.raw, 1, { bits: easiest, spacing: 1201 }));
  t.equal(chain.height, 21, '20 minutes and a second: the easiest difficulty is allowed');
  chain.addHeaders(22, mineHeaders(chain.tip.raw, 1, { bits: easiest, spacing: 1500 }));
  t.throws(() => chain.addHeaders(23, mineHeaders(chain.tip.raw, 1, { bits: easiest })), { name: 'HeaderChainError', height: 23, reason: 'unexpected bits', message: /0x201fffff/ }, 'then, on time, the last real difficulty is required again');
  chain.addHeaders(23, mineHeaders(chain.tip.raw, 1, { bits: 0x201fffff }));
  t.equal(chain.height, 23);
});

t.test('bad arguments are refused as input errors', async (t) => {
  const chain = regtestChain();
  t.throws(() => chain.addHeaders(-1, []), { name: 'InvalidInputError', field: 'startHeight' });
  t.throws(() => chain.addHeaders(1, 'headers' as unknown as Uint8Array[]), { name: 'InvalidInputError', field: 'headers' });
  t.throws(() => chain.heightOf('nothex'), { name: 'InvalidInputError', field: 'blockHash' });
  t.throws(() => HeaderChain.open({ network: NETWORKS.regtest, store: new MemoryPersister(), memoryWindow: 2026 }), { name: 'InvalidInputError', field: 'memoryWindow' }, 'a window smaller than a difficulty period and 11');
  t.equal(bytesToHex(chain.tip.raw), bytesToHex(NETWORKS.regtest.genesisHeader));
});
