/**
 * BOLT 3 figures: commitments built and signed (with their HTLC
 * transactions, as a `commitment_signed` needs), and shachain storage.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { type Htlc, buildCommitment } from '../node/bolt3/commitment.js';
import { deriveCommitmentKeys } from '../node/bolt3/commitment-keys.js';
import { buildHtlcTransaction, remoteHtlcSighashType } from '../node/bolt3/htlc-tx.js';
import { fundingScript } from '../node/bolt3/scripts.js';
import { MAX_SHACHAIN_INDEX, RevocationStore, generateFromSeed } from '../node/bolt3/shachain.js';
import { SeedSigner } from '../node/keys/signer.js';
import { MAX_ACCEPTED_HTLCS, MIN_DUST_LIMIT_SATOSHIS, MIN_FEERATE_PER_KW } from '../node/core/bolt-limits.js';
import { batchPerSecond, operationsPerSecond } from './measure.js';

export type Figure = { key: string; unit: string; measure: () => number | Promise<number> };

const local = new SeedSigner(new Uint8Array(32).fill(1)).channelSigner(0);
const remote = new SeedSigner(new Uint8Array(32).fill(2)).channelSigner(0);
const FUNDING_SATOSHIS = 16_000_000;

/** Builds the remote side's commitment with `htlcCount` HTLCs and signs it and every HTLC transaction, as we do before sending commitment_signed. */
function buildAndSignCommitment(htlcCount: number): () => void {
  const htlcs: Htlc[] = Array.from({ length: htlcCount }, (_, i) => ({
    direction: i % 2 === 0 ? 'offered' : 'received',
    amountMsat: 10_000_000 + i * 1000,
    paymentHash: sha256(Uint8Array.of(i & 0xff, i >> 8)),
    cltvExpiry: 800_000 + i,
  }));
  const inFlight = htlcs.reduce((sum, htlc) => sum + htlc.amountMsat, 0);
  const script = fundingScript(remote.publicKeys.fundingPubkey, local.publicKeys.fundingPubkey);
  let commitmentNumber = 0;
  return () => {
    const point = remote.perCommitmentPoint(commitmentNumber);
    const keys = deriveCommitmentKeys(point, remote.publicKeys, local.publicKeys);
    const commitment = buildCommitment({
      variant: 'anchors',
      fundingOutpoint: { txid: 'cd'.repeat(32), vout: 0 },
      fundingSatoshis: FUNDING_SATOSHIS,
      localFundingPubkey: remote.publicKeys.fundingPubkey,
      remoteFundingPubkey: local.publicKeys.fundingPubkey,
      obscuringFactor: 0x2bb038521914,
      commitmentNumber: commitmentNumber++,
      localIsFunder: false,
      toLocalMsat: (FUNDING_SATOSHIS * 1000 - inFlight) / 2,
      toRemoteMsat: (FUNDING_SATOSHIS * 1000 - inFlight) / 2,
      feeratePerKw: MIN_FEERATE_PER_KW,
      dustLimitSatoshis: MIN_DUST_LIMIT_SATOSHIS,
      toSelfDelay: 2016,
      keys,
      htlcs,
    });
    local.signCommitment(commitment.tx, script, FUNDING_SATOSHIS);
    const txid = commitment.tx.getId();
    commitment.outputs.forEach((output, outputIndex) => {
      if (!output.htlc) return;
      const htlcTx = buildHtlcTransaction({ variant: 'anchors', commitmentTxid: txid, output, outputIndex, feeratePerKw: MIN_FEERATE_PER_KW, toSelfDelay: 2016, keys });
      local.signHtlc(htlcTx.tx, 0, htlcTx.witnessScript, htlcTx.inputSatoshis, point, remoteHtlcSighashType('anchors'));
    });
  };
}

function shachainSecrets(count: number): Uint8Array[] {
  const seed = sha256(Uint8Array.of(42));
  return Array.from({ length: count }, (_, k) => generateFromSeed(seed, MAX_SHACHAIN_INDEX - k));
}

const SECRETS = 20_000;

export const bolt3Figures: Figure[] = [
  { key: 'bolt3.commitmentsPerSecond.htlcs0', unit: 'commitments/s', measure: () => operationsPerSecond(buildAndSignCommitment(0)) },
  { key: 'bolt3.commitmentsPerSecond.htlcs10', unit: 'commitments/s', measure: () => operationsPerSecond(buildAndSignCommitment(10)) },
  { key: 'bolt3.commitmentsPerSecond.htlcs483', unit: 'commitments/s', measure: () => operationsPerSecond(buildAndSignCommitment(MAX_ACCEPTED_HTLCS), 2000, 2) },
  {
    key: 'bolt3.shachainInsertsPerSecond',
    unit: 'inserts/s',
    measure: () => {
      const secrets = shachainSecrets(SECRETS);
      return batchPerSecond(() => {
        const store = new RevocationStore();
        secrets.forEach((secret, k) => store.insert(MAX_SHACHAIN_INDEX - k, secret));
      }, SECRETS);
    },
  },
  {
    key: 'bolt3.shachainLookupsPerSecond',
    unit: 'lookups/s',
    measure: () => {
      const secrets = shachainSecrets(SECRETS);
      const store = new RevocationStore();
      secrets.forEach((secret, k) => store.insert(MAX_SHACHAIN_INDEX - k, secret));
      // Look up every revealed index once, in a scattered order.
      const order = Array.from({ length: SECRETS }, (_, i) => (i * 7919) % SECRETS);
      return batchPerSecond(() => {
        for (const k of order) store.secretFor(MAX_SHACHAIN_INDEX - k);
      }, SECRETS);
    },
  },
];
