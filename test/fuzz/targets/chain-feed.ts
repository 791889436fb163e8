/**
 * The gateway's chain feed as a node receives it (node/uplink/chain-feed-client.ts):
 * a `blocks`, `feed_ack`, `mempool_tx` or `tx_proof` message, then what the
 * client does with it before it takes anything: a push's compact headers
 * rebuilt on the parent, each match's (and a late proof's) transaction
 * parsed and its merkle proof checked against the header at its height.
 */
import { Transaction } from '../../../node/bolt3/transaction.js';
import { decodeHeader } from '../../../node/chain/block-header.js';
import { CompactHeaderError, decodeCompactHeaders, encodeCompactHeaders } from '../../../node/chain/compact-headers.js';
import { merkleProof, merkleRoot, verifyMerkleProof } from '../../../node/chain/merkle.js';
import { DecodeError } from '../../../node/core/cbor.js';
import { type GatewayMessage, MAX_HEADERS_PER_MESSAGE, decodeGatewayMessage, encodeGatewayMessage } from '../../../node/gateway-protocol/gateway-messages.js';
import { type FuzzTarget, refusedWith, sameValue } from '../target.js';
import { CBOR_DICTIONARY } from './wire.js';
import { GENESIS, headerChain } from './chain.js';
import { counting } from './fixtures.js';
import { coinbase, sampleTransaction } from './transactions.js';

/** What the client does with a push it refuses (a transaction that does not parse, or one the proof does not prove): warns, and takes nothing. */
class PushRefused extends Error {
  override name = 'PushRefused';
}

/** As the client parses a gateway's transaction: bitcoinjs throws plain Errors, so any throw is "does not parse". */
function parseTransaction(bytes: Uint8Array): Transaction {
  try {
    return Transaction.fromBuffer(bytes);
  } catch (error) {
    throw new PushRefused(`a transaction that does not parse: ${(error as Error).message}`);
  }
}

function feedSeeds(): Uint8Array[] {
  const block = [coinbase(1), sampleTransaction(1, true), sampleTransaction(2, false, 40)];
  const txids = block.map((tx) => Uint8Array.from(tx.getHash()));
  const headers = headerChain(GENESIS, 3, [counting(32), merkleRoot(txids)]);
  const match = (index: number) => ({ height: 2, index, branch: merkleProof(txids, index), transaction: Uint8Array.from(block[index]!.toBuffer()) });
  const messages: GatewayMessage[] = [
    { type: 'blocks', startHeight: 1, prevHash: counting(8), headers: encodeCompactHeaders(GENESIS, headers), matches: [match(1), match(2)], tipHeight: 3, feeratePerKw: 253, answers: 7 },
    { type: 'blocks', startHeight: 1, prevHash: counting(8), headers: encodeCompactHeaders(GENESIS, headers.slice(0, 2)), matches: [], tipHeight: 9, feeratePerKw: 0 },
    { type: 'feed_ack', height: 3, hash: counting(8), maxLag: 144, hello: 1 },
    { type: 'mempool_tx', transaction: Uint8Array.from(block[1]!.toBuffer()) },
    { type: 'tx_proof', requestId: 9, ...match(2) },
  ];
  return messages.map(encodeGatewayMessage);
}

export const chainFeed: FuzzTarget<GatewayMessage | { type: 'unknown' }> = {
  name: 'chain/feed-messages',
  exercises: 'decodeGatewayMessage, decodeCompactHeaders, Transaction.fromBuffer, verifyMerkleProof, as ChainFeedClient.handle runs them',
  weight: 6,
  seeds: feedSeeds,
  dictionary: CBOR_DICTIONARY,
  maxInputBytes: 8000,
  decode: (input) => {
    const message = decodeGatewayMessage(input);
    // ChainFeedClient.handle: a mempool transaction is parsed; a late proof is parsed and checked against the header at its height.
    if (message.type === 'mempool_tx') parseTransaction(message.transaction);
    if (message.type === 'tx_proof') verifyMerkleProof(parseTransaction(message.transaction).getHash(), message.index, message.branch, decodeHeader(GENESIS).merkleRoot);
    if (message.type !== 'blocks') return message;
    // The parent is the genesis header, as if the node's chain ended there.
    const headers = decodeCompactHeaders(GENESIS, message.headers, MAX_HEADERS_PER_MESSAGE);
    const end = message.startHeight + headers.length - 1;
    for (const match of message.matches) {
      const header = match.height >= message.startHeight && match.height <= end ? headers[match.height - message.startHeight] : undefined;
      const tx = parseTransaction(match.transaction);
      // Whatever index and branch came off the air: true or false, never a throw (the decoder has sized every hash).
      if (header) verifyMerkleProof(tx.getHash(), match.index, match.branch, decodeHeader(header).merkleRoot);
    }
    return message;
  },
  refuses: refusedWith(DecodeError, CompactHeaderError, PushRefused),
  roundTrip: (message) => (message.type === 'unknown' ? undefined : sameValue('encodeGatewayMessage', message, decodeGatewayMessage(encodeGatewayMessage(message)))),
};
