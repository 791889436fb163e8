/** Signatures as a witness carries them, strict DER and a sighash byte (node/bolt3/signatures.ts). */
import { decodeBitcoinSignature, encodeBitcoinSignature } from '../../../node/bolt3/signatures.js';
import { signDigest } from '../../../node/core/curve.js';
import { InvalidInputError } from '../../../node/core/input.js';
import { type FuzzTarget, fromHex, refusedWith, sameBytes } from '../target.js';
import { counting, nodeSecret } from './fixtures.js';

export const bitcoinSignature: FuzzTarget<ReturnType<typeof decodeBitcoinSignature>> = {
  name: 'bolt3/bitcoin-signature',
  exercises: 'decodeBitcoinSignature (node/bolt3/signatures.ts)',
  weight: 2,
  seeds: () => [encodeBitcoinSignature(signDigest(counting(32), nodeSecret), 0x01), encodeBitcoinSignature(signDigest(counting(32, 9), nodeSecret), 0x83)],
  dictionary: ['30', '02', '00', '80', '7f', '4402', '2100', '0220'].map(fromHex),
  maxInputBytes: 80,
  decode: decodeBitcoinSignature,
  refuses: refusedWith(InvalidInputError),
  // Strict DER has one encoding per signature (BIP 66): no second form of it may pass.
  roundTrip: ({ compact, sighashType }, input) => sameBytes('encodeBitcoinSignature', input, encodeBitcoinSignature(compact, sighashType)),
};
