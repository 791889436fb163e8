/**
 * LDK's `UtxoLookup` over our `ChainSource`: before the graph takes a
 * `channel_announcement`, its short channel id (BOLT 7: block height, index
 * of the transaction in the block, output) must name an output on our chain,
 * which LDK then checks is the 2-of-2 of the announced keys. So a peer cannot
 * fill the graph with channels that were never funded. What the chain source
 * cannot say is whether the output is spent since: a closed channel stays
 * until its updates age out (pruning). Lookups are async (`UtxoFuture`),
 * answered within `LOOKUP_TIMEOUT_MS` (LDK: pending lookups hold back gossip,
 * keep them short). One block read for each announcement, as
 * lightning-block-sync's `GossipVerifier` does: none kept, so a reorg leaves
 * nothing stale.
 */
import { bytesToHex } from '../../node/core/hex.js';
import type { Clock } from '../../node/core/clock.js';
import type { Logger } from '../../node/core/logger.js';
import type { ChainSource } from '../chain/chain-source.js';
import type { NetworkGraph, P2PGossipSync, Result_TxOutUtxoLookupErrorZ, UtxoLookup, UtxoResult } from 'lightningdevkit';
import type { Ldk } from './ldk.js';

export const LOOKUP_TIMEOUT_MS = 5_000;

/** BOLT 7's short_channel_id: 3 bytes of block height, 3 of transaction index, 2 of output index. */
export function shortChannelIdParts(scid: bigint): { height: number; txIndex: number; vout: number } {
  return { height: Number(scid >> 40n), txIndex: Number((scid >> 16n) & 0xffffffn), vout: Number(scid & 0xffffn) };
}

/** The output `scid` names on `chain`, or undefined: no such block, transaction or output. */
export async function outputAt(chain: ChainSource, scid: bigint): Promise<{ script: Uint8Array; satoshis: bigint } | undefined> {
  const { height, txIndex, vout } = shortChannelIdParts(scid);
  const block = await chain.blockAt(height);
  const output = block?.transactions[txIndex]?.outs[vout];
  return output ? { script: Uint8Array.from(output.script), satoshis: BigInt(output.value) } : undefined;
}

export interface GossipUtxoLookupInput {
  readonly chain: ChainSource;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Our chain's hash as LDK writes it (the graph's `get_chain_hash`). */
  readonly chainHash: Uint8Array;
  /** Where answers go: known once the gossip sync exists, which is built before its lookup is added. */
  readonly target: () => { readonly graph: NetworkGraph; readonly gossip: P2PGossipSync };
}

export function gossipUtxoLookup(ldk: Ldk, input: GossipUtxoLookupInput): UtxoLookup {
  const ours = bytesToHex(input.chainHash);
  return ldk.UtxoLookup.new_impl({
    get_utxo(chainHash: Uint8Array, scid: bigint): UtxoResult {
      if (bytesToHex(chainHash) !== ours) return ldk.UtxoResult.constructor_sync(ldk.Result_TxOutUtxoLookupErrorZ.constructor_err(ldk.UtxoLookupError.LDKUtxoLookupError_UnknownChain));
      const future = ldk.UtxoFuture.constructor_new();
      void answer(ldk, input, scid).then((result) => {
        const { graph, gossip } = input.target();
        future.resolve(graph, gossip, result);
      });
      return ldk.UtxoResult.constructor_async(future.clone());
    },
  });
}

/** The lookup's answer, never a rejection: an error or a timeout is "unknown", and the announcement is dropped. */
async function answer(ldk: Ldk, input: GossipUtxoLookupInput, scid: bigint): Promise<Result_TxOutUtxoLookupErrorZ> {
  const unknown = () => ldk.Result_TxOutUtxoLookupErrorZ.constructor_err(ldk.UtxoLookupError.LDKUtxoLookupError_UnknownTx);
  let cancel = () => {};
  const late = new Promise<'late'>((resolve) => (cancel = input.clock.setTimer(LOOKUP_TIMEOUT_MS, () => resolve('late'))));
  try {
    const output = await Promise.race([outputAt(input.chain, scid), late]);
    if (output === 'late') {
      input.logger.log('warn', `the chain source did not answer within ${LOOKUP_TIMEOUT_MS} ms for an announced channel; the announcement is dropped`, { scid: String(scid) });
      return unknown();
    }
    return output ? ldk.Result_TxOutUtxoLookupErrorZ.constructor_ok(ldk.TxOut.constructor_new(output.satoshis, output.script)) : unknown();
  } catch (error) {
    input.logger.log('warn', 'cannot look up the funding output of an announced channel; the announcement is dropped', { scid: String(scid), error: String(error) });
    return unknown();
  } finally {
    cancel();
  }
}
