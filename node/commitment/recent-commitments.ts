/**
 * Commitments built lately, by everything they are built from: a channel
 * builds the same commitment several times (their next one to sign it, again
 * for the justice once they revoke it; ours to check an HTLC of theirs, again
 * to check their signature on it), and a build is outputs, scripts, sorting
 * and a transaction. Bounded: the oldest entry goes first.
 *
 * Each call gets its own copy (transaction, scripts), so a caller that signs
 * or changes one cannot alter what later callers get; the HTLCs in it are the
 * caller's own objects, as a build would give. Only inputs of the expected
 * types are looked up: anything else is built, and refused, as before.
 */
import { type Commitment, type CommitmentOutput, type CommitmentParams, type Htlc, buildCommitment } from '../bolt3/commitment.js';
import type { Transaction } from '../bolt3/transaction.js';

interface Entry {
  readonly commitment: Commitment;
  /** For each output, the index of its HTLC in `params.htlcs` (-1: none). */
  readonly outputHtlcs: readonly number[];
  /** The index in `params.htlcs` of each trimmed HTLC. */
  readonly trimmed: readonly number[];
}

const recentlyBuilt = new Map<string, Entry>();
export const RECENTLY_BUILT_MAX = 64;

/** `buildCommitment`, or a copy of what it built for the same parameters lately. */
export function commitmentFor(params: CommitmentParams): Commitment {
  const key = keyOf(params);
  const known = key === undefined ? undefined : recentlyBuilt.get(key);
  if (known) return copyOf(known.commitment, (output, i) => htlcAt(params, known.outputHtlcs[i]!) ?? output.htlc, known.trimmed.map((i) => params.htlcs[i]!));
  const commitment = buildCommitment(params);
  if (key !== undefined) {
    if (recentlyBuilt.size >= RECENTLY_BUILT_MAX) recentlyBuilt.delete(recentlyBuilt.keys().next().value!);
    recentlyBuilt.set(key, {
      commitment: copyOf(commitment, (output) => output.htlc, commitment.trimmedHtlcs),
      outputHtlcs: commitment.outputs.map((output) => (output.htlc ? params.htlcs.indexOf(output.htlc) : -1)),
      trimmed: commitment.trimmedHtlcs.map((htlc) => params.htlcs.indexOf(htlc)),
    });
  }
  return commitment;
}

function htlcAt(params: CommitmentParams, index: number): Htlc | undefined {
  return index < 0 ? undefined : params.htlcs[index];
}

/** A copy sharing no byte array with `commitment`; each output's script is the same array in the transaction and in `outputs`, as built. */
function copyOf(commitment: Commitment, htlcOf: (output: CommitmentOutput, index: number) => Htlc | undefined, trimmedHtlcs: readonly Htlc[]): Commitment {
  const tx: Transaction = commitment.tx.clone();
  tx.ins = tx.ins.map((input) => ({ ...input, hash: input.hash.slice() }));
  const outputs = commitment.outputs.map((output, i) => {
    const scriptPubKey = output.scriptPubKey.slice();
    tx.outs[i] = { script: scriptPubKey, value: tx.outs[i]!.value };
    const htlc = htlcOf(output, i);
    return { ...output, scriptPubKey, ...(output.witnessScript && { witnessScript: output.witnessScript.slice() }), ...(htlc && { htlc }) };
  });
  return { ...commitment, tx, outputs, trimmedHtlcs: [...trimmedHtlcs] };
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/** Every input of the build as one string; undefined when one is not of the type the build takes. */
function keyOf(params: CommitmentParams): string | undefined {
  if (typeof params !== 'object' || params === null || !Array.isArray(params.htlcs)) return undefined;
  const { variant, fundingOutpoint, localIsFunder, keys } = params;
  if (typeof variant !== 'string' || typeof fundingOutpoint?.txid !== 'string' || typeof localIsFunder !== 'boolean' || typeof keys !== 'object' || keys === null) return undefined;
  const numbers = [fundingOutpoint.vout, params.fundingSatoshis, params.obscuringFactor, params.commitmentNumber, params.toLocalMsat, params.toRemoteMsat, params.feeratePerKw, params.dustLimitSatoshis, params.toSelfDelay];
  const bytes = [params.localFundingPubkey, params.remoteFundingPubkey, keys.revocationPubkey, keys.localDelayedPubkey, keys.localHtlcPubkey, keys.remoteHtlcPubkey, keys.remotePaymentPubkey];
  if (!numbers.every((n) => typeof n === 'number') || !bytes.every((b) => b instanceof Uint8Array)) return undefined;
  const parts = [variant, fundingOutpoint.txid, String(localIsFunder), ...numbers.map((n) => String(n)), ...bytes.map(hex)];
  for (const htlc of params.htlcs as readonly unknown[]) {
    const { direction, amountMsat, paymentHash, cltvExpiry } = (htlc ?? {}) as Partial<Htlc>;
    if (typeof direction !== 'string' || typeof amountMsat !== 'number' || !(paymentHash instanceof Uint8Array) || typeof cltvExpiry !== 'number') return undefined;
    parts.push(direction, String(amountMsat), hex(paymentHash), String(cltvExpiry));
  }
  return parts.join('|');
}
