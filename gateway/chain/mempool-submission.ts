/**
 * Handing a transaction to an embedded bcoin node's mempool, with Bitcoin
 * Core's answers: accepted, or rejected with the reason. bcoin's own
 * `sendrawtransaction` RPC drops rejections silently (it logs them and
 * returns the txid), so a client of its RPC server would believe every
 * transaction accepted; `answerSendRawTransactionAsCore` gives that server
 * Core's behaviour, on top of the same submission.
 */
import bcoin from 'bcoin';

/** Bitcoin Core's RPC error codes for a refused transaction (src/rpc/protocol.h). */
export const CORE_RPC_DESERIALIZATION_ERROR = -22;
export const CORE_RPC_VERIFY_ERROR = -25;
export const CORE_RPC_VERIFY_REJECTED = -26;
export const CORE_RPC_VERIFY_ALREADY_IN_CHAIN = -27;

/** What Core says of a transaction whose inputs it cannot find (bcoin would keep it as an orphan). */
export const MISSING_INPUTS_REASON = 'bad-txns-inputs-missingorspent';

export type Submission =
  | { readonly accepted: true; readonly txid: string }
  | { readonly accepted: false; readonly txid: string; readonly reason: string; readonly coreCode: number };

/** Submits serialized transaction bytes to `node`'s mempool; a refusal resolves with bcoin's reason, it never throws for one. */
export async function submitToMempool(node: any, raw: Uint8Array): Promise<Submission> {
  let tx: any;
  try {
    tx = (bcoin as any).TX.fromRaw(Buffer.from(raw));
  } catch (error) {
    return { accepted: false, txid: '', reason: `TX decode failed: ${(error as Error).message}`, coreCode: CORE_RPC_DESERIALIZATION_ERROR };
  }
  const txid: string = tx.txid();
  let missing: unknown[] | null;
  try {
    missing = await addOrReplace(node, tx);
  } catch (error) {
    const verifyError = error as { type?: string; reason?: string; code?: string };
    if (verifyError.type !== 'VerifyError') throw error;
    const reason = verifyError.reason ?? 'rejected';
    // Core answers success for a transaction its mempool already holds: a rebroadcast is not a failure.
    if (reason === 'txn-already-in-mempool') return { accepted: true, txid };
    const coreCode = reason === 'txn-already-known' ? CORE_RPC_VERIFY_ALREADY_IN_CHAIN : CORE_RPC_VERIFY_REJECTED;
    return { accepted: false, txid, reason, coreCode };
  }
  if (missing) {
    // bcoin parks it until its parents arrive; Core refuses it. Do as Core does, so no refused transaction confirms later.
    node.mempool.removeOrphan(tx.hash('hex'));
    return { accepted: false, txid, reason: MISSING_INPUTS_REASON, coreCode: CORE_RPC_VERIFY_ERROR };
  }
  return { accepted: true, txid };
}

/** The most mempool transactions one replacement may evict (BIP 125's rule 5, as Core). */
const MAX_REPLACED = 100;

/** A refusal in bcoin's own shape, so that `submitToMempool` reports it as any other. */
const refusal = (reason: string) => Object.assign(new Error(reason), { type: 'VerifyError', reason });

/**
 * `addTX`, with full replace-by-fee as Core does it since v28: bcoin 1.0
 * refuses any spend of an output its mempool already sees spent, so a
 * claim signed again at a higher feerate (the node's fee bumps, CPFP aside)
 * would never leave the gateway. A double spend replaces what it conflicts
 * with (and their descendants) when it pays a higher feerate than each
 * transaction it conflicts with and, in total, their fees plus the minimum
 * relay fee of its own size (BIP 125's rules 3, 4 and 6; no signalling is
 * asked, as under full RBF); it may not spend an output of what it replaces.
 * If the replacement is then refused for another reason, the evicted
 * transactions go back.
 */
async function addOrReplace(node: any, tx: any): Promise<unknown[] | null> {
  const mempool = node.mempool;
  // Not a double spend, or the very transaction again (bcoin answers that one itself).
  if (!mempool.isDoubleSpend(tx) || mempool.hasEntry(tx.hash('hex'))) return mempool.addTX(tx);
  const conflicts = new Map<string, any>();
  for (const { prevout } of tx.inputs) {
    const entry = mempool.getSpent(prevout.hash, prevout.index);
    if (entry) conflicts.set(entry.txid(), entry);
  }
  const replaced = new Map<string, any>();
  const collect = (entry: any) => {
    if (replaced.has(entry.txid())) return;
    replaced.set(entry.txid(), entry);
    entry.tx.outputs.forEach((_: unknown, index: number) => {
      const spender = mempool.getSpent(entry.tx.hash('hex'), index);
      if (spender) collect(spender);
    });
  };
  for (const entry of conflicts.values()) collect(entry);
  if (replaced.size > MAX_REPLACED) throw refusal(`too many potential replacements (${replaced.size} > ${MAX_REPLACED})`);
  for (const { prevout } of tx.inputs) {
    if (replaced.has((bcoin as any).util.revHex(prevout.hash))) throw refusal('replacement spends an output of a transaction it replaces');
  }
  const view = await mempool.getSpentView(tx);
  if (!tx.hasCoins(view)) return mempool.addTX(tx); // bcoin's own refusal (missing inputs)
  const fee: number = tx.getFee(view);
  const size: number = tx.getVirtualSize();
  for (const entry of conflicts.values()) {
    if (fee * entry.size <= entry.fee * size) throw refusal(`insufficient fee: the replacement's feerate is not above ${entry.txid()}'s`);
  }
  const replacedFees = [...replaced.values()].reduce((sum, entry) => sum + entry.fee, 0);
  const relayFee: number = (bcoin as any).policy.getMinFee(size, mempool.options.minRelay);
  if (fee < replacedFees + relayFee) throw refusal(`insufficient fee: ${fee} sat does not pay the ${replacedFees} sat it replaces and ${relayFee} sat of relay`);
  for (const entry of conflicts.values()) mempool.evictEntry(entry);
  try {
    return await mempool.addTX(tx);
  } catch (error) {
    // Not valid after all: what it would have replaced goes back, parents first.
    for (const entry of replaced.values()) await mempool.addTX(entry.tx).catch(() => undefined);
    throw error;
  }
}

/** Replaces bcoin's `sendrawtransaction` RPC with one that answers as Core does: the txid, or an error with Core's code and the reason. */
export function answerSendRawTransactionAsCore(node: any): void {
  node.rpc.calls.sendrawtransaction = async (params: unknown[], help: boolean) => {
    const hex = params[0];
    if (help || params.length < 1 || params.length > 2 || typeof hex !== 'string') {
      throw rpcError(-1, 'sendrawtransaction "hexstring" ( maxfeerate )');
    }
    if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw rpcError(CORE_RPC_DESERIALIZATION_ERROR, 'TX decode failed');
    const submission = await submitToMempool(node, Buffer.from(hex, 'hex'));
    if (!submission.accepted) throw rpcError(submission.coreCode, submission.reason);
    return submission.txid;
  };
}

/** bcoin's RPC server turns an error of type 'RPCError' into a JSON-RPC error with its code. */
function rpcError(code: number, message: string): Error {
  return Object.assign(new Error(message), { type: 'RPCError', code });
}
