/**
 * BOLT 11 invoices (node/invoice/bolt11.ts), as `lnmesh pay lnbc...` and the
 * gateway's bridge read them: a value or an InvoiceError, never anything
 * else; what reads must read the same again from its own text.
 */
import { bech32 } from '@scure/base';
import { type Bolt11Invoice, readBolt11 } from '../../../node/invoice/bolt11.js';
import { InvoiceError } from '../../../node/invoice/invoice-error.js';
import type { Random } from '../random.js';
import { type FuzzTarget, refusedWith, sameValue, text, utf8 } from '../target.js';

/** The spec's examples are dated 2017-06-01 (unix 1496314658): read as of then, so that they have not expired. */
const SPEC_TIME = 1496314658;
const EXAMPLES = [
  // BOLT 11's "please make a donation", its coffee (with an expiry), and a long description with a route hint.
  'lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap9us6v52vjjsrvywa6rt52cm9r9zqt8r2t7mlcwspyetp5h2tztugp9lfyql',
  'lnbc2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpuaztrnwngzn3kdzw5hydlzf03qdgm2hdq27cqv3agm2awhz5se903vruatfhq77w3ls4evs3ch9zw97j25emudupq63nyw24cg27h2rspfj9srp',
];

/**
 * A byte mutation almost always breaks the bech32 checksum, which is refused at once: this one changes the 5-bit
 * words (values, a tagged field's length, fields cut or repeated) and writes a valid checksum, so that the fields'
 * parser and the signature's recovery get the input.
 */
function mutateWords(input: Uint8Array, random: Random): Uint8Array | undefined {
  let decoded;
  try {
    decoded = bech32.decode(text(input) as `${string}1${string}`, false);
  } catch {
    return undefined;
  }
  const words = [...decoded.words];
  for (let edits = 1 + random.below(3); edits > 0 && words.length > 0; edits--) {
    const at = random.below(words.length);
    const choice = random.below(4);
    if (choice === 0) words[at] = random.below(32);
    else if (choice === 1) words.splice(at, 1);
    else if (choice === 2) words.splice(at, 0, random.below(32));
    else words.splice(at, 0, ...words.slice(at, at + 1 + random.below(20)));
  }
  return utf8(bech32.encode(decoded.prefix, words, false));
}

export const bolt11: FuzzTarget<Bolt11Invoice> = {
  name: 'invoice/bolt11',
  exercises: 'readBolt11 (node/invoice/bolt11.ts)',
  weight: 2,
  seeds: () => EXAMPLES.map(utf8),
  dictionary: ['lnbc', 'lntb', 'lnbcrt', '1', 'pp5', 'sp5', 'x', 'c', 'n', 'r', '9', 'q', 'p', 'u', 'm', 'LNBC'].map(utf8),
  maxInputBytes: 2100,
  mutate: mutateWords,
  decode: (input) => readBolt11(text(input), SPEC_TIME, 'bc'),
  refuses: refusedWith(InvoiceError),
  roundTrip: (invoice) => sameValue('readBolt11 of its own text', invoice, readBolt11(invoice.paymentRequest, SPEC_TIME, 'bc')),
};
