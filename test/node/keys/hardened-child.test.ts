// A hardened child is what BIP 32 (and @scure/bip32's full derivation) gives:
// the signer derives its secrets from a cached parent with it.
import t from 'tap';
import { HDKey } from '@scure/bip32';
import { hardenedChild } from '../../../node/keys/hardened-child.js';

const root = HDKey.fromMasterSeed(Uint8Array.from({ length: 32 }, (_, i) => i));

t.test('the same key and chain code as a full BIP 32 derivation', async (t) => {
  const parent = root.derive("m/1017'/0'/3'/0'");
  for (const index of [0, 1, 7, 1000, 0x7fff_ffff]) {
    const child = hardenedChild({ privateKey: parent.privateKey!, chainCode: parent.chainCode! }, index);
    const expected = root.derive(`m/1017'/0'/3'/0'/${index}'`);
    t.same(child.privateKey, expected.privateKey, `m/.../${index}' private key`);
    t.same(child.chainCode, expected.chainCode, `m/.../${index}' chain code`);
  }
});

t.test('a BIP 32 test vector (vector 1, m/0H from the master)', async (t) => {
  const master = HDKey.fromMasterSeed(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'));
  const child = hardenedChild({ privateKey: master.privateKey!, chainCode: master.chainCode! }, 0);
  t.equal(Buffer.from(child.privateKey).toString('hex'), 'edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea');
  t.equal(Buffer.from(child.chainCode).toString('hex'), '47fdacbd0f1097043b78c63c20c34ef4ed9a111d980047ad16282c7ae6236141');
});

t.test('an index out of range or a bad parent is refused', async (t) => {
  const parent = { privateKey: root.privateKey!, chainCode: root.chainCode! };
  t.throws(() => hardenedChild(parent, 0x8000_0000), /index/);
  t.throws(() => hardenedChild(parent, -1), /index/);
  t.throws(() => hardenedChild({ ...parent, chainCode: new Uint8Array(31) }, 0), /chainCode/);
});
