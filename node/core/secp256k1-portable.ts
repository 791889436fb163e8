/**
 * The secp256k1 backend where no native libsecp256k1 loads: its WebAssembly
 * build, 3 to 4 times faster than JavaScript. The device bundle replaces this
 * module with secp256k1-portable-device.ts (node/bundle/bundle-code.ts), so
 * that a device never loads the WebAssembly: about 5 MB less resident.
 */
export { wasmBackend as portableBackend } from './secp256k1-wasm.js';
