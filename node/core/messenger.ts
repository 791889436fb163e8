/**
 * What the protocol layers (channels, the uplink, the gateway's services) send
 * through, and what the transports implement: the one interface between them.
 */

/** Sends bytes to a peer, by node id (hex). Delivery, order and retries are the link layer's. */
export interface Messenger {
  send(peer: string, bytes: Uint8Array): void;
}
