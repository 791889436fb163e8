/**
 * Runs BOLT 3 Appendix C and F cases (`bolt03-commitments.json`).
 *
 * For each case it builds the local commitment from `common` and the case's
 * balances and feerate, signs it with the local funding key, checks the
 * remote signature against the transaction it built, and compares the
 * signed transaction byte for byte; then the same for every HTLC-success
 * and HTLC-timeout transaction, in commitment-output order.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../core/hex.js';
import { type Commitment, type Htlc, buildCommitment, fundingWitness, obscuringFactor } from '../bolt3/commitment.js';
import type { CommitmentScriptKeys } from '../bolt3/commitment-keys.js';
import { COMMITMENT_VARIANTS, type CommitmentVariant } from '../bolt3/fees.js';
import { buildHtlcTransaction, htlcTransactionWitness, remoteHtlcSighashType } from '../bolt3/htlc-tx.js';
import { MAX_CLTV_EXPIRY, fundingScript } from '../bolt3/scripts.js';
import { decodeBitcoinSignature, encodeBitcoinSignature, signSegwitInput, verifySegwitInput } from '../bolt3/signatures.js';
import { SIGHASH_ALL } from '../bolt3/transaction.js';
import { InvalidInputError, checkInteger } from '../core/input.js';
import { publicKeyOf } from '../core/curve.js';
import { derivePublicKey, deriveRevocationPublicKey } from '../bolt3/key-derivation.js';
import { type CaseResult, type CaseCheck, runCase, runCases } from './case-check.js';
import { Fields } from './fields.js';

/** HTLC ids 0 to 4 are the spec's "test HTLCs"; later ones are used only where a case names them. */
const TEST_HTLC_COUNT = 5;

interface CommonHtlc extends Htlc {
  readonly id: number;
  readonly paymentPreimage: Uint8Array;
}

/** The channel every case shares, read once from `common`. */
interface Channel {
  readonly fundingTxid: string;
  readonly fundingVout: number;
  readonly fundingSatoshis: number;
  readonly commitmentNumber: number;
  readonly toSelfDelay: number;
  readonly dustLimitSatoshis: number;
  readonly obscuringFactor: number;
  readonly localFundingKey: Uint8Array;
  readonly localFundingPubkey: Uint8Array;
  readonly remoteFundingPubkey: Uint8Array;
  readonly localHtlcKey: Uint8Array;
  readonly keys: CommitmentScriptKeys;
  readonly htlcs: readonly CommonHtlc[];
}

export function runCommitmentVectors(file: Fields): CaseResult[] {
  const commonFields = file.object('common');
  let channel: Channel | undefined;
  const results = [runCase(commonFields, (check) => (channel = readChannel(commonFields, check)))];
  const cases = file.array('cases').flatMap((item, i) => {
    try {
      return [Fields.root(item, `cases[${i}]`)];
    } catch {
      return []; // reported by runCases below
    }
  });
  results.push(
    ...runCases(file, 'cases', (testCase, check) => {
      if (!channel) throw new InvalidInputError('common', 'cannot run cases: `common` is malformed');
      runCommitmentCase(channel, testCase, cases, check);
    }),
  );
  return results;
}

function readChannel(common: Fields, check: CaseCheck): Channel {
  const localFundingKey = common.secretKey('local_funding_privkey');
  const localFundingPubkey = common.publicKey('local_funding_pubkey');
  const remoteFundingPubkey = common.publicKey('remote_funding_pubkey');
  const localHtlcKey = common.secretKey('local_privkey');
  // The vectors give the derived keys directly (and the per-commitment point only in a comment).
  const keys: CommitmentScriptKeys = {
    revocationPubkey: common.publicKey('local_revocation_pubkey'),
    localDelayedPubkey: common.publicKey('local_delayedpubkey'),
    localHtlcPubkey: common.publicKey('local_htlcpubkey'),
    remoteHtlcPubkey: common.publicKey('remote_htlcpubkey'),
    remotePaymentPubkey: common.publicKey('remote_payment_basepoint'),
  };
  const localPaymentBasepoint = common.publicKey('local_payment_basepoint');

  // The parameters the spec derived by hand must match what our functions derive.
  check.equalHex('local_funding_pubkey', localFundingPubkey, publicKeyOf(localFundingKey));
  check.equalHex('local_htlcpubkey', keys.localHtlcPubkey, publicKeyOf(localHtlcKey));
  check.equalHex('funding_wscript', common.hex('funding_wscript'), fundingScript(localFundingPubkey, remoteFundingPubkey));
  const factor = obscuringFactor(localPaymentBasepoint, keys.remotePaymentPubkey);
  check.equal('obscuring_factor', common.string('obscuring_factor'), factor.toString(16).padStart(12, '0'));
  checkHiddenDerivations(common, keys, check);

  const htlcs = common.objects('htlcs').map((htlc): CommonHtlc => {
    const direction = htlc.string('direction');
    if (direction !== 'local->remote' && direction !== 'remote->local') {
      throw new InvalidInputError(htlc.at('direction'), 'expected "local->remote" or "remote->local"');
    }
    const paymentPreimage = htlc.hex('payment_preimage', 32);
    return {
      id: htlc.integer('id'),
      direction: direction === 'local->remote' ? 'offered' : 'received',
      amountMsat: htlc.integer('amount_msat', 1),
      cltvExpiry: htlc.integer('expiry', 0, MAX_CLTV_EXPIRY),
      paymentHash: sha256(paymentPreimage),
      paymentPreimage,
    };
  });
  return {
    fundingTxid: common.string('funding_tx_id'),
    fundingVout: common.integer('funding_output_index', 0, 0xffffffff),
    fundingSatoshis: common.integer('funding_amount_satoshi'),
    commitmentNumber: common.integer('commitment_number', 0, 2 ** 48 - 1),
    toSelfDelay: common.integer('local_delay', 0, 0xffff),
    dustLimitSatoshis: common.integer('local_dust_limit_satoshi'),
    obscuringFactor: factor,
    localFundingKey,
    localFundingPubkey,
    remoteFundingPubkey,
    localHtlcKey,
    keys,
    htlcs,
  };
}

/** Appendix C keeps the basepoints behind its derived keys in an HTML comment; where present, check those derivations too. */
function checkHiddenDerivations(common: Fields, keys: CommitmentScriptKeys, check: CaseCheck): void {
  if (!common.has('internal_comment')) return;
  const values = common.object('internal_comment').object('values');
  const value = (name: string) => (values.has(name) ? values.object(name).publicKey('value') : undefined);
  const point = value('local_per_commitment_point');
  if (!point) return;
  const delayedBasepoint = value('local_delayed_payment_basepoint');
  if (delayedBasepoint) check.equalHex('local_delayedpubkey', keys.localDelayedPubkey, derivePublicKey(delayedBasepoint, point));
  const revocationBasepoint = value('remote_revocation_basepoint');
  if (revocationBasepoint) check.equalHex('local_revocation_pubkey', keys.revocationPubkey, deriveRevocationPublicKey(revocationBasepoint, point));
  check.equalHex('local_htlcpubkey', keys.localHtlcPubkey, derivePublicKey(common.publicKey('local_htlc_basepoint'), point));
  check.equalHex('remote_htlcpubkey', keys.remoteHtlcPubkey, derivePublicKey(common.publicKey('remote_htlc_basepoint'), point));
}

function runCommitmentCase(channel: Channel, testCase: Fields, allCases: Fields[], check: CaseCheck): void {
  const variant = testCase.string('variant');
  if (!COMMITMENT_VARIANTS.includes(variant as CommitmentVariant)) {
    throw new InvalidInputError(testCase.at('variant'), `expected one of ${COMMITMENT_VARIANTS.join(', ')}`);
  }
  const htlcs = resolveHtlcSet(channel, testCase, allCases);
  const commitment = buildCommitment({
    variant: variant as CommitmentVariant,
    fundingOutpoint: { txid: channel.fundingTxid, vout: channel.fundingVout },
    fundingSatoshis: channel.fundingSatoshis,
    localFundingPubkey: channel.localFundingPubkey,
    remoteFundingPubkey: channel.remoteFundingPubkey,
    obscuringFactor: channel.obscuringFactor,
    commitmentNumber: channel.commitmentNumber,
    localIsFunder: true,
    toLocalMsat: testCase.integer('to_local_msat'),
    toRemoteMsat: testCase.integer('to_remote_msat'),
    feeratePerKw: testCase.integer('local_feerate_per_kw'),
    dustLimitSatoshis: testCase.has('dust_limit_satoshis') ? testCase.integer('dust_limit_satoshis') : channel.dustLimitSatoshis,
    toSelfDelay: channel.toSelfDelay,
    keys: channel.keys,
    htlcs,
  });

  // Sign and complete the commitment, checking the remote signature against what we built.
  const script = fundingScript(channel.localFundingPubkey, channel.remoteFundingPubkey);
  const remoteSignature = testCase.hex('remote_signature');
  const remoteCompact = decodeSignatureField(testCase, 'remote_signature', remoteSignature);
  const remoteValid = verifySegwitInput(commitment.tx, 0, script, channel.fundingSatoshis, remoteCompact, channel.remoteFundingPubkey);
  check.equal('remote_signature (valid for the commitment we built)', true, remoteValid);
  const localSignature = encodeBitcoinSignature(
    signSegwitInput(commitment.tx, 0, script, channel.fundingSatoshis, channel.localFundingKey),
    SIGHASH_ALL,
  );
  commitment.tx.setWitness(
    0,
    fundingWitness(channel.localFundingPubkey, channel.remoteFundingPubkey, localSignature, encodeBitcoinSignature(remoteCompact, SIGHASH_ALL)),
  );
  check.equalHex('output_commit_tx', testCase.string('output_commit_tx'), commitment.tx.toHex());

  checkHtlcTransactions(channel, variant as CommitmentVariant, testCase, commitment, check);
}

function checkHtlcTransactions(channel: Channel, variant: CommitmentVariant, testCase: Fields, commitment: Commitment, check: CaseCheck): void {
  const expected = testCase.objects('htlc_txs');
  const htlcOutputs = commitment.outputs.flatMap((output, index) => (output.htlc ? [{ output, index }] : []));
  check.equal('htlc_txs (count, one per untrimmed HTLC)', expected.length, htlcOutputs.length);
  const commitmentTxid = commitment.tx.getId();
  const feeratePerKw = testCase.integer('local_feerate_per_kw');

  expected.forEach((expectedTx, i) => {
    const target = htlcOutputs[i];
    if (!target) return;
    const htlc = target.output.htlc as CommonHtlc;
    // Where the case says which output and HTLC this transaction spends, it must be the one we found in that place.
    const derived = expectedTx.has('derived_from_tx_hex');
    const named = derived ? expectedTx.object('derived_from_tx_hex') : expectedTx;
    const namedPath = `htlc_txs[${i}]${derived ? '.derived_from_tx_hex' : ''}`;
    if (named.has('commit_output_index')) check.equal(`${namedPath}.commit_output_index`, named.integer('commit_output_index'), target.index);
    if (expectedTx.has('htlc')) check.equal(`htlc_txs[${i}].htlc`, expectedTx.integer('htlc'), htlc.id);
    const typeField = named.has('type') ? 'type' : named.has('type_inferred') ? 'type_inferred' : undefined;

    const htlcTx = buildHtlcTransaction({
      variant,
      commitmentTxid,
      output: target.output,
      outputIndex: target.index,
      feeratePerKw,
      toSelfDelay: channel.toSelfDelay,
      keys: channel.keys,
    });
    if (typeField) check.equal(`${namedPath}.${typeField}`, named.string(typeField), htlcTx.type);

    const remoteSighash = remoteHtlcSighashType(variant);
    const remoteCompact = decodeSignatureField(expectedTx, 'remote_htlc_signature', expectedTx.hex('remote_htlc_signature'));
    const remoteValid = verifySegwitInput(htlcTx.tx, 0, htlcTx.witnessScript, htlcTx.inputSatoshis, remoteCompact, channel.keys.remoteHtlcPubkey, remoteSighash);
    check.equal(`htlc_txs[${i}].remote_htlc_signature (valid for the transaction we built)`, true, remoteValid);
    const localSignature = signSegwitInput(htlcTx.tx, 0, htlcTx.witnessScript, htlcTx.inputSatoshis, channel.localHtlcKey);
    htlcTx.tx.setWitness(
      0,
      htlcTransactionWitness(
        htlcTx,
        encodeBitcoinSignature(remoteCompact, remoteSighash),
        encodeBitcoinSignature(localSignature, SIGHASH_ALL),
        htlcTx.type === 'htlc-success' ? htlc.paymentPreimage : undefined,
      ),
    );
    check.equalHex(`htlc_txs[${i}].tx`, expectedTx.string('tx'), htlcTx.tx.toHex());
  });
}

/** Vector signatures are DER without a sighash byte. */
function decodeSignatureField(fields: Fields, name: string, der: Uint8Array): Uint8Array {
  try {
    return decodeBitcoinSignature(Uint8Array.from([...der, SIGHASH_ALL])).compact;
  } catch (error) {
    throw new InvalidInputError(fields.at(name), `not a valid DER signature: ${bytesToHex(der).slice(0, 16)}… (${(error as Error).message})`);
  }
}

/**
 * Which of `common.htlcs` a case commits to. The spec says so only in prose,
 * so it is worked out, in this order:
 * 1. an explicit `htlcs` list of ids in the case;
 * 2. none when `use_test_htlcs` is false, or when the balances already add up to the funding amount;
 * 3. the HTLCs the case names (in `htlc_outputs_comment` or `htlc_txs`), completed with the
 *    test HTLCs (ids 0 to 4) when that is what makes the amounts add up;
 * 4. the test HTLCs, when their amounts make the balances add up;
 * 5. the set a case of the same name and balances resolved to (Appendix F repeats Appendix C's cases).
 */
function resolveHtlcSet(channel: Channel, testCase: Fields, allCases: Fields[]): CommonHtlc[] {
  const byId = new Map(channel.htlcs.map((htlc) => [htlc.id, htlc]));
  const pick = (ids: Iterable<number>, field: string) =>
    [...new Set(ids)].map((id) => {
      const htlc = byId.get(id);
      if (!htlc) throw new InvalidInputError(testCase.at(field), `names HTLC ${id}, which common.htlcs does not have`);
      return htlc;
    });
  if (testCase.has('htlcs')) {
    return pick(testCase.array('htlcs').map((id, i) => checkInteger(testCase.at(`htlcs[${i}]`), id, 0, Number.MAX_SAFE_INTEGER)), 'htlcs');
  }

  const missing = channel.fundingSatoshis * 1000 - testCase.integer('to_local_msat') - testCase.integer('to_remote_msat');
  if ((testCase.has('use_test_htlcs') && !testCase.boolean('use_test_htlcs')) || missing === 0) return [];
  const sum = (htlcs: CommonHtlc[]) => htlcs.reduce((total, htlc) => total + htlc.amountMsat, 0);
  const testHtlcs = channel.htlcs.filter((htlc) => htlc.id < TEST_HTLC_COUNT);

  const named = pick(namedHtlcIds(testCase), 'htlc_outputs_comment');
  if (named.length > 0) {
    if (sum(named) === missing) return named;
    const completed = [...new Set([...named, ...testHtlcs])];
    if (sum(completed) === missing) return completed;
  }
  if (sum(testHtlcs) === missing) return testHtlcs;

  const twin = allCases.find(
    (other) =>
      other !== testCase &&
      other.value['name'] === testCase.value['name'] &&
      other.value['to_local_msat'] === testCase.value['to_local_msat'] &&
      other.value['to_remote_msat'] === testCase.value['to_remote_msat'] &&
      namedHtlcIds(other).length > 0,
  );
  if (twin) {
    const twinSet = pick(namedHtlcIds(twin), 'name');
    if (sum(twinSet) === missing) return twinSet;
  }
  throw new InvalidInputError(
    testCase.at('to_local_msat'),
    `the balances leave ${missing} msat in HTLCs, and no set of common.htlcs this case names adds up to that; add "htlcs": [ids]`,
  );
}

function namedHtlcIds(testCase: Fields): number[] {
  const ids: number[] = [];
  for (const list of ['htlc_outputs_comment', 'htlc_txs']) {
    if (!testCase.has(list)) continue;
    for (const entry of testCase.objects(list)) if (entry.has('htlc')) ids.push(entry.integer('htlc'));
  }
  return ids;
}
