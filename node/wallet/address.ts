/**
 * Segwit addresses (BIP 173 bech32 for version 0, BIP 350 bech32m for 1 and
 * up): what a user copies to pay the node's wallet, and what the regtest
 * gateway's faucet takes.
 */
import { bech32, bech32m } from '@scure/base';
import type { NetworkName } from '../chain/network-params.js';
import { InvalidInputError } from '../input.js';

export const ADDRESS_PREFIXES: Readonly<Record<NetworkName, string>> = { mainnet: 'bc', testnet: 'tb', signet: 'tb', regtest: 'bcrt' };

/** The address of a segwit output script (`OP_n <program>`). */
export function scriptToAddress(script: Uint8Array, network: NetworkName): string {
  const version = script[0] === 0 ? 0 : script[0]! - 0x50;
  if (script.length < 4 || version < 0 || version > 16 || script[1] !== script.length - 2) throw new InvalidInputError('script', 'not a segwit output script');
  const words = [version, ...bech32.toWords(script.subarray(2))];
  return (version === 0 ? bech32 : bech32m).encode(ADDRESS_PREFIXES[network], words);
}

/** The output script an address pays; refused when it is for another network or malformed. */
export function addressToScript(address: string, network: NetworkName): Uint8Array {
  if (typeof address !== 'string' || address.length > 90) throw new InvalidInputError('address', 'expected a segwit address');
  const text = address.toLowerCase();
  const prefix = ADDRESS_PREFIXES[network];
  if (!text.startsWith(`${prefix}1`)) throw new InvalidInputError('address', `expected a ${network} address starting with ${prefix}1`);
  let decoded: { prefix: string; words: number[] } | undefined;
  for (const codec of [bech32, bech32m]) {
    try {
      decoded = codec.decode(text as `${string}1${string}`);
      const version = decoded.words[0]!;
      if ((version === 0) !== (codec === bech32)) throw new Error('wrong checksum kind for its version');
      break;
    } catch {
      decoded = undefined;
    }
  }
  if (!decoded) throw new InvalidInputError('address', 'not a valid segwit address (bad checksum or characters)');
  const version = decoded.words[0]!;
  const program = bech32.fromWords(decoded.words.slice(1));
  if (version > 16 || program.length < 2 || program.length > 40 || (version === 0 && program.length !== 20 && program.length !== 32)) {
    throw new InvalidInputError('address', 'not a valid segwit program');
  }
  return Uint8Array.of(version === 0 ? 0 : 0x50 + version, program.length, ...program);
}
