/**
 * What every backend's funded transaction must be before `fund` hands it
 * out, checked here whatever the backend says: the outputs asked for,
 * first and in order, at most one more (the change), and every input
 * signed with a witness, native or P2SH-wrapped (LDK refuses a funding transaction whose txid a
 * signature could change).
 */
import { bytesToHex } from '../../node/core/hex.js';
import type { Transaction } from '../../node/bolt3/transaction.js';
import { type WalletOutput, WalletError } from './on-chain-wallet.js';

export function checkFundedTransaction(tx: Transaction, outputs: readonly WalletOutput[]): void {
  if (tx.outs.length < outputs.length || tx.outs.length > outputs.length + 1) {
    throw new WalletError(`the backend funded ${tx.outs.length} outputs for the ${outputs.length} asked (and one change at most)`);
  }
  outputs.forEach((output, i) => {
    const paid = tx.outs[i]!;
    if (paid.value !== BigInt(output.satoshis) || bytesToHex(paid.script) !== bytesToHex(output.script)) {
      throw new WalletError(`the backend's output ${i} is not the one asked for (${output.satoshis} sat to ${bytesToHex(output.script)})`);
    }
  });
  tx.ins.forEach((input, i) => {
    // What LDK checks: a witness on every input (a P2SH-wrapped segwit input is as safe: its scriptSig is fixed).
    if (input.witness.length === 0) {
      throw new WalletError(`input ${i} of the funded transaction is not a segwit spend: the wallet holds legacy coins LDK cannot fund a channel from; move them to a new address of the wallet (receiveScript)`);
    }
  });
}
