/**
 * Runs the smaller BOLT 3 vectors (`bolt03-misc.json`): the expected weights,
 * the fee calculation example, Bitcoin Core's dust thresholds, and the
 * Appendix B funding transaction. Appendix G (dual funding, which lnmesh does
 * not do) holds raw blocks, not checks, and is listed as a note.
 */
import { bytesToHex } from '../core/hex.js';
import { opcodes, script as bscript } from 'bitcoinjs-lib';
import { commitmentWeight, htlcSuccessFee, htlcSuccessWeight, htlcTimeoutFee, htlcTimeoutWeight, isHtlcTrimmed, commitmentFee } from '../bolt3/fees.js';
import type { CommitmentVariant } from '../bolt3/fees.js';
import { dustThreshold } from '../bolt3/dust.js';
import { buildFundingTransaction, type FundingInput } from '../bolt3/funding.js';
import { fundingScript, p2pkh, p2wpkh, p2wsh } from '../bolt3/scripts.js';
import { Transaction } from '../bolt3/transaction.js';
import { InvalidInputError, checkInteger } from '../core/input.js';
import { publicKeyOf, signDigest } from '../core/curve.js';
import { type CaseResult, type CaseCheck, runCase, runCases, runSection } from './case-check.js';
import { Fields } from './fields.js';

export interface MiscReport {
  readonly cases: CaseResult[];
  readonly notes: string[];
}

export function runMiscVectors(file: Fields): MiscReport {
  const cases: CaseResult[] = [
    ...runSection(file, 'expected_weights', () => runCases(file, 'expected_weights', checkExpectedWeight)),
    ...runSection(file, 'fee_example', () => {
      const example = file.object('fee_example');
      return [runCase(example, (check) => checkFeeExample(example, check))];
    }),
    ...runSection(file, 'bitcoin_core_dust_thresholds_sat', () => {
      const thresholds = file.object('bitcoin_core_dust_thresholds_sat');
      return Object.keys(thresholds.value).map((name) => runCase(new Fields({ name }, thresholds.at(name)), (check) => checkDustThreshold(thresholds, name, check)));
    }),
    ...runSection(file, 'appendix_a_expected_weights', () =>
      Object.entries(file.object('appendix_a_expected_weights').object('sections').value).flatMap(([sectionName, section]) =>
        runSection(Fields.root({ [sectionName]: section }, 'appendix_a_expected_weights.sections'), sectionName, () => {
          const sectionFields = Fields.root(section, `appendix_a_expected_weights.sections.${sectionName}`);
          if (!sectionFields.has('results')) return [];
          // Results without a `tx` are notes ("really 702 and 705..."), not checks.
          const isNote = (item: unknown) => typeof item === 'object' && item !== null && !('tx' in item);
          const notes = sectionFields.array('results').map(isNote);
          return runCases(sectionFields, 'results', checkHtlcWeight).filter((_, i) => !notes[i]);
        }),
      ),
    ),
    ...runSection(file, 'appendix_b_funding_tx', () => {
      const funding = file.object('appendix_b_funding_tx');
      return [runCase(new Fields({ ...funding.value, name: 'Appendix B funding transaction' }, funding.path), (check) => checkFundingTransaction(funding, check))];
    }),
  ];
  const notes: string[] = [];
  if (file.has('appendix_g_dual_funded_raw_blocks')) {
    notes.push('appendix_g_dual_funded_raw_blocks: raw blocks for dual-funded channels, which lnmesh does not implement; nothing to check');
  }
  if (cases.length === 0) throw new InvalidInputError('file', 'none of the sections a misc vector file has (expected_weights, fee_example, ...) were found');
  return { cases, notes };
}

/** "724 + 172 * num-untrimmed-htlc-outputs" or "663". */
function checkExpectedWeight(entry: Fields, check: CaseCheck): void {
  const variant: CommitmentVariant = entry.boolean('anchors') ? 'anchors' : 'static_remotekey';
  const formula = entry.string('weight').trim();
  const match = /^(\d+)(?:\s*\+\s*(\d+)\s*\*\s*num-untrimmed-htlc-outputs)?$/.exec(formula);
  if (!match) throw new InvalidInputError(entry.at('weight'), `cannot read the formula "${formula}"`);
  const base = Number(match[1]);
  const perHtlc = Number(match[2] ?? 0);
  const tx = entry.string('tx');
  if (tx === 'Commitment') {
    check.equal('weight (base)', base, commitmentWeight(variant, 0));
    check.equal('weight (per HTLC output)', perHtlc, commitmentWeight(variant, 1) - commitmentWeight(variant, 0));
  } else if (tx === 'HTLC-timeout') {
    check.equal('weight', base, htlcTimeoutWeight(variant));
  } else if (tx === 'HTLC-success') {
    check.equal('weight', base, htlcSuccessWeight(variant));
  } else {
    throw new InvalidInputError(entry.at('tx'), `unknown transaction "${tx}" (known: Commitment, HTLC-timeout, HTLC-success)`);
  }
}

function checkHtlcWeight(result: Fields, check: CaseCheck): void {
  const tx = result.string('tx');
  const weightOf = tx === 'HTLC-timeout' ? htlcTimeoutWeight : tx === 'HTLC-success' ? htlcSuccessWeight : undefined;
  if (!weightOf) throw new InvalidInputError(result.at('tx'), `unknown transaction "${tx}"`);
  check.equal('weight', result.integer('weight'), weightOf('static_remotekey'));
  if (result.has('weight_option_anchors')) check.equal('weight_option_anchors', result.integer('weight_option_anchors'), weightOf('anchors'));
}

/** BOLT 3's worked example: which HTLCs are trimmed at 5000 sat/kw, and what the commitment pays. */
function checkFeeExample(example: Fields, check: CaseCheck): void {
  const variant: CommitmentVariant = 'static_remotekey';
  const feerate = example.integer('feerate_per_kw');
  const dustLimit = example.integer('dust_limit_satoshis');
  check.equal('htlc_timeout_fee_sat', example.integer('htlc_timeout_fee_sat'), htlcTimeoutFee(variant, feerate));
  check.equal('htlc_success_fee_sat', example.integer('htlc_success_fee_sat'), htlcSuccessFee(variant, feerate));

  const amounts = (name: string) => example.array(name).map((amount, i) => checkInteger(example.at(`${name}[${i}]`), amount, 0, Number.MAX_SAFE_INTEGER));
  const htlcs = [
    ...amounts('offered_htlcs_msat').map((msat) => ({ direction: 'offered' as const, msat })),
    ...amounts('received_htlcs_msat').map((msat) => ({ direction: 'received' as const, msat })),
  ];
  let untrimmed = 0;
  let trimmedSatoshis = 0;
  for (const htlc of htlcs) {
    if (isHtlcTrimmed(variant, htlc.direction, Math.floor(htlc.msat / 1000), feerate, dustLimit)) trimmedSatoshis += Math.floor(htlc.msat / 1000);
    else untrimmed++;
  }
  const progression = example.array('weight_progression').map((weight, i) => checkInteger(example.at(`weight_progression[${i}]`), weight, 0, 4_000_000));
  check.equal('weight_progression', progression.join(','), progression.map((_, n) => commitmentWeight(variant, n)).join(','));
  check.equal('weight_progression (last = untrimmed HTLCs)', progression.at(-1) ?? 0, commitmentWeight(variant, untrimmed));
  const baseFee = commitmentFee(variant, feerate, untrimmed);
  check.equal('base_commitment_fee_sat', example.integer('base_commitment_fee_sat'), baseFee);
  check.equal('actual_commitment_fee_sat', example.integer('actual_commitment_fee_sat'), baseFee + trimmedSatoshis);
}

/** An example output script for each kind of output Bitcoin Core's dust table names. */
const DUST_EXAMPLES: Record<string, () => Uint8Array> = {
  'pay to pubkey hash (p2pkh)': () => p2pkh(publicKeyOf(new Uint8Array(32).fill(1))),
  'pay to script hash (p2sh)': () => bscript.compile([opcodes.OP_HASH160, new Uint8Array(20), opcodes.OP_EQUAL]),
  'pay to witness pubkey hash (p2wpkh)': () => p2wpkh(publicKeyOf(new Uint8Array(32).fill(1))),
  'pay to witness script hash (p2wsh)': () => p2wsh(new Uint8Array([opcodes.OP_TRUE])),
  'pay to anchor (p2a)': () => Uint8Array.of(opcodes.OP_1, 0x02, 0x4e, 0x73),
  // The largest unknown witness program (40 bytes) sets the threshold for all of them.
  'unknown segwit versions': () => bscript.compile([opcodes.OP_16, new Uint8Array(40)]),
  'OP_RETURN outputs': () => Uint8Array.of(opcodes.OP_RETURN, 0x01, 0x00),
};

function checkDustThreshold(thresholds: Fields, name: string, check: CaseCheck): void {
  const example = Object.hasOwn(DUST_EXAMPLES, name) ? DUST_EXAMPLES[name] : undefined;
  if (!example) throw new InvalidInputError(thresholds.at(name), `no example output for "${name}" (known: ${Object.keys(DUST_EXAMPLES).join('; ')})`);
  const expected = thresholds.raw(name);
  const actual = dustThreshold(example());
  if (typeof expected === 'string' && /never dust/.test(expected)) check.equal('threshold', 0, actual);
  else check.equal('threshold', checkInteger(thresholds.at(name), expected, 0, Number.MAX_SAFE_INTEGER), actual);
}

/** Appendix B: a P2PKH coin from block 1 into a 10 mBTC funding output, change back to the same key. */
function checkFundingTransaction(funding: Fields, check: CaseCheck): void {
  const value = (name: string) => funding.object(name);
  const secretKey = value('Block 1 coinbase privkey').secretKey('value');
  const publicKey = publicKeyOf(secretKey);
  const localFundingPubkey = value('local_funding_pubkey').publicKey('value');
  const remoteFundingPubkey = value('remote_funding_pubkey').publicKey('value');
  if (funding.has('funding witness script')) {
    check.equalHex('funding witness script', value('funding witness script').hex('value'), fundingScript(localFundingPubkey, remoteFundingPubkey));
  }
  const inputVout = value('input index').integer('value', 0, 0xffffffff);
  const input: FundingInput = {
    outpoint: { txid: value('input txid').string('value'), vout: inputVout },
    satoshis: value('input satoshis').integer('value'),
    publicKey,
    kind: 'p2pkh',
  };
  if (funding.has('Block 1 coinbase transaction')) {
    const coinbase = Transaction.fromHex(value('Block 1 coinbase transaction').string('value'));
    check.equal('input txid (the coinbase transaction)', input.outpoint.txid, coinbase.getId());
    const spent = coinbase.outs[inputVout];
    check.equal('Block 1 coinbase privkey (owns the coin)', bytesToHex(p2pkh(publicKey)), spent ? bytesToHex(spent.script) : 'no such output');
  }
  const built = buildFundingTransaction(
    {
      inputs: [input],
      fundingSatoshis: value('funding satoshis').integer('value'),
      localFundingPubkey,
      remoteFundingPubkey,
      changeScript: p2wpkh(publicKey),
      feeratePerKw: value('feerate_per_kw').integer('value'),
      allowMalleableInputs: true, // Appendix B spends a P2PKH coin
    },
    (_input, digest) => signDigest(digest, secretKey),
  );
  check.equal('change satoshis', value('change satoshis').integer('value'), built.changeSatoshis);
  check.equal('funding output', value('funding output').integer('value'), built.fundingOutputIndex);
  check.equalHex('funding tx', value('funding tx').string('value'), built.tx.toHex());
  if (funding.has('txid')) check.equal('txid', value('txid').string('value'), built.tx.getId());
}
