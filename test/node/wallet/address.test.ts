// Segwit addresses: the published BIP 173 / BIP 350 test vectors, network
// prefixes, and a round trip for every valid witness program.
import t from 'tap';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { bech32, bech32m } from '@scure/base';
import fc from 'fast-check';
import type { NetworkName } from '../../../node/chain/network-params.js';
import { InvalidInputError } from '../../../node/core/input.js';
import { ADDRESS_PREFIXES, addressToScript, scriptToAddress } from '../../../node/wallet/address.js';

/** BIP 350, "Test vectors for v0-v16 native segregated witness addresses": valid addresses and their scriptPubKey. */
const VALID: [string, string][] = [
  ['BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', '0014751e76e8199196d454941c45d1b3a323f1433bd6'],
  ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', '00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262'],
  ['bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y', '5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6'],
  ['BC1SW50QGDZ25J', '6002751e'],
  ['bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs', '5210751e76e8199196d454941c45d1b3a323'],
  ['tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy', '0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433'],
  ['tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c', '5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433'],
  ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0', '512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'],
];

/** BIP 173 and BIP 350 invalid segwit addresses, with the reason the BIPs give. */
const INVALID: [string, string][] = [
  // BIP 173
  ['tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty', 'invalid human-readable part'],
  ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', 'invalid checksum'],
  ['BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2', 'invalid witness version'],
  ['bc1rw5uspcuh', 'invalid program length'],
  ['bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90', 'invalid program length'],
  ['BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P', 'invalid program length for witness version 0 (per BIP 141)'],
  ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7', 'mixed case'],
  ['bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du', 'zero padding of more than 4 bits'],
  ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv', 'non-zero padding in 8-to-5 conversion'],
  ['bc1gmk9yu', 'empty data section'],
  // BIP 350
  ['tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut', 'invalid human-readable part'],
  ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd', 'invalid checksum (Bech32 instead of Bech32m)'],
  ['tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf', 'invalid checksum (Bech32 instead of Bech32m)'],
  ['BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL', 'invalid checksum (Bech32 instead of Bech32m)'],
  ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh', 'invalid checksum (Bech32m instead of Bech32)'],
  ['tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47', 'invalid checksum (Bech32m instead of Bech32)'],
  ['bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4', 'invalid character in checksum'],
  ['BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R', 'invalid witness version'],
  ['bc1pw5dgrnzv', 'invalid program length (1 byte)'],
  ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav', 'invalid program length (41 bytes)'],
  ['tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq', 'mixed case'],
  ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf', 'zero padding of more than 4 bits'],
  ['tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j', 'non-zero padding in 8-to-5 conversion'],
];

/** The network a vector's prefix belongs to (tb is testnet and signet; tc is nobody's, so try mainnet). */
function networkOf(address: string): NetworkName {
  return address.toLowerCase().startsWith('tb') ? 'testnet' : 'mainnet';
}

t.test('the BIP 350 valid addresses decode to their scripts, and encode back (in lower case)', async (t) => {
  for (const [address, script] of VALID) {
    const network = networkOf(address);
    t.equal(bytesToHex(addressToScript(address, network)), script, address);
    t.equal(scriptToAddress(hexToBytes(script), network), address.toLowerCase(), `${script} encodes back`);
  }
  t.equal(bytesToHex(addressToScript('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'mainnet')), '0014751e76e8199196d454941c45d1b3a323f1433bd6', 'lower case as well as upper');
});

t.test('the BIP 173 and BIP 350 invalid addresses are refused as an InvalidInputError naming the address', async (t) => {
  for (const [address, reason] of INVALID) {
    for (const network of [networkOf(address), 'regtest'] as const) {
      t.throws(() => addressToScript(address, network), { name: 'InvalidInputError', field: 'address' }, `${address} on ${network}: ${reason}`);
    }
  }
  t.throws(() => addressToScript('tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7', 'testnet'), { message: 'address: mixes upper and lower case' });
  t.throws(() => addressToScript('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf', 'mainnet'), { message: 'address: not a valid segwit program' }, 'bad padding is a refusal of the address, not a library error');
});

t.test('each network has its prefix; another network\'s address is refused', async (t) => {
  t.same(ADDRESS_PREFIXES, { mainnet: 'bc', testnet: 'tb', signet: 'tb', regtest: 'bcrt' });
  const script = hexToBytes('0014751e76e8199196d454941c45d1b3a323f1433bd6');
  const addresses = { mainnet: scriptToAddress(script, 'mainnet'), testnet: scriptToAddress(script, 'testnet'), signet: scriptToAddress(script, 'signet'), regtest: scriptToAddress(script, 'regtest') };
  t.equal(addresses.mainnet, 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
  t.equal(addresses.testnet, 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx');
  t.equal(addresses.signet, addresses.testnet, 'signet shares testnet\'s prefix');
  t.equal(addresses.regtest, 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080');
  for (const network of ['mainnet', 'testnet', 'regtest'] as const) {
    t.equal(bytesToHex(addressToScript(addresses[network], network)), bytesToHex(script), `${network} reads its own`);
    for (const other of ['mainnet', 'testnet', 'regtest'] as const) {
      if (other === network) continue;
      t.throws(() => addressToScript(addresses[network], other), { name: 'InvalidInputError', message: `address: expected a ${other} address starting with ${ADDRESS_PREFIXES[other]}1` }, `${network} address refused on ${other}`);
    }
  }
  // The prefix is what comes before the last "1": tb1x1... starts with "tb1" and has a valid checksum for "tb1x".
  const lookalike = bech32.encode('tb1x', [0, ...bech32.toWords(script.subarray(2))]);
  t.throws(() => addressToScript(lookalike, 'testnet'), { name: 'InvalidInputError', field: 'address' }, `${lookalike} is not a testnet address`);
});

t.test('other input is refused with the field named', async (t) => {
  for (const address of ['', 'bc1', 'bc1qqqqqqq', `bc1q${'q'.repeat(90)}`, '1BoatSLRHtKNngkdXEeobR76b53LETtpyT', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 ', 42 as unknown as string]) {
    t.throws(() => addressToScript(address, 'mainnet'), InvalidInputError, JSON.stringify(address));
  }
  for (const script of ['', '00', '0014', '76a914751e76e8199196d454941c45d1b3a323f1433bd688ac', '0015751e76e8199196d454941c45d1b3a323f1433bd600', '5014751e76e8199196d454941c45d1b3a323f1433bd6', '6101ff', '5101ff', `5129${'07'.repeat(41)}`, '0013751e76e8199196d454941c45d1b3a323f1433bd6']) {
    t.throws(() => scriptToAddress(hexToBytes(script), 'mainnet'), { name: 'InvalidInputError', message: 'script: not a segwit output script' }, `script ${script}`);
  }
});

t.test('any witness program round-trips: script to address to script', async (t) => {
  const program = fc.oneof(
    fc.record({ version: fc.constant(0), bytes: fc.oneof(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.uint8Array({ minLength: 32, maxLength: 32 })) }),
    fc.record({ version: fc.integer({ min: 1, max: 16 }), bytes: fc.uint8Array({ minLength: 2, maxLength: 40 }) }),
  );
  fc.assert(
    fc.property(program, fc.constantFrom<NetworkName>('mainnet', 'testnet', 'signet', 'regtest'), ({ version, bytes }, network) => {
      const script = Uint8Array.of(version === 0 ? 0 : 0x50 + version, bytes.length, ...bytes);
      const address = scriptToAddress(script, network);
      const decoded = (version === 0 ? bech32 : bech32m).decode(address as `${string}1${string}`);
      return (
        bytesToHex(addressToScript(address, network)) === bytesToHex(script) &&
        bytesToHex(addressToScript(address.toUpperCase(), network)) === bytesToHex(script) &&
        decoded.prefix === ADDRESS_PREFIXES[network] &&
        decoded.words[0] === version
      );
    }),
    { numRuns: 1000 },
  );
  t.pass('1000 programs, every version, every network');
});
