/**
 * The router as the channel manager's `Messenger`: a channel with a node
 * that is not a neighbour (or a message to the gateway) travels in routed
 * envelopes, and what arrives goes back to the manager under the source's id.
 */
import type { Messenger } from '../../node/core/messenger.js';
import type { Router } from './router.js';

/** Sends through `router`: to a neighbour directly, to anyone else along the route table. */
export function routerMessenger(router: Pick<Router, 'send'>): Messenger {
  return {
    send(peer, bytes) {
      router.send(peer, bytes);
    },
  };
}

/** What receives messages from peers: a `ChannelManager` is one. */
export interface MessageHandler {
  handleMessage(peer: string, bytes: Uint8Array): void;
}

/** Hands every message the router delivers to `handler`, as from its source. Returns a function that undoes it. */
export function deliverToHandler(router: Router, handler: MessageHandler): () => void {
  const listener = (source: string, payload: Uint8Array) => handler.handleMessage(source, payload);
  router.on('message', listener);
  return () => router.off('message', listener);
}
