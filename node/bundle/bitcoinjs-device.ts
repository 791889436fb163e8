/**
 * The device bundle's `bitcoinjs-lib` (see device-substitutes.ts): the
 * parts the node uses (node/bolt3: transactions, scripts, opcodes), from
 * the package's own modules, without the index, which loads its PSBT
 * (bip174), payments, addresses and blocks as well. A device module that
 * imports anything else from bitcoinjs-lib fails the bundle's build
 * ("No matching export"): add it here.
 */
export { Transaction } from 'bitcoinjs-lib/src/transaction';
export * as script from 'bitcoinjs-lib/src/script';
export { OPS as opcodes } from 'bitcoinjs-lib/src/ops';
