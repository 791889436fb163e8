// Each network's genesis header hashes to its well-known genesis hash and
// meets its own target (neither could hold for a mistyped header); bcoin's
// genesis blocks, an independent source, start with the same 80 bytes
// (bcoin knows no signet); each network's easiest bits are its genesis bits.
import t from 'tap';
import bcoin from 'bcoin';
import { bytesToHex } from '@noble/hashes/utils.js';
import { bitsFromTarget, decodeHeader, hashMeetsTarget, hashToHex, headerHash, targetFromBits } from '../../../node/chain/block-header.js';
import { NETWORKS, networkParams } from '../../../node/chain/network-params.js';

t.test('genesis headers are the real ones', async (t) => {
  for (const params of Object.values(NETWORKS)) {
    const header = decodeHeader(params.genesisHeader);
    t.equal(hashToHex(headerHash(params.genesisHeader)), params.genesisHash, `${params.name}: hashes to ${params.genesisHash}`);
    t.ok(hashMeetsTarget(headerHash(params.genesisHeader), targetFromBits(header.bits)), `${params.name}: meets its target`);
    t.equal(header.bits, bitsFromTarget(params.powLimit), `${params.name}: at the easiest difficulty, 0x${header.bits.toString(16)}`);
  }
  const bcoinNames = { mainnet: 'main', testnet: 'testnet', regtest: 'regtest' } as const;
  for (const [name, bcoinName] of Object.entries(bcoinNames)) {
    const genesisBlock: string = (bcoin as any).Network.get(bcoinName).genesisBlock;
    t.equal(genesisBlock.slice(0, 160), bytesToHex(NETWORKS[name as keyof typeof bcoinNames].genesisHeader), `${name}: bcoin's genesis block starts with the same header`);
  }
  t.equal(decodeHeader(NETWORKS.signet.genesisHeader).time, 1598918400, 'signet: 2020-09-01');
});

t.test('difficulty rules per network', async (t) => {
  t.same(
    Object.values(NETWORKS).map(({ name, retargeting, minDifficultyBlocks, retargetInterval, targetTimespan, targetSpacing }) => ({ name, retargeting, minDifficultyBlocks, retargetInterval, targetTimespan, targetSpacing })),
    [
      { name: 'mainnet', retargeting: true, minDifficultyBlocks: false, retargetInterval: 2016, targetTimespan: 1_209_600, targetSpacing: 600 },
      { name: 'testnet', retargeting: true, minDifficultyBlocks: true, retargetInterval: 2016, targetTimespan: 1_209_600, targetSpacing: 600 },
      { name: 'signet', retargeting: true, minDifficultyBlocks: false, retargetInterval: 2016, targetTimespan: 1_209_600, targetSpacing: 600 },
      { name: 'regtest', retargeting: false, minDifficultyBlocks: true, retargetInterval: 2016, targetTimespan: 1_209_600, targetSpacing: 600 },
    ],
  );
  t.equal(NETWORKS.regtest.powLimit, (1n << 255n) - 1n, 'regtest: 7fff...ff');
  t.equal(networkParams('signet'), NETWORKS.signet);
  t.throws(() => networkParams('testnet5'), { name: 'InvalidInputError', message: /unknown network "testnet5"/ });
  t.throws(() => networkParams('toString'), { name: 'InvalidInputError' }, 'not fooled by inherited names');
});
