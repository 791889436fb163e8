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
    missing = await node.mempool.addTX(tx);
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
