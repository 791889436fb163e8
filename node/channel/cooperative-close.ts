/**
 * Cooperative close (BOLT 2's `shutdown` and `closing_signed`): both sides
 * name where their money goes, then, once no HTLC is pending, the funder
 * offers a fee and the two meet halfway until they agree.
 */

/** Where a cooperative close stands: both shutdown scripts, the fee we last offered, and whether it is done. */
export interface ClosingNegotiation {
  local?: Uint8Array;
  remote?: Uint8Array;
  offeredFee?: number;
  closed?: boolean;
}

/** Our answer to the fee in their `closing_signed`: sign it, counter with another, or give up. */
export type ClosingFeeAnswer = { readonly kind: 'agree' } | { readonly kind: 'counter'; readonly feeSatoshis: number } | { readonly kind: 'give_up'; readonly lowest: number; readonly highest: number };

/**
 * We only ever sign a fee within [ideal / 2, 3 x ideal], so that a stubborn
 * peer cannot drag us out of it; outside, we meet halfway within our range,
 * and if that is where we already stood, the negotiation has failed.
 */
export function answerClosingFee(theirFee: number, offeredFee: number | undefined, idealFee: number): ClosingFeeAnswer {
  const [lowest, highest] = [Math.ceil(idealFee / 2), idealFee * 3];
  if (theirFee === offeredFee || (theirFee >= lowest && theirFee <= highest)) return { kind: 'agree' };
  const counter = Math.min(highest, Math.max(lowest, Math.round((theirFee + (offeredFee ?? idealFee)) / 2)));
  if (counter === offeredFee) return { kind: 'give_up', lowest, highest };
  return { kind: 'counter', feeSatoshis: counter };
}

/** P2WPKH, P2WSH or P2TR: what BOLT 2 allows in shutdown (and what relays). */
export function isStandardShutdownScript(script: Uint8Array): boolean {
  const [version, length] = [script[0], script[1]];
  if (version === 0x00) return (length === 20 || length === 32) && script.length === length + 2;
  return version === 0x51 && length === 32 && script.length === 34;
}
