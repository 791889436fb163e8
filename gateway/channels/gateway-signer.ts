/**
 * The gateway's `Signer` for its mesh channels. Its node id and ECDH are the
 * gateway's own key (the secret in its data directory), so that its channels
 * are with the identity the nodes route to; the channels' keys come from a
 * seed derived from that secret for this purpose only (HMAC-SHA256, domain
 * separated: the same secret also seeds other parts, such as LDK's keys),
 * along the node's BIP 32 paths (`SeedSigner`).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { NodeKey } from '../../node/core/node-key.js';
import { type Signer, SeedSigner, type WalletKey } from '../../node/keys/signer.js';

const CHANNEL_SEED_DOMAIN = new TextEncoder().encode('lnmesh gateway mesh channels');

export class GatewaySigner implements Signer {
  readonly nodeId: Uint8Array;
  private readonly channelKeys: SeedSigner;

  /** `key`: the gateway's node key; `secretKey`: its secret, from which the channels' seed is derived. */
  constructor(
    private readonly key: NodeKey,
    secretKey: Uint8Array,
  ) {
    this.nodeId = key.nodeId;
    this.channelKeys = new SeedSigner(hmac(sha256, secretKey, CHANNEL_SEED_DOMAIN));
  }

  channelSigner(channelIndex: number) {
    return this.channelKeys.channelSigner(channelIndex);
  }

  ecdh(publicKey: Uint8Array): Uint8Array {
    return this.key.ecdh(publicKey);
  }

  /** The key the channels' sweeps and closes pay to (P2WPKH), from the same seed: it can be imported into a wallet. */
  sweepKey(): WalletKey {
    return this.channelKeys.walletKey();
  }
}
