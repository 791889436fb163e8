// The native libsecp256k1 answers exactly as its WebAssembly build does, and is the one in use where it is installed.
import t from 'tap';
import { backend, loadNative, nativeBackendOf } from '../../../node/core/secp256k1-backend.js';
import { behavesAsACurveBackend } from '../../../sim/kit/behaves-as-a-curve-backend.js';

const native = loadNative();
const prebuilt = process.platform === 'linux' && process.arch === 'x64';
t.test('the native build is used on linux-x64, where the package ships one', { skip: prebuilt ? false : `no prebuilt binary for ${process.platform}-${process.arch}` }, async (t) => {
  t.ok(native, 'secp256k1/bindings loads');
  t.equal(backend.name, 'native');
});

t.test('the native build behaves as a curve backend', { skip: native ? false : 'no native build here' }, async (t) => {
  await behavesAsACurveBackend(t, 'native', nativeBackendOf(native!), 200);
});
