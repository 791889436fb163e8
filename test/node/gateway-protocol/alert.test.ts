// The tower's breach alert: signed by the gateway for one node, checked by
// that node with the gateway's key alone. Another node, another gateway,
// another txid, or a locator that is not the breach's: it fails.
import t from 'tap';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { signAlert, verifyAlert } from '../../../node/gateway-protocol/alert.js';
import { towerSignerFromSecret } from '../../../node/gateway-protocol/receipt.js';
import { throwsField } from '../input.js';

const gateway = towerSignerFromSecret(sha256(Uint8Array.of(0x6a, 1)));
const otherGateway = towerSignerFromSecret(sha256(Uint8Array.of(0x6a, 2)));
const node = publicKeyOf(sha256(Uint8Array.of(0x6b, 1)));
const otherNode = publicKeyOf(sha256(Uint8Array.of(0x6b, 2)));
const txid = fc.uint8Array({ minLength: 32, maxLength: 32 });

t.test('an alert verifies for its node and gateway only, and not once changed', (t) => {
  fc.assert(
    fc.property(txid, txid, fc.nat(31), (breachTxid, justiceTxid, byte) => {
      const alert = signAlert(gateway, node, { locator: breachTxid.slice(0, 16), breachTxid, justiceTxid });
      const flipped = Uint8Array.from(justiceTxid);
      flipped[byte]! ^= 1;
      return (
        verifyAlert(gateway.nodeId, node, alert) &&
        !verifyAlert(otherGateway.nodeId, node, alert) &&
        !verifyAlert(gateway.nodeId, otherNode, alert) &&
        !verifyAlert(gateway.nodeId, node, { ...alert, justiceTxid: flipped })
      );
    }),
    { numRuns: 50 },
  );
  t.pass('50 random alerts');
  t.end();
});

t.test('a locator that is not the start of the breach txid', (t) => {
  const breachTxid = sha256(Uint8Array.of(1));
  const alert = signAlert(gateway, node, { locator: breachTxid.slice(0, 16), breachTxid, justiceTxid: sha256(Uint8Array.of(2)) });
  t.equal(verifyAlert(gateway.nodeId, node, { ...alert, locator: new Uint8Array(16) }), false, 'verifying says false, it does not throw');
  throwsField(t, () => signAlert(gateway, node, { locator: new Uint8Array(16), breachTxid, justiceTxid: breachTxid }), 'locator', 'signing refuses it');
  throwsField(t, () => signAlert(gateway, node, { locator: breachTxid.slice(0, 16), breachTxid, justiceTxid: new Uint8Array(31) }), 'justiceTxid', 'a short txid');
  t.end();
});
