/**
 * Bitcoin Core's dust threshold for an output: below it, nodes will not
 * relay a transaction. BOLT 2 requires `dust_limit_satoshis` to be at least
 * the largest of these for the outputs a commitment can have
 * (`MIN_DUST_LIMIT_SATOSHIS`, node/core/bolt-limits.ts).
 */
import { checkBytes } from '../core/input.js';

/** Bitcoin Core's default `-dustrelayfee`, in satoshis per 1000 virtual bytes. */
export const DUST_RELAY_FEE_PER_KVB = 3000;

/**
 * GetDustThreshold: what it costs to spend the output at the dust relay fee.
 * Spending a witness output costs 67 virtual bytes of input, others 148.
 */
export function dustThreshold(scriptPubKey: Uint8Array): number {
  checkBytes('scriptPubKey', scriptPubKey);
  if (isUnspendable(scriptPubKey)) return 0;
  const outputSize = 8 + compactSizeLength(scriptPubKey.length) + scriptPubKey.length;
  const inputSize = isWitnessProgram(scriptPubKey) ? 32 + 4 + 1 + Math.floor(107 / 4) + 4 : 32 + 4 + 1 + 107 + 4;
  return Math.floor(((outputSize + inputSize) * DUST_RELAY_FEE_PER_KVB) / 1000);
}

function isUnspendable(script: Uint8Array): boolean {
  return (script.length > 0 && script[0] === 0x6a) || script.length > 10_000;
}

/** `OP_n <2 to 40 bytes>`, n from 0 to 16: a segwit output of any version. */
export function isWitnessProgram(script: Uint8Array): boolean {
  if (script.length < 4 || script.length > 42) return false;
  const version = script[0]!;
  if (version !== 0x00 && (version < 0x51 || version > 0x60)) return false;
  return script[1] === script.length - 2;
}

function compactSizeLength(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}
