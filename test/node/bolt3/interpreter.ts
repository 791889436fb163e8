/**
 * A real script interpreter for tests: bcoin's `Script.verify`, run on each
 * input of a transaction against the output it spends, with Bitcoin Core's
 * standard flags (segwit, CSV, CLTV, low-S, strict DER, NULLFAIL, ...).
 */
import bcoin from 'bcoin';
import type { Transaction } from '../../../node/bolt3/transaction.js';

const { Script, TX } = bcoin as unknown as {
  Script: {
    fromRaw(raw: Buffer): unknown;
    verify(input: unknown, witness: unknown, output: unknown, tx: unknown, index: number, value: number, flags?: number): void;
  };
  TX: { fromRaw(raw: Buffer): { inputs: { script: unknown; witness: unknown }[] } };
};

export interface SpentOutput {
  readonly scriptPubKey: Uint8Array;
  readonly satoshis: number;
}

/** Throws bcoin's ScriptError (its `code` says which rule failed) unless input `index` is valid. */
export function verifyInput(tx: Transaction, index: number, spent: SpentOutput): void {
  const parsed = TX.fromRaw(Buffer.from(tx.toBuffer()));
  const input = parsed.inputs[index];
  if (!input) throw new Error(`no input ${index}`);
  Script.verify(input.script, input.witness, Script.fromRaw(Buffer.from(spent.scriptPubKey)), parsed, index, spent.satoshis);
}

/** The rule bcoin says input `index` breaks, or 'OK'. */
export function scriptResult(tx: Transaction, index: number, spent: SpentOutput): string {
  try {
    verifyInput(tx, index, spent);
    return 'OK';
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).message;
  }
}
