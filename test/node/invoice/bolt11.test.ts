// BOLT 11 invoices read on the node: BOLT 11's own examples (all signed by
// the spec's priv_key e126f68f...), then one refusal per check, each naming its field.
import t from 'tap';
import { bech32 } from '@scure/base';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { InvoiceError } from '../../../node/invoice/invoice-error.js';
import { MAX_INVOICE_CHARS, readBolt11 } from '../../../node/invoice/bolt11.js';
import { SIGNATURE_WORDS, packWords, signingDigest } from '../../../node/invoice/signature.js';

const hex = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('hex') : undefined);
const fromHex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));

const SPEC_KEY = fromHex('e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734');
const SPEC_PAYEE = '03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad';
const SPEC_HASH = '0001020304050607080900010203040506070809000102030405060708090102';
const SPEC_TIME = 1496314658; // `pvjluez`

const DONATION =
  'lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap9us6v52vjjsrvywa6rt52cm9r9zqt8r2t7mlcwspyetp5h2tztugp9lfyql';
const COFFEE =
  'lnbc2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpuaztrnwngzn3kdzw5hydlzf03qdgm2hdq27cqv3agm2awhz5se903vruatfhq77w3ls4evs3ch9zw97j25emudupq63nyw24cg27h2rspfj9srp';
const HASHED_TESTNET =
  'lntb20m1pvjluezhp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqfpp3x9et2e20v6pu37c5d9vax37wxq72un98kmzzhznpurw9sgl2v0nklu2g4d0keph5t7tj9tcqd8rexnd07ux4uv2cjvcqwaxgj7v4uwn5wmypjd5n69z2xm3xgksg28nwht7f6zspwp3f9t';
const PICO_WITH_HINT =
  'lnbc9678785340p1pwmna7lpp5gc3xfm08u9qy06djf8dfflhugl6p7lgza6dsjxq454gxhj9t7a0sd8dgfkx7cmtwd68yetpd5s9xar0wfjn5gpc8qhrsdfq24f5ggrxdaezqsnvda3kkum5wfjkzmfqf3jkgem9wgsyuctwdus9xgrcyqcjcgpzgfskx6eqf9hzqnteypzxz7fzypfhg6trddjhygrcyqezcgpzfysywmm5ypxxjemgw3hxjmn8yptk7untd9hxwg3q2d6xjcmtv4ezq7pqxgsxzmnyyqcjqmt0wfjjq6t5v4khxxqyjw5qcqp2rzjq0gxwkzc8w6323m55m4jyxcjwmy7stt9hwkwe2qxmy8zpsgg7jcuwz87fcqqeuqqqyqqqqlgqqqqn3qq9qn07ytgrxxzad9hc4xt3mawjjt8znfv8xzscs7007v9gh9j569lencxa8xeujzkxs0uamak9aln6ez02uunw6rd2ht2sqe4hz8thcdagpleym0j';

/** The data words of an invoice (timestamp and tagged fields, no signature). */
function dataWords(invoice: string): number[] {
  return bech32.decode(invoice, false).words.slice(0, -SIGNATURE_WORDS);
}

/** Signs data words as a BOLT 11 payee does: r || s || recovery id, after the data. */
function signed(hrp: string, words: number[], secretKey: Uint8Array = SPEC_KEY): string {
  const recovered = secp256k1.sign(signingDigest(hrp, words), secretKey, { prehash: false, format: 'recovered' });
  const signature = Uint8Array.of(...recovered.subarray(1), recovered[0]!);
  return bech32.encode(hrp, [...words, ...bech32.toWords(signature)], false);
}

/** The same invoice with its 65 signature bytes changed by `change`, re-encoded with a valid checksum. */
function withSignature(invoice: string, change: (signature: Uint8Array) => void): string {
  const { prefix, words } = bech32.decode(invoice, false);
  const signature = packWords(words.slice(-SIGNATURE_WORDS));
  change(signature);
  return bech32.encode(prefix, [...words.slice(0, -SIGNATURE_WORDS), ...bech32.toWords(signature)], false);
}

/** A tagged field: type, 10-bit length, data. */
function field(type: number, words: number[]): number[] {
  return [type, words.length >> 5, words.length & 31, ...words];
}

/** What a refusal of `field` looks like to t.throws. */
function refusal(field: string) {
  return { name: 'InvoiceError', field };
}

t.test('the donation of any amount: payee recovered from the signature, every field as the spec says', async (t) => {
  const invoice = readBolt11(DONATION, SPEC_TIME, 'bc');
  t.equal(hex(invoice.payee), SPEC_PAYEE, 'the key the spec names, recovered (no n field)');
  t.equal(invoice.network, 'bc');
  t.equal(invoice.amountMsat, undefined, 'any amount');
  t.equal(hex(invoice.paymentHash), SPEC_HASH);
  t.equal(hex(invoice.paymentSecret), '11'.repeat(32));
  t.equal(invoice.description, 'Please consider supporting this project');
  t.equal(invoice.descriptionHash, undefined);
  t.equal(invoice.timestamp, SPEC_TIME);
  t.equal(invoice.expiry, 3600, 'the default expiry');
  t.equal(invoice.minFinalCltvExpiryDelta, 18, 'the default min_final_cltv_expiry_delta');
  t.same(invoice.routeHints, []);
  t.equal(invoice.paymentRequest, DONATION, 'the string itself, for the gateway');
});

t.test('an invoice in upper case (as QR codes carry it) reads the same', async (t) => {
  const invoice = readBolt11(DONATION.toUpperCase(), SPEC_TIME, 'bc');
  t.equal(hex(invoice.payee), SPEC_PAYEE);
  t.equal(invoice.paymentRequest, DONATION);
});

t.test('the data signed is the hrp and the data words packed to bytes (the coffee example\'s breakdown)', async (t) => {
  const { prefix, words } = bech32.decode(COFFEE, false);
  const data = [...new TextEncoder().encode(prefix), ...packWords(words.slice(0, -SIGNATURE_WORDS))];
  t.equal(
    Buffer.from(data).toString('hex'),
    '6c6e626332353030750b25fe64410d00004080c1014181c20240004080c1014181c20240004080c1014181c202404081a0a189031bab81031b7b33332b2818020f00',
  );
  t.equal(hex(signingDigest(prefix, words.slice(0, -SIGNATURE_WORDS))), hex(sha256(Uint8Array.from(data))));
  t.equal(hex(sha256(Uint8Array.from(data))), '3cd6ef07744040556e01be64f68fd9e1565fb47d78c42308b1ee005aca5a0d86');
});

t.test('$3 of coffee within one minute: 2500u is 250,000,000 msat, expiry 60', async (t) => {
  const invoice = readBolt11(COFFEE, SPEC_TIME + 59, 'bc');
  t.equal(invoice.amountMsat, 250_000_000n);
  t.equal(invoice.description, '1 cup coffee');
  t.equal(invoice.expiry, 60);
  t.equal(hex(invoice.payee), SPEC_PAYEE);
  t.throws(() => readBolt11(COFFEE, SPEC_TIME + 60, 'bc'), refusal('expiry'), 'refused once timestamp + expiry is reached');
});

t.test('on testnet with a hashed description: 20m is 2,000,000,000 msat', async (t) => {
  const invoice = readBolt11(HASHED_TESTNET, SPEC_TIME, 'tb');
  t.equal(invoice.network, 'tb');
  t.equal(invoice.amountMsat, 2_000_000_000n);
  t.equal(invoice.description, undefined);
  t.equal(hex(invoice.descriptionHash), '3925b6f67e2c340036ed12093dd44e0368df1b6ea26c53dbe4811f58fd5db8c1');
  t.equal(hex(invoice.payee), SPEC_PAYEE);
  t.throws(() => readBolt11(HASHED_TESTNET, SPEC_TIME, 'bc'), refusal('network'), 'a testnet invoice on a mainnet node');
  t.throws(() => readBolt11(DONATION, SPEC_TIME, 'tb'), refusal('network'), 'a mainnet invoice on a testnet node');
});

t.test('pico-BTC amount, a week\'s expiry, min_final_cltv_expiry 10 and a route hint', async (t) => {
  const invoice = readBolt11(PICO_WITH_HINT, 1572468703, 'bc');
  t.equal(invoice.amountMsat, 967_878_534n, '9678785340p');
  t.equal(hex(invoice.paymentHash), '462264ede7e14047e9b249da94fefc47f41f7d02ee9b091815a5506bc8abf75f');
  t.equal(invoice.expiry, 604_800);
  t.equal(invoice.minFinalCltvExpiryDelta, 10);
  t.equal(hex(invoice.payee), SPEC_PAYEE);
  t.equal(invoice.routeHints.length, 1);
  const hop = invoice.routeHints[0]![0]!;
  t.equal(hex(hop.nodeId), '03d06758583bb5154774a6eb221b1276c9e82d65bbaceca806d90e20c108f4b1c7');
  t.equal(hex(hop.shortChannelId), '08fe4e000cf00001', '589390x3312x1');
  t.same([hop.feeBaseMsat, hop.feeProportionalMillionths, hop.cltvExpiryDelta], [1000, 2500, 40]);
});

t.test('an n field names the payee, and the signature must be by that key', async (t) => {
  const withPayee = [...dataWords(DONATION), ...field(19, bech32.toWords(fromHex(SPEC_PAYEE)))];
  t.equal(hex(readBolt11(signed('lnbc', withPayee), SPEC_TIME, 'bc').payee), SPEC_PAYEE);
  const otherKey = new Uint8Array(32).fill(7);
  t.throws(() => readBolt11(signed('lnbc', withPayee, otherKey), SPEC_TIME, 'bc'), refusal('payee'), 'signed by another key');
  const tampered = withSignature(signed('lnbc', withPayee), (signature) => (signature[40]! ^= 1));
  t.throws(() => readBolt11(tampered, SPEC_TIME, 'bc'), refusal('payee'), 'a flipped bit in s no longer verifies against n');
});

t.test('a tampered signature with a valid checksum is refused', async (t) => {
  const highS = withSignature(DONATION, (signature) => {
    const s = secp256k1.Point.Fn.ORDER - BigInt('0x' + hex(signature.subarray(32, 64)));
    signature.set(fromHex(s.toString(16).padStart(64, '0')), 32);
    signature[64] = signature[64]! ^ 1; // n - s recovers the same key with the other recovery id
  });
  t.throws(() => readBolt11(highS, SPEC_TIME, 'bc'), refusal('signature'), 'the high-S twin of a valid signature');
  const noRecovery = withSignature(DONATION, (signature) => (signature[64] = 3));
  t.throws(() => readBolt11(noRecovery, SPEC_TIME, 'bc'), refusal('signature'), 'recovery id 3: r + n is past the field, no key recovers');
  const badRecovery = withSignature(DONATION, (signature) => (signature[64] = 4));
  t.throws(() => readBolt11(badRecovery, SPEC_TIME, 'bc'), refusal('signature'), 'recovery id 4');
  // Without an n field, a flipped bit still recovers *a* key: just not the payee's.
  const flipped = withSignature(DONATION, (signature) => (signature[40]! ^= 1));
  let payee: string | undefined;
  try {
    payee = hex(readBolt11(flipped, SPEC_TIME, 'bc').payee);
  } catch (error) {
    t.ok(error instanceof InvoiceError && error.field === 'signature', 'refused');
  }
  t.not(payee, SPEC_PAYEE, 'a changed signature never names the spec\'s payee');
});

t.test('one character changed breaks the checksum', async (t) => {
  const at = 60;
  const changed = DONATION.slice(0, at) + (DONATION[at] === 'q' ? 'p' : 'q') + DONATION.slice(at + 1);
  t.throws(() => readBolt11(changed, SPEC_TIME, 'bc'), refusal('checksum'), 'checksum');
});

t.test('oversized input is refused before decoding', async (t) => {
  t.throws(() => readBolt11('lnbc1' + 'q'.repeat(MAX_INVOICE_CHARS), SPEC_TIME, 'bc'), refusal('invoice'), 'too long');
});

t.test('what is not an invoice at all', async (t) => {
  t.throws(() => readBolt11('hello', SPEC_TIME, 'bc'), refusal('invoice'), 'plain text');
  t.throws(() => readBolt11('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', SPEC_TIME, 'bc'), refusal('invoice'), 'a bitcoin address');
  t.throws(() => readBolt11(42 as unknown as string, SPEC_TIME, 'bc'), refusal('invoice'), 'not a string');
  t.throws(() => readBolt11(bech32.encode('lnbc', [1, 2, 3], false), SPEC_TIME, 'bc'), refusal('invoice'), 'too short');
});

t.test('a signed invoice without a 32-byte payment hash is refused', async (t) => {
  const timestampOnly = dataWords(COFFEE).slice(0, 7);
  t.throws(() => readBolt11(signed('lnbc', timestampOnly), SPEC_TIME, 'bc'), refusal('paymentHash'), 'no p field');
  const shortHash = [...timestampOnly, ...field(1, bech32.toWords(new Uint8Array(20)))];
  t.throws(() => readBolt11(signed('lnbc', shortHash), SPEC_TIME, 'bc'), refusal('paymentHash'), 'a 20-byte p field is skipped');
});

t.test('amounts above 21 million BTC, or sub-millisatoshi, are refused', async (t) => {
  const words = dataWords(COFFEE);
  t.throws(() => readBolt11(signed('lnbc21000001', words), SPEC_TIME, 'bc'), refusal('amount'), '21,000,001 BTC');
  t.equal(readBolt11(signed('lnbc21000000', words), SPEC_TIME, 'bc').amountMsat, 2_100_000_000_000_000_000n, 'exactly 21e6 BTC');
  t.throws(() => readBolt11(signed('lnbc1231p', words), SPEC_TIME, 'bc'), refusal('amount'), '1231 pico-BTC is not whole msat');
});
