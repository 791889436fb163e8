/**
 * What a header-only node must know of each Bitcoin network to check proof
 * of work: where the chain starts, how hard a block may be at the easiest,
 * and how difficulty moves (Bitcoin Core's `chainparams.cpp`).
 *
 * The genesis headers are the real ones; the tests hash each of them and
 * compare with the well-known genesis hashes listed here.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { InvalidInputError } from '../core/input.js';

export type NetworkName = 'mainnet' | 'testnet' | 'signet' | 'regtest';

export interface NetworkParams {
  /** A `NetworkName`, or another name for a network made up in a test. */
  readonly name: string;
  /** The 80-byte genesis header. */
  readonly genesisHeader: Uint8Array;
  /** The genesis block's hash, display order: a check on `genesisHeader`. */
  readonly genesisHash: string;
  /** The easiest target a header may claim (Core's `powLimit`). */
  readonly powLimit: bigint;
  /** Blocks between difficulty adjustments (2016). */
  readonly retargetInterval: number;
  /** Seconds the interval should take (two weeks). */
  readonly targetTimespan: number;
  /** Seconds between blocks, on average (ten minutes). */
  readonly targetSpacing: number;
  /** False on regtest: difficulty never moves (Core's `fPowNoRetargeting`). */
  readonly retargeting: boolean;
  /**
   * Testnet and regtest: a block more than twice the spacing (20 minutes)
   * after its parent may use the easiest target, and the blocks after it
   * go back to the last real difficulty (Core's `fPowAllowMinDifficultyBlocks`).
   */
  readonly minDifficultyBlocks: boolean;
}

const TWO_WEEKS = 14 * 24 * 60 * 60;
const TEN_MINUTES = 10 * 60;
/** The coinbase of every genesis block but testnet4's: "The Times 03/Jan/2009 Chancellor on brink of second bailout for banks". */
const GENESIS_MERKLE_ROOT = '3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a';
const ZERO_HASH = '00'.repeat(32);

/** version 1, no parent, the common merkle root, then time, bits and nonce (little-endian hex). */
function genesis(timeBitsNonce: string): Uint8Array {
  return hexToBytes(`01000000${ZERO_HASH}${GENESIS_MERKLE_ROOT}${timeBitsNonce}`);
}

const MAINNET_POW_LIMIT = BigInt(`0x00000000${'ff'.repeat(28)}`);

export const NETWORKS: Readonly<Record<NetworkName, NetworkParams>> = {
  mainnet: {
    name: 'mainnet',
    // time 1231006505, bits 0x1d00ffff, nonce 2083236893
    genesisHeader: genesis('29ab5f49ffff001d1dac2b7c'),
    genesisHash: '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f',
    powLimit: MAINNET_POW_LIMIT,
    retargetInterval: 2016,
    targetTimespan: TWO_WEEKS,
    targetSpacing: TEN_MINUTES,
    retargeting: true,
    minDifficultyBlocks: false,
  },
  /** Testnet3. */
  testnet: {
    name: 'testnet',
    // time 1296688602, bits 0x1d00ffff, nonce 414098458
    genesisHeader: genesis('dae5494dffff001d1aa4ae18'),
    genesisHash: '000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943',
    powLimit: MAINNET_POW_LIMIT,
    retargetInterval: 2016,
    targetTimespan: TWO_WEEKS,
    targetSpacing: TEN_MINUTES,
    retargeting: true,
    minDifficultyBlocks: true,
  },
  /** The default signet. Its block signatures live in the coinbase, which a header-only node never sees. */
  signet: {
    name: 'signet',
    // time 1598918400, bits 0x1e0377ae, nonce 52613770
    genesisHeader: genesis('008f4d5fae77031e8ad22203'),
    genesisHash: '00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6',
    powLimit: BigInt(`0x00000377ae${'00'.repeat(27)}`),
    retargetInterval: 2016,
    targetTimespan: TWO_WEEKS,
    targetSpacing: TEN_MINUTES,
    retargeting: true,
    minDifficultyBlocks: false,
  },
  regtest: {
    name: 'regtest',
    // time 1296688602, bits 0x207fffff, nonce 2
    genesisHeader: genesis('dae5494dffff7f2002000000'),
    genesisHash: '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
    powLimit: BigInt(`0x7f${'ff'.repeat(31)}`),
    retargetInterval: 2016,
    targetTimespan: TWO_WEEKS,
    targetSpacing: TEN_MINUTES,
    retargeting: false,
    minDifficultyBlocks: true,
  },
};

/** The parameters of a network by name, as a config file spells it. */
export function networkParams(name: string): NetworkParams {
  if (!Object.hasOwn(NETWORKS, name)) throw new InvalidInputError('network', `unknown network "${name}" (expected one of ${Object.keys(NETWORKS).join(', ')})`);
  return NETWORKS[name as NetworkName];
}
