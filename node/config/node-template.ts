/**
 * The commented starting config `lnmesh init node` writes (and the device
 * bundle ships as its example). Placeholder until the config schema lands.
 */
export interface NodeTemplateOptions {
  /** Where the node keeps its stores, seed, lock and control socket. */
  readonly dataDir: string;
}

export function nodeConfigTemplate(options: NodeTemplateOptions): string {
  return [`# lnmesh node configuration`, `dataDir: ${JSON.stringify(options.dataDir)}`, ''].join('\n');
}
