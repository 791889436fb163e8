// The difficulty rules, checked against bcoin's own implementation of
// Bitcoin Core's (Chain.getTarget and Chain.retarget, run on the same
// ancestors): within a period, at a retarget, with testnet's 20-minute
// exception and regtest's fixed difficulty.
import t from 'tap';
import fc from 'fast-check';
import bcoin from 'bcoin';
import { bitsFromTarget } from '../../../node/chain/block-header.js';
import { type AncestorTimes, MissingAncestorError, expectedBits, retargetBits } from '../../../node/chain/difficulty.js';
import { NETWORKS, type NetworkName } from '../../../node/chain/network-params.js';

const BCOIN_NAMES: Record<NetworkName, string | undefined> = { mainnet: 'main', testnet: 'testnet', signet: undefined, regtest: 'regtest' };
const Chain = (bcoin as any).Chain;

/** bcoin's answer for the child of the last of `ancestors` (consecutive, ascending) with timestamp `time`. */
async function bcoinExpectedBits(network: NetworkName, ancestors: readonly AncestorTimes[], time: number): Promise<number> {
  const byHeight = (height: number) => ancestors.find((entry) => entry.height === height);
  const chain = {
    network: (bcoin as any).Network.get(BCOIN_NAMES[network]),
    getPrevCache: () => null,
    getPrevious: async (entry: AncestorTimes) => byHeight(entry.height - 1),
    getAncestor: async (_entry: AncestorTimes, height: number) => byHeight(height),
    retarget: Chain.prototype.retarget,
  };
  return Chain.prototype.getTarget.call(chain, time, ancestors[ancestors.length - 1]);
}

function ours(network: NetworkName, ancestors: readonly AncestorTimes[], time: number): number {
  const first = ancestors[0]!.height;
  return expectedBits(NETWORKS[network], ancestors[ancestors.length - 1]!, time, (height) => ancestors[height - first]);
}

const HARD_BITS = 0x1b0404cb; // a real mainnet difficulty of 2010
const EASIEST = bitsFromTarget(NETWORKS.mainnet.powLimit);
const PERIOD_START = 2016 * 100;

t.test('within a period: the parent\'s bits, or testnet\'s exception, as bcoin has them', async (t) => {
  // A period that starts at a real difficulty, then blocks at that or at the easiest.
  const chains = fc.record({
    easy: fc.array(fc.boolean(), { minLength: 0, maxLength: 30 }),
    gaps: fc.array(fc.integer({ min: -600, max: 3000 }), { minLength: 31, maxLength: 31 }),
    childGap: fc.integer({ min: -3600, max: 3600 }),
  });
  for (const network of ['mainnet', 'testnet', 'regtest'] as const) {
    await fc.assert(
      fc.asyncProperty(chains, async ({ easy, gaps, childGap }) => {
        const bits = network === 'regtest' ? bitsFromTarget(NETWORKS.regtest.powLimit) : HARD_BITS;
        const ancestors: AncestorTimes[] = [{ height: PERIOD_START, time: 1_300_000_000, bits }];
        easy.forEach((isEasy, i) => {
          const parent = ancestors[ancestors.length - 1]!;
          ancestors.push({ height: parent.height + 1, time: parent.time + gaps[i]!, bits: isEasy && network !== 'regtest' ? EASIEST : bits });
        });
        const time = ancestors[ancestors.length - 1]!.time + childGap;
        return ours(network, ancestors, time) === (await bcoinExpectedBits(network, ancestors, time));
      }),
      { numRuns: 300 },
    );
    t.pass(`${network}: 300 random periods agree`);
  }
});

t.test('testnet: 20 minutes after its parent a block may be at the easiest difficulty; the next goes back', async (t) => {
  const ancestors: AncestorTimes[] = [
    { height: PERIOD_START, time: 1_300_000_000, bits: HARD_BITS },
    { height: PERIOD_START + 1, time: 1_300_000_600, bits: HARD_BITS },
  ];
  t.equal(ours('testnet', ancestors, 1_300_001_800), HARD_BITS, 'exactly 20 minutes later: not yet');
  t.equal(ours('testnet', ancestors, 1_300_001_801), EASIEST, 'a second more: the easiest');
  ancestors.push({ height: PERIOD_START + 2, time: 1_300_001_801, bits: EASIEST });
  t.equal(ours('testnet', ancestors, 1_300_001_900), HARD_BITS, 'after an easy block, the last real difficulty');
  t.equal(ours('mainnet', ancestors.slice(0, 2), 1_300_009_000), HARD_BITS, 'mainnet has no such exception');
});

t.test('at a retarget: the new difficulty from the period\'s timespan, as bcoin computes it', async (t) => {
  const periods = fc.record({
    timespan: fc.integer({ min: -100_000, max: 10 * 1_209_600 }),
    mantissa: fc.integer({ min: 0x008000, max: 0x7fffff }),
    size: fc.integer({ min: 0x17, max: 0x1d }),
  });
  for (const network of ['mainnet', 'testnet', 'regtest'] as const) {
    await fc.assert(
      fc.asyncProperty(periods, async ({ timespan, mantissa, size }) => {
        const bits = network === 'regtest' ? 0x207fffff : Math.min((size << 24) | mantissa, 0x1d00ffff);
        const first: AncestorTimes = { height: PERIOD_START, time: 1_300_000_000, bits };
        const last: AncestorTimes = { height: PERIOD_START + 2015, time: first.time + timespan, bits };
        const ancestors = [first, ...Array.from({ length: 2014 }, (_, i) => ({ height: PERIOD_START + 1 + i, time: first.time, bits })), last];
        return ours(network, ancestors, last.time + 600) === (await bcoinExpectedBits(network, ancestors, last.time + 600));
      }),
      { numRuns: 200 },
    );
    t.pass(`${network}: 200 random retargets agree`);
  }
  const twoWeeks = NETWORKS.mainnet.targetTimespan;
  t.equal(retargetBits(NETWORKS.mainnet, HARD_BITS, twoWeeks), HARD_BITS, 'on time: unchanged');
  t.equal(retargetBits(NETWORKS.mainnet, HARD_BITS, twoWeeks * 100), retargetBits(NETWORKS.mainnet, HARD_BITS, twoWeeks * 4), 'at most four times easier');
  t.equal(retargetBits(NETWORKS.mainnet, HARD_BITS, 1), retargetBits(NETWORKS.mainnet, HARD_BITS, twoWeeks / 4), 'at most four times harder');
  t.equal(retargetBits(NETWORKS.mainnet, 0x1d00ffff, twoWeeks * 4), 0x1d00ffff, 'never easier than the limit');
});

t.test('a retarget whose first block is below the checkpoint cannot be computed', async (t) => {
  const parent: AncestorTimes = { height: 2015, time: 1_300_000_000, bits: HARD_BITS };
  t.throws(() => expectedBits(NETWORKS.mainnet, parent, parent.time + 600, () => undefined), MissingAncestorError);
});
