/**
 * The gateway config's `lightning:` section: with it, the gateway runs its
 * node on the Lightning Network (gateway/lightning/) beside the chain, and
 * its wallet; without it, none. Its listen address, and the bridge's
 * settings (gateway/bridge/bridge.ts reads them): its fee, and the blocks
 * it keeps between deadlines. Every value checked here, so a mistake is
 * reported at its line with its key, before anything starts.
 */
import type { YamlMap, YamlValue } from '../../node/config/yaml-reader.js';
// What `finalCltvExpiryDelta` must leave beside `safetyBlocks`: the blocks a node needs left on the gateway's HTLC.
import { MESH_FINAL_CLTV_EXPIRY_DELTA } from '../bridge/gateway-bridge.js';

export interface LightningSection {
  /** Where LDK accepts peers (BOLT 8 over TCP). */
  readonly listen: { readonly host: string; readonly port: number };
  /** The bridge's fee on each payment in or out of the mesh: base plus millionths of the amount (BOLT 7's shape). */
  readonly bridgeFee: { readonly baseMsat: number; readonly proportionalMillionths: number };
  /** The final CLTV delta of the invoices the gateway issues for mesh nodes: the hold window plus `safetyBlocks` and the node's own margin. */
  readonly finalCltvExpiryDelta: number;
  /** Blocks kept between a Lightning deadline and the mesh HTLC's on the same payment: time to claim on chain. */
  readonly safetyBlocks: number;
}

export const DEFAULT_LIGHTNING_PORT = 9735;
export const LIGHTNING_DEFAULTS = {
  listen: { host: '127.0.0.1', port: DEFAULT_LIGHTNING_PORT },
  bridgeFee: { baseMsat: 1000, proportionalMillionths: 1000 },
  finalCltvExpiryDelta: 432,
  safetyBlocks: 36,
} as const satisfies LightningSection;

const KEYS = ['listen', 'bridgeFee', 'finalCltvExpiryDelta', 'holdWindowBlocks', 'safetyBlocks'];

/** The section, or undefined when the config has none (the gateway then runs no Lightning node). */
export function readLightning(root: YamlMap): LightningSection | undefined {
  const value = root.optional('lightning');
  if (!value) return undefined;
  // `lightning: {}` (or an empty `lightning:`): on, with every default.
  if (value.scalar() === null) return LIGHTNING_DEFAULTS;
  const map = value.map(KEYS, 'a mapping of settings (listen, bridgeFee, finalCltvExpiryDelta, safetyBlocks)');
  map.optional('holdWindowBlocks')?.fail(`the hold window is set by finalCltvExpiryDelta (the hold window plus safetyBlocks and ${MESH_FINAL_CLTV_EXPIRY_DELTA} blocks for the node)`);
  const safetyBlocks = map.optional('safetyBlocks')?.integer(6, 1000) ?? LIGHTNING_DEFAULTS.safetyBlocks;
  const delta = map.optional('finalCltvExpiryDelta');
  // Up to 2016 blocks: public payers refuse to lock their payment for longer (LND's and LDK's limits on a whole route).
  const finalCltvExpiryDelta = delta?.integer(18, 2016) ?? LIGHTNING_DEFAULTS.finalCltvExpiryDelta;
  const least = safetyBlocks + MESH_FINAL_CLTV_EXPIRY_DELTA;
  if (finalCltvExpiryDelta <= least) (delta ?? map.asValue()).fail(`${finalCltvExpiryDelta} leaves no hold window: it must exceed safetyBlocks + ${MESH_FINAL_CLTV_EXPIRY_DELTA} (${least})`);
  return {
    listen: readListen(map.optional('listen')),
    bridgeFee: readBridgeFee(map.optional('bridgeFee')),
    finalCltvExpiryDelta,
    safetyBlocks,
  };
}

/** `host:port` (an IPv6 host in brackets); port 0 picks a free one. */
function readListen(value: YamlValue | undefined): LightningSection['listen'] {
  if (!value) return LIGHTNING_DEFAULTS.listen;
  const text = value.string('host:port, e.g. 127.0.0.1:9735');
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  if (!match) return value.fail(`expected host:port, e.g. 127.0.0.1:${DEFAULT_LIGHTNING_PORT} or 0.0.0.0:${DEFAULT_LIGHTNING_PORT}, got "${text}"`);
  const port = Number(match[2]);
  if (port > 65535) value.fail(`port ${port} is outside [0, 65535]`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

function readBridgeFee(value: YamlValue | undefined): LightningSection['bridgeFee'] {
  if (!value) return LIGHTNING_DEFAULTS.bridgeFee;
  const map = value.map(['baseMsat', 'proportionalMillionths'], 'a mapping: { baseMsat, proportionalMillionths }');
  return {
    baseMsat: map.optional('baseMsat')?.integer(0, 1_000_000_000) ?? LIGHTNING_DEFAULTS.bridgeFee.baseMsat,
    // At most 10%: beyond it a typo, not a fee.
    proportionalMillionths: map.optional('proportionalMillionths')?.integer(0, 100_000) ?? LIGHTNING_DEFAULTS.bridgeFee.proportionalMillionths,
  };
}
