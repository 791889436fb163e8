/**
 * The bridge's `MeshPayments` on the gateway's mesh `ChannelManager`, which
 * holds the nodes' HTLCs to the gateway for it (`holdUnknownPayments`), and
 * its events as the bridge reads them (`meshEventOf`).
 *
 * A node is reachable when the gateway hears it now (`NodePresence`): its
 * link session with the gateway is up, or a message from it came through
 * the router lately (a node behind a relay has no session with the gateway).
 * A node that is not is paid later (`Bridge.nodeReachable`), not into a
 * mailbox: an HTLC waiting in a mailbox would run down the hold window with
 * the node unable to answer.
 */
import type { ChannelManager, ManagerEvent } from '../../node/channel/manager.js';
import { ChannelUnavailableError } from '../../node/commitment/errors.js';
import type { MeshPaymentEvent, MeshPayments } from './bridge-ports.js';

/** Whether the gateway hears a node now. */
export interface NodePresence {
  isHeard(node: string): boolean;
}

export class MeshPort implements MeshPayments {
  constructor(
    private readonly manager: ChannelManager,
    private readonly presence: NodePresence,
  ) {}

  fulfillHeld(paymentHash: Uint8Array, paymentPreimage: Uint8Array): void {
    this.manager.fulfillHeld(paymentHash, paymentPreimage);
  }

  failHeld(paymentHash: Uint8Array, reason: string): void {
    this.manager.failHeld(paymentHash, reason);
  }

  /**
   * Over a channel with `node` itself, never routed: the HTLC's expiry is
   * exactly `cltvExpiry` (a routed one would add the forwarders' deltas and
   * fees). Tries each open channel with the node until one can carry it.
   */
  pay(node: string, paymentHash: Uint8Array, amountMsat: number, cltvExpiry: number): void {
    const payee = Uint8Array.from(Buffer.from(node, 'hex'));
    const reasons: string[] = [];
    for (const channel of this.manager.balances().filter((candidate) => candidate.peer === node && candidate.localMsat >= amountMsat)) {
      try {
        return this.manager.pay(node, channel.handle, { paymentHash, amountMsat, minFinalExpiry: cltvExpiry, payee });
      } catch (error) {
        reasons.push(`channel ${channel.handle}: ${(error as Error).message}`);
      }
    }
    throw new ChannelUnavailableError(reasons.length > 0 ? reasons.join('; ') : `no channel with ${node.slice(0, 16)} holds ${amountMsat} msat on the gateway's side`);
  }

  inFlight(paymentHash: Uint8Array): boolean {
    return this.manager.paymentInFlight(paymentHash);
  }

  reachable(node: string): boolean {
    return this.presence.isHeard(node);
  }
}

/** The manager's event as the bridge reads it, or undefined for one that is not about the bridge's payments. */
export function meshEventOf(event: ManagerEvent): MeshPaymentEvent | undefined {
  switch (event.type) {
    case 'htlc_held':
      return { type: 'held', node: event.peer, paymentHash: event.paymentHash, amountMsat: event.amountMsat, cltvExpiry: event.cltvExpiry };
    case 'payment_sent':
      return { type: 'settled', paymentHash: event.paymentHash, paymentPreimage: event.paymentPreimage };
    case 'payment_failed':
      return { type: 'failed', paymentHash: event.paymentHash, reason: event.reason };
    default:
      return undefined;
  }
}
