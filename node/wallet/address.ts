/**
 * Segwit addresses (BIP 173 bech32 for version 0, BIP 350 bech32m for 1 and
 * up): what a user copies to pay the node's wallet, and what the regtest
 * gateway's faucet takes.
 */
import { bech32, bech32m } from '@scure/base';
import type { NetworkName } from '../chain/network-params.js';
import { InvalidInputError } from '../core/input.js';

export const ADDRESS_PREFIXES: Readonly<Record<NetworkName, string>> = { mainnet: 'bc', testnet: 'tb', signet: 'tb', regtest: 'bcrt' };

/** The address of a segwit output script (`OP_n <program>`). */
export function scriptToAddress(script: Uint8Array, network: NetworkName): string {
  // OP_0, or OP_1 (0x51) to OP_16 (0x60); 0x50 is OP_RESERVED, not a version.
  const opcode = script[0];
  const version = opcode === 0 ? 0 : opcode !== undefined && opcode >= 0x51 && opcode <= 0x60 ? opcode - 0x50 : -1;
  if (version < 0 || script.length < 4 || script[1] !== script.length - 2 || !validProgram(version, script.length - 2)) throw new InvalidInputError('script', 'not a segwit output script');
  const words = [version, ...bech32.toWords(script.subarray(2))];
  return (version === 0 ? bech32 : bech32m).encode(ADDRESS_PREFIXES[network], words);
}

/** The output script an address pays; refused when it is for another network or malformed. */
export function addressToScript(address: string, network: NetworkName): Uint8Array {
  if (typeof address !== 'string' || address.length > 90) throw new InvalidInputError('address', 'expected a segwit address');
  const text = address.toLowerCase();
  // BIP 173: all lower case or all upper case (for QR codes), never mixed.
  if (address !== text && address !== address.toUpperCase()) throw new InvalidInputError('address', 'mixes upper and lower case');
  const prefix = ADDRESS_PREFIXES[network];
  if (!text.startsWith(`${prefix}1`)) throw new InvalidInputError('address', `expected a ${network} address starting with ${prefix}1`);
  let decoded: { prefix: string; words: number[] } | undefined;
  for (const codec of [bech32, bech32m]) {
    try {
      decoded = codec.decode(text as `${string}1${string}`);
      // The prefix ends at the last "1": "tb1x1..." starts with "tb1" but is not a testnet address.
      if (decoded.prefix !== prefix) throw new Error('another prefix');
      const version = decoded.words[0]!;
      if ((version === 0) !== (codec === bech32)) throw new Error('wrong checksum kind for its version');
      break;
    } catch {
      decoded = undefined;
    }
  }
  if (!decoded) throw new InvalidInputError('address', 'not a valid segwit address (bad checksum or characters)');
  const version = decoded.words[0];
  // Padding beyond 4 bits, or padding bits that are not zero, make the 5-to-8-bit conversion fail (BIP 173).
  const program = version === undefined ? undefined : bech32.fromWordsUnsafe(decoded.words.slice(1));
  if (version === undefined || version > 16 || !program || !validProgram(version, program.length)) {
    throw new InvalidInputError('address', 'not a valid segwit program');
  }
  return Uint8Array.of(version === 0 ? 0 : 0x50 + version, program.length, ...program);
}

/** BIP 141: a witness program is 2 to 40 bytes; a version 0 one is 20 (P2WPKH) or 32 (P2WSH). */
function validProgram(version: number, length: number): boolean {
  return length >= 2 && length <= 40 && (version !== 0 || length === 20 || length === 32);
}
