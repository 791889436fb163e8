// A BOLT 11 invoice packed for the gateway protocol: the same text comes back, it is about a third smaller
// than the text, and packings no invoice gives are refused.
import t from 'tap';
import { DecodeError } from '../../../node/core/cbor.js';
import { packInvoice, unpackInvoice } from '../../../node/gateway-protocol/compact-invoice.js';
import { encodeGatewayMessage } from '../../../node/gateway-protocol/gateway-messages.js';
import { readBolt11 } from '../../../node/invoice/bolt11.js';

// BOLT 11's own example: "Send 2500 uBTC for a cup of coffee within one minute" (mainnet, 271 characters).
const COFFEE =
  'lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh';

t.test('an invoice packs to its human-readable part and its data words, and unpacks to the same text', async (t) => {
  const compact = packInvoice(COFFEE);
  t.equal(new TextDecoder().decode(compact.hrp), 'lnbc2500u');
  t.equal(unpackInvoice(compact), COFFEE);
  t.equal(readBolt11(unpackInvoice(compact), 1496314658, 'bc').paymentRequest, COFFEE, 'it still reads as the invoice (signature and all)');
  t.equal(unpackInvoice(packInvoice(COFFEE.toUpperCase())), COFFEE, 'upper case (QR codes) packs the same');
  const asText = new TextEncoder().encode(COFFEE).length;
  const packed = encodeGatewayMessage({ type: 'bridge_pay', requestId: 1, invoice: compact }).length;
  t.ok(packed < asText * 0.72, `bridge_pay carries it in ${packed} bytes, the text alone is ${asText}: ${asText - packed} saved`);
  t.comment(`a ${COFFEE.length}-character invoice: ${packed} bytes in bridge_pay, ${asText - packed} bytes (${Math.round((100 * (asText - packed)) / asText)}%) less than its text`);
});

t.test('what is not an invoice is refused', async (t) => {
  t.throws(() => packInvoice('lnbc1notbech32!'), { name: 'InvalidInputError' });
  t.throws(() => packInvoice(COFFEE.slice(0, -1) + 'q'), { name: 'InvalidInputError' }, 'a wrong checksum is caught when packing');
  const compact = packInvoice(COFFEE);
  t.throws(() => unpackInvoice({ ...compact, words: compact.words + 9 }), DecodeError, 'words that do not fit the bytes');
  t.throws(() => unpackInvoice({ ...compact, hrp: new TextEncoder().encode('LNBC') }), DecodeError, 'an upper-case prefix');
  t.not(unpackInvoice({ ...compact, data: compact.data.map((byte, i) => (i === 10 ? byte ^ 1 : byte)) }), COFFEE, 'a flipped bit makes another text (its signature then fails on the gateway)');
});
