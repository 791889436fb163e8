// The device's secp256k1 backend (noble) answers exactly as libsecp256k1's WebAssembly build does.
import t from 'tap';
import { nobleBackend } from '../../../node/core/secp256k1-noble.js';
import { behavesAsACurveBackend } from '../../../sim/kit/behaves-as-a-curve-backend.js';

await behavesAsACurveBackend(t, 'noble', nobleBackend, 100);
