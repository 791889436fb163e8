/**
 * The Meshtastic client API's messages as the transport reads and writes
 * them, in one module that the transport loads when it opens: it holds
 * protobufjs and the schema built from it, which a node with no Meshtastic
 * radio never needs in memory.
 */
export { decodeFromRadio } from './from-radio.js';
export { decodeRouting } from './routing.js';
export { encodeToRadio } from './to-radio.js';
