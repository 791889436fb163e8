/**
 * Alice and Bob on one in-memory medium, linked: the smallest `createNetwork`
 * (network.ts), for the link tests that look at one pair closely.
 */
import type { LinkInit } from '../../transports/link/link.js';
import type { MemoryMediumOptions } from '../../transports/memory.js';
import { createNetwork } from './network.js';

/** Alice and Bob, each knowing the other, on one medium with a virtual clock; their links started. */
export async function linkedPair(mediumOptions: Omit<MemoryMediumOptions, 'clock'> = {}, init: Partial<LinkInit> = {}) {
  const network = createNetwork({ nodes: ['alice', 'bob'], media: [{ delayMs: 20, ...mediumOptions, links: [['alice', 'bob']] }], linkInit: () => init });
  const [alice, bob] = [network.node('alice'), network.node('bob')];
  await network.start();
  return {
    clock: network.clock,
    medium: network.media[0]!,
    alice,
    bob,
    aliceLink: alice.links[0]!,
    bobLink: bob.links[0]!,
    aliceTransport: alice.transports[0]!,
    bobTransport: bob.transports[0]!,
    nodes: [alice, bob],
  };
}
