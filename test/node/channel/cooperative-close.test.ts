// The cooperative close's negotiation: which fees we sign, how we meet a
// peer halfway, when we give up, and which shutdown scripts we accept.
import t from 'tap';
import { answerClosingFee, isStandardShutdownScript } from '../../../node/channel/cooperative-close.js';

t.test('a fee within [ideal / 2, 3 x ideal], or the one we offered, is signed', async (t) => {
  t.same(answerClosingFee(500, undefined, 1000), { kind: 'agree' }, 'half the ideal');
  t.same(answerClosingFee(3000, undefined, 1000), { kind: 'agree' }, 'three times the ideal');
  t.same(answerClosingFee(100, 100, 1000), { kind: 'agree' }, 'what we offered ourselves, even outside the range');
});

t.test('outside the range we meet halfway, within it, and give up where we already stood', async (t) => {
  t.same(answerClosingFee(10_000, 1000, 1000), { kind: 'counter', feeSatoshis: 3000 }, 'halfway is 5500: held at 3 x ideal');
  t.same(answerClosingFee(10_000, 3000, 1000), { kind: 'give_up', lowest: 500, highest: 3000 }, 'the peer does not move: the negotiation has failed');
  t.same(answerClosingFee(100, undefined, 1000), { kind: 'counter', feeSatoshis: 550 }, 'with no offer of ours, halfway to the ideal');
});

t.test('shutdown scripts: P2WPKH, P2WSH or P2TR only', async (t) => {
  const script = (...bytes: number[][]) => Uint8Array.from(bytes.flat());
  t.ok(isStandardShutdownScript(script([0x00, 20], new Array(20).fill(1))), 'P2WPKH');
  t.ok(isStandardShutdownScript(script([0x00, 32], new Array(32).fill(1))), 'P2WSH');
  t.ok(isStandardShutdownScript(script([0x51, 32], new Array(32).fill(1))), 'P2TR');
  t.notOk(isStandardShutdownScript(script([0x76, 0xa9, 20], new Array(20).fill(1), [0x88, 0xac])), 'P2PKH does not qualify');
  t.notOk(isStandardShutdownScript(script([0x00, 20], new Array(19).fill(1))), 'a truncated witness program');
});
