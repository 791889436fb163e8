/**
 * Where our peers listen, as we last reached them: one JSON file,
 * `peer-addresses.json`, written durably after each successful outbound
 * connect, so that a restarted node can reconnect to the peers it has
 * channels with (as ldk-sample keeps `channel_peer_data`). An inbound peer
 * told us no address to keep. Bounded: past `MAX_PEER_ADDRESSES` the peer
 * reached least recently is forgotten.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../../node/core/durable-file.js';

export const PEER_ADDRESSES_FILE = 'peer-addresses.json';
export const MAX_PEER_ADDRESSES = 1000;

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export class PeerAddresses {
  /** Node id (hex) to address, the peer reached least recently first. */
  private readonly addresses: Map<string, PeerAddress>;

  /** `unreadable`: told why a file there cannot be read; it is then ignored (and replaced by the next `record`). */
  constructor(
    private readonly dataDir: string,
    unreadable: (reason: string) => void,
    private readonly limit = MAX_PEER_ADDRESSES,
  ) {
    const path = join(dataDir, PEER_ADDRESSES_FILE);
    try {
      this.addresses = readAddresses(path);
    } catch (error) {
      unreadable(`${path}: not the peer addresses this node writes (${error instanceof Error ? error.message : String(error)}); no peer is reconnected until one is connected again`);
      this.addresses = new Map();
    }
  }

  get(nodeId: string): PeerAddress | undefined {
    return this.addresses.get(nodeId);
  }

  /** Node ids with an address, least recently reached first. */
  nodeIds(): string[] {
    return [...this.addresses.keys()];
  }

  /** Records `nodeId` reached at host:port, written before it returns; throws if the file cannot be written. */
  record(nodeId: string, address: PeerAddress): void {
    const known = this.addresses.get(nodeId);
    if (known && known.host === address.host && known.port === address.port) return;
    this.addresses.delete(nodeId);
    this.addresses.set(nodeId, { host: address.host, port: address.port });
    while (this.addresses.size > this.limit) this.addresses.delete(this.addresses.keys().next().value!);
    const entries = Object.fromEntries(this.addresses);
    writeFileDurably(join(this.dataDir, PEER_ADDRESSES_FILE), Buffer.from(`${JSON.stringify(entries, null, 1)}\n`));
  }
}

/** The file as written by `record`; a missing file is no address; throws for one that is not JSON. Entries that are not an address are skipped. */
function readAddresses(path: string): Map<string, PeerAddress> {
  if (!existsSync(path)) return new Map();
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const addresses = new Map<string, PeerAddress>();
  for (const [nodeId, value] of Object.entries(parsed as Record<string, PeerAddress>)) {
    if (/^0[23][0-9a-f]{64}$/.test(nodeId) && typeof value?.host === 'string' && Number.isInteger(value.port)) addresses.set(nodeId, { host: value.host, port: value.port });
  }
  return addresses;
}
