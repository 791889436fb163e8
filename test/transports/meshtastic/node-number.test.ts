// Meshtastic node numbers: uint32s written "!aabbccdd"; broadcast is !ffffffff; 0 is no node.
import t from 'tap';
import { InvalidInputError } from '../../../node/core/input.js';
import {
  BROADCAST_NODE_NUMBER, checkNodeNumber, checkRadioNodeNumber, isBroadcast, nodeNumberText, parseNodeNumber,
} from '../../../transports/meshtastic/node-number.js';

t.test('text and back', async (t) => {
  t.equal(nodeNumberText(0xdeadbeef), '!deadbeef');
  t.equal(nodeNumberText(0x0000abcd), '!0000abcd', 'always 8 digits');
  t.equal(parseNodeNumber('!DEADbeef'), 0xdeadbeef, 'either case');
  t.equal(parseNodeNumber('^all'), BROADCAST_NODE_NUMBER);
  t.equal(nodeNumberText(BROADCAST_NODE_NUMBER), '!ffffffff');
  t.ok(isBroadcast(parseNodeNumber('!ffffffff')));
  for (const number of [1, 0x7fffffff, 0x80000000, 0xfffffffe]) t.equal(parseNodeNumber(nodeNumberText(number)), number);
});

t.test('what is not a node number is refused with a clear error', async (t) => {
  for (const text of ['deadbeef', '!deadbee', '!deadbeef0', '!dead beef', '!0x12345678', '', '!00000000']) {
    t.throws(() => parseNodeNumber(text), InvalidInputError, JSON.stringify(text));
  }
  t.throws(() => parseNodeNumber(0xdeadbeef), InvalidInputError, 'a number is not text');
  t.throws(() => nodeNumberText(2 ** 32), InvalidInputError);
  t.throws(() => checkNodeNumber('to', 0), { name: 'InvalidInputError', field: 'to' });
  t.throws(() => checkNodeNumber('to', -1), InvalidInputError);
  t.equal(checkNodeNumber('to', BROADCAST_NODE_NUMBER), BROADCAST_NODE_NUMBER, 'broadcast may be a destination');
  t.throws(() => checkRadioNodeNumber('neighbour', BROADCAST_NODE_NUMBER), InvalidInputError, 'but not a radio');
  t.throws(() => checkRadioNodeNumber('neighbour', 1), InvalidInputError, 'nor the reserved 1');
  t.equal(checkRadioNodeNumber('neighbour', 0xa1b2c3d4), 0xa1b2c3d4);
});
