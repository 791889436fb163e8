/**
 * The whole simulated economy in satoshis, from the chain's own view: the
 * invariant `valueConserved` (sim/README.md).
 *
 * What entered is what the chain gave the nodes' wallets when the run was
 * set up (`SimChain.fundWallets`). From there the ledger follows the coins
 * through the chain itself, block by block on the best chain and then
 * through the mempool: every transaction that spends a coin of the economy
 * belongs to it, its outputs join the economy, and what its inputs hold
 * above its outputs is a fee paid to the miners. What is left at the end is
 * the economy's unspent outputs, confirmed or in the mempool.
 *
 * Bitcoin itself makes entered = unspent + fees (plus any coin from outside
 * the economy that one of its transactions spent, counted as entered and
 * reported). The invariant is that every one of those unspent outputs has a
 * holder, and that each holder's own account of it agrees with the chain:
 *
 * - an output paying a node's wallet script is that node's wallet (confirmed
 *   or not); every coin the wallet itself lists must be such an output (or
 *   the change of a claim it holds that is not out yet, whose wallet inputs
 *   are still unspent): a coin it lists that the chain does not have is
 *   money the node thinks it has and does not;
 * - an unspent funding output is its channel's, counted once, at its value:
 *   what a commitment pays as fee and anchors comes out of the funder's
 *   balance only when a commitment is built, so each end's view of the
 *   channel (to_local + to_remote + every HTLC in flight, in msat, from its
 *   own latest commitment) must add up to exactly the funding output's value
 *   × 1000, and its record of the channel's size must be that value;
 * - an output of a close not yet spent is held by the claim of a node that
 *   spends it (a claim locked by its delay, or out but not confirmed), or
 *   is an anchor (330 sat, anyone's once its delay is over), or waits for
 *   an end of the channel that has not seen the close yet (offline): still
 *   that node's;
 * - anything else is value nobody holds: a violation, with the amount, the
 *   output and the channel it came from.
 */
import type { Transaction } from '../node/bolt3/transaction.js';
import { ANCHOR_OUTPUT_SATOSHIS } from '../node/bolt3/fees.js';

/** `txid:vout`. */
export type OutpointKey = string;

export function outpointKey(txid: string, vout: number): OutpointKey {
  return `${txid}:${vout}`;
}

/** The txid (display order) and index an input spends. */
export function spentBy(input: { hash: Uint8Array; index: number }): OutpointKey {
  return outpointKey(Buffer.from(input.hash).reverse().toString('hex'), input.index);
}

export interface EconomyOutput {
  readonly txid: string;
  readonly vout: number;
  readonly satoshis: number;
  readonly script: string;
  readonly confirmed: boolean;
  /** The funding outpoint this output descends from through a close, if any (else a wallet's coin). */
  readonly channel?: OutpointKey;
  /** It is an output of the transaction that spent that funding output (a commitment or a closing transaction). */
  readonly ofClose: boolean;
}

export interface EconomyTrace {
  enteredSat: number;
  /** Coins from outside the economy that one of its transactions spent (none expected). */
  readonly fromOutside: { readonly outpoint: OutpointKey; readonly satoshis: number; readonly spender: string }[];
  feesSat: number;
  readonly unspent: Map<OutpointKey, EconomyOutput>;
  /** Every economy transaction, by txid: confirmed, or in the mempool. */
  readonly transactions: Map<string, { readonly tx: Transaction; readonly confirmed: boolean }>;
}

/**
 * Follows the coins that entered (`entered`, by outpoint) through `transactions`, in chain order (the
 * best chain's, then the mempool's in an order where parents come first). `valueOutside` gives the value
 * of an output outside the economy that one of its transactions spends.
 */
export async function traceEconomy(
  entered: readonly { readonly txid: string; readonly vout: number; readonly satoshis: number; readonly script: Uint8Array }[],
  transactions: readonly { readonly tx: Transaction; readonly confirmed: boolean }[],
  fundingOutpoints: ReadonlySet<OutpointKey>,
  valueOutside: (outpoint: OutpointKey) => Promise<number>,
): Promise<EconomyTrace> {
  const trace: EconomyTrace = { enteredSat: 0, fromOutside: [], feesSat: 0, unspent: new Map(), transactions: new Map() };
  for (const coin of entered) {
    trace.enteredSat += coin.satoshis;
    trace.unspent.set(outpointKey(coin.txid, coin.vout), { txid: coin.txid, vout: coin.vout, satoshis: coin.satoshis, script: hex(coin.script), confirmed: true, ofClose: false });
  }
  for (const { tx, confirmed } of transactions) {
    const spent = tx.ins.map(spentBy);
    if (!spent.some((key) => trace.unspent.has(key))) continue;
    const txid = tx.getId();
    if (trace.transactions.has(txid)) continue;
    trace.transactions.set(txid, { tx, confirmed });
    let inputs = 0;
    let channel: OutpointKey | undefined;
    let close = false;
    for (const key of spent) {
      const output = trace.unspent.get(key);
      if (output) {
        trace.unspent.delete(key);
        inputs += output.satoshis;
        if (fundingOutpoints.has(key)) {
          channel = key;
          close = true;
        } else channel ??= output.channel;
        continue;
      }
      const satoshis = await valueOutside(key);
      trace.fromOutside.push({ outpoint: key, satoshis, spender: txid });
      trace.enteredSat += satoshis;
      inputs += satoshis;
    }
    let outputs = 0;
    tx.outs.forEach((out, vout) => {
      const satoshis = Number(out.value);
      outputs += satoshis;
      trace.unspent.set(outpointKey(txid, vout), { txid, vout, satoshis, script: hex(out.script), confirmed, ...(channel !== undefined && { channel }), ofClose: close });
    });
    trace.feesSat += inputs - outputs;
  }
  return trace;
}

/** A node's view of one of its channels, from its store. */
export interface ChannelView {
  readonly node: string;
  /** The channel as people name it: `n0–n1`. */
  readonly label: string;
  readonly funding: OutpointKey;
  readonly fundingSatoshis: number;
  /** to_local + to_remote + every HTLC in flight, in its latest commitment. */
  readonly totalMsat: number;
  /** It knows the funding output is spent (a commitment or a closing transaction on chain). */
  readonly closeSeen: boolean;
}

/** A claim a node holds on an output of a close (not confirmed, not void). */
export interface ClaimView {
  readonly node: string;
  readonly label: string;
  readonly description: string;
  readonly tx: Transaction;
  /** Handed to the broadcaster at least once. */
  readonly broadcast: boolean;
}

export interface Holders {
  /** Wallet output script (hex) to its node. */
  readonly wallets: ReadonlyMap<string, string>;
  /** The coins each node's wallet lists, by node. */
  readonly walletCoins: ReadonlyMap<string, readonly { readonly txid: string; readonly vout: number; readonly satoshis: number }[]>;
  readonly channels: readonly ChannelView[];
  readonly claims: readonly ClaimView[];
  /** Nodes running at the end (the others cannot have seen what happened while they were away). */
  readonly running: ReadonlySet<string>;
}

export interface LedgerFinding {
  /** What the finding is about, one per subject: a node's wallet, a channel, an output. */
  readonly subject: string;
  readonly detail: string;
}

export interface Ledger {
  readonly enteredSat: number;
  readonly feesSat: number;
  readonly walletsSat: number;
  readonly channelsSat: number;
  /** Outputs of closes held by a claim not confirmed yet (locked by its delay, or out and unconfirmed). */
  readonly claimsSat: number;
  readonly anchorsSat: number;
  /** Outputs of closes waiting for an end of the channel that has not seen the close. */
  readonly awaitingSat: number;
  /** Outputs nobody holds. */
  readonly unheldSat: number;
  readonly byNode: ReadonlyMap<string, { wallet: number }>;
  readonly findings: readonly LedgerFinding[];
}

/** Every unspent output of the economy given its holder, each holder's account checked against the chain. */
export function assessLedger(trace: EconomyTrace, holders: Holders): Ledger {
  const findings: LedgerFinding[] = [];
  const byNode = new Map<string, { wallet: number }>();
  let walletsSat = 0;
  let channelsSat = 0;
  let claimsSat = 0;
  let anchorsSat = 0;
  let awaitingSat = 0;
  let unheldSat = 0;
  const channelsAt = new Map<OutpointKey, ChannelView[]>();
  for (const view of holders.channels) channelsAt.set(view.funding, [...(channelsAt.get(view.funding) ?? []), view]);
  const labelOf = (funding: OutpointKey | undefined) => (funding === undefined ? undefined : channelsAt.get(funding)?.[0]?.label ?? funding);
  const claimOn = new Map<OutpointKey, ClaimView>();
  for (const claim of holders.claims) for (const key of claim.tx.ins.map(spentBy)) if (!claimOn.has(key)) claimOn.set(key, claim);

  for (const [key, output] of trace.unspent) {
    const wallet = holders.wallets.get(output.script);
    if (wallet !== undefined) {
      walletsSat += output.satoshis;
      const entry = byNode.get(wallet) ?? { wallet: 0 };
      entry.wallet += output.satoshis;
      byNode.set(wallet, entry);
      continue;
    }
    const views = channelsAt.get(key);
    if (views) {
      channelsSat += output.satoshis;
      for (const view of views) {
        const finding = fundingFinding(view, key, output.satoshis);
        if (finding) findings.push(finding);
      }
      continue;
    }
    const label = labelOf(output.channel);
    const claim = claimOn.get(key);
    if (claim) {
      claimsSat += output.satoshis;
      continue;
    }
    if (output.ofClose && output.satoshis === ANCHOR_OUTPUT_SATOSHIS) {
      anchorsSat += output.satoshis;
      continue;
    }
    const unaware = output.channel === undefined ? [] : (channelsAt.get(output.channel) ?? []).filter((view) => !view.closeSeen || !holders.running.has(view.node));
    if (unaware.length > 0) {
      awaitingSat += output.satoshis;
      continue;
    }
    unheldSat += output.satoshis;
    findings.push({
      subject: `output ${key}`,
      detail: `${output.satoshis} sat in ${key} (${output.confirmed ? 'confirmed' : 'in the mempool'}${label ? `, from the close of ${label}` : ''}) are held by nobody: no wallet, channel, claim or anchor${label ? `; both ends of ${label} have seen the close` : ''}`,
    });
  }

  findings.push(...walletFindings(trace, holders));

  const held = walletsSat + channelsSat + claimsSat + anchorsSat + awaitingSat + unheldSat;
  if (trace.enteredSat !== held + trace.feesSat) {
    findings.push({ subject: 'economy', detail: `${trace.enteredSat} sat entered, but ${held} sat are held and ${trace.feesSat} sat went to fees: ${trace.enteredSat - held - trace.feesSat} sat missing` });
  }
  for (const outside of trace.fromOutside) {
    findings.push({ subject: `outside ${outside.outpoint}`, detail: `${outside.spender} spent ${outside.satoshis} sat from outside the economy (${outside.outpoint}): value no wallet was given` });
  }
  return { enteredSat: trace.enteredSat, feesSat: trace.feesSat, walletsSat, channelsSat, claimsSat, anchorsSat, awaitingSat, unheldSat, byNode, findings };
}

/** Each wallet's own list against the chain: a coin it counts must exist (or be the change of one of its claims not out yet). */
function walletFindings(trace: EconomyTrace, holders: Holders): LedgerFinding[] {
  const findings: LedgerFinding[] = [];
  for (const [node, coins] of holders.walletCoins) {
    for (const coin of coins) {
      const key = outpointKey(coin.txid, coin.vout);
      const onChain = trace.unspent.get(key);
      if (onChain && holders.wallets.get(onChain.script) === node && onChain.satoshis === coin.satoshis) continue;
      const pendingClaim = holders.claims.find((claim) => claim.node === node && claim.tx.getId() === coin.txid && !trace.transactions.has(coin.txid));
      const reserved = pendingClaim && pendingClaim.tx.ins.map(spentBy).some((input) => holders.wallets.get(trace.unspent.get(input)?.script ?? '') === node);
      if (reserved && Number(pendingClaim.tx.outs[coin.vout]?.value ?? -1) === coin.satoshis) continue;
      const why = onChain ? `the chain has ${onChain.satoshis} sat there, paying ${holders.wallets.get(onChain.script) ?? 'another script'}` : trace.transactions.has(coin.txid) ? 'that output is spent' : 'no such transaction is on chain or in the mempool';
      findings.push({ subject: `wallet ${node} ${key}`, detail: `${node}'s wallet counts ${coin.satoshis} sat in ${key}, which it does not have: ${why}` });
    }
  }
  return findings;
}

/** A channel's record of its funding output against what the chain holds there, or undefined when they agree. */
function fundingFinding(view: ChannelView, key: OutpointKey, satoshis: number): LedgerFinding | undefined {
  const problems: string[] = [];
  if (view.fundingSatoshis !== satoshis) problems.push(`its record says the channel holds ${view.fundingSatoshis} sat`);
  if (view.totalMsat !== satoshis * 1000) problems.push(`its balances and HTLCs add up to ${view.totalMsat} msat`);
  if (problems.length === 0) return undefined;
  const gap = view.totalMsat - satoshis * 1000;
  return { subject: `channel ${view.label} ${view.node}`, detail: `the funding output of ${view.label} holds ${satoshis} sat on chain (${key}), but ${view.node}: ${problems.join(', ')}: ${gap} msat ${gap > 0 ? 'it does not have' : 'unaccounted for'}` };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
