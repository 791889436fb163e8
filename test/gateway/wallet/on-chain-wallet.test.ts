import t from 'tap';
import { InsufficientFundsError, WalletError, checkFundRequest, dustLimit } from '../../../gateway/wallet/on-chain-wallet.js';
import { p2wpkh, p2wsh } from '../../../node/bolt3/scripts.js';
import { publicKeyOf } from '../../../node/core/curve.js';

const key = publicKeyOf(new Uint8Array(32).fill(1));
const p2pkh = Uint8Array.of(0x76, 0xa9, 0x14, ...new Uint8Array(20), 0x88, 0xac);

t.test("dust limits: Core's, at 3 sat/vB", async (t) => {
  t.equal(dustLimit(p2wpkh(key)), 294);
  t.equal(dustLimit(p2wsh(Uint8Array.of(0x51))), 330);
  t.equal(dustLimit(p2pkh), 546);
  t.equal(dustLimit(Uint8Array.of(0x6a, 0x01, 0x00)), 1, 'OP_RETURN: any amount');
});

t.test('a fund request: what passes, and what each refusal names', async (t) => {
  const ok = [{ script: p2wpkh(key), satoshis: 294 }];
  t.doesNotThrow(() => checkFundRequest(ok, 253));
  t.throws(() => checkFundRequest(ok, 252), { name: 'InvalidInputError', field: 'feeratePerKw' });
  t.throws(() => checkFundRequest(ok, 253.5), { name: 'InvalidInputError', field: 'feeratePerKw' });
  t.throws(() => checkFundRequest([{ script: p2wpkh(key), satoshis: 293 }], 253), { name: 'InvalidInputError', field: 'outputs[0].satoshis' });
  t.throws(() => checkFundRequest([...ok, { script: 'not bytes' as unknown as Uint8Array, satoshis: 1_000 }], 253), { name: 'InvalidInputError', field: 'outputs[1].script' });
  t.throws(() => checkFundRequest('all of it' as never, 253), { name: 'InvalidInputError', field: 'outputs' });
  const whole = [{ script: p2wpkh(key), satoshis: 21_000_000 * 1e8 }];
  t.throws(() => checkFundRequest([...whole, ...whole], 253), { name: 'InvalidInputError', field: 'outputs', message: /21 million/ });
});

t.test('InsufficientFundsError: a WalletError that names the shortfall', async (t) => {
  const error = new InsufficientFundsError(1_000, 5_500);
  t.ok(error instanceof WalletError);
  t.equal(error.shortfallSatoshis, 4_500);
  t.match(error.message, /has 1000 sat it can spend but this needs 5500 sat .* send it at least 4500 sat more/);
});
