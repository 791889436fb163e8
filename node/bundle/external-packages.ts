/**
 * The packages the device bundle leaves out of lnmesh.mjs and ships in its
 * node_modules instead: those that load a native binary (a `.node` file),
 * which esbuild cannot inline. Everything else is inlined.
 */
export interface ExternalPackage {
  readonly name: string;
  /** The packages through which lnmesh reaches it, from the project: its version is the one they resolve. */
  readonly via: readonly string[];
  readonly why: string;
}

export const EXTERNAL_PACKAGES: readonly ExternalPackage[] = [
  { name: 'lmdb', via: [], why: 'the stores (channels, outbox, header chain)' },
  { name: 'msgpackr-extract', via: ['lmdb', 'msgpackr'], why: "lmdb's fast msgpack decoding" },
  { name: 'cbor-extract', via: ['cbor-x'], why: "cbor-x's fast string decoding (optional: cbor-x works without it, slower)" },
  { name: '@serialport/bindings-cpp', via: ['serialport'], why: 'serial ports (the LoRa radio, serial links)' },
];
