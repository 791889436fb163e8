/**
 * The device bundle's secp256k1-portable.ts (swapped in by
 * node/bundle/bundle-code.ts): noble's JavaScript, which a device has loaded
 * anyway, instead of the WebAssembly and its memory.
 */
export { nobleBackend as portableBackend } from './secp256k1-noble.js';
