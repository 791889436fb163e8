/**
 * Three mesh nodes in a line, A - B - C, each a whole `MeshNode` (channels,
 * router, a link per transport), and the scenario the transports issue asks
 * of them: channels A-B and B-C, C pays A, the B - C link is cut, A pays C,
 * the link returns, and every payment completes with balances that agree.
 * The media are the caller's: an in-memory medium on virtual time, or real
 * radios, serial lines and brokers on real time.
 */
import type { Test } from 'tap';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Transaction } from '../../node/bolt3/transaction.js';
import type { ManagerEvent } from '../../node/channel/manager.js';
import type { Clock } from '../../node/core/clock.js';
import type { LinkTiming, MeshNode } from '../../node/mesh-node.js';
import type { Persister, RecordStore } from '../../node/persist/persister.js';
import type { LinkOutbox } from '../../transports/link/outbox.js';
import type { Transport } from '../../transports/transport.js';
import { createNetwork } from '../../sim/kit/network.js';
import { signerOf } from '../../sim/kit/signer-of.js';

export interface LineNode {
  readonly name: 'A' | 'B' | 'C';
  readonly id: string;
  readonly mesh: MeshNode;
  readonly events: ManagerEvent[];
  readonly broadcast: Transaction[];
  readonly warnings: string[];
}

/** One link of the line: a transport at each end, and each end's address on the medium if it has addresses. */
export interface LineLink {
  readonly transports: readonly [left: Transport, right: Transport];
  readonly addresses?: readonly [left: string, right: string];
  readonly timing?: LinkTiming;
}

export const LINE_IDS = [0, 1, 2].map((i) => bytesToHex(signerOf(i).nodeId)) as [string, string, string];

/** A, B and C (the kit's `createNetwork` with channels over the given media); B has two links (one to A, one to C), A and C one each. Not started. */
export function meshLine(options: {
  clock: Clock;
  ab: LineLink;
  bc: LineLink;
  stores?: (i: number) => { persister: Persister & RecordStore; outbox: LinkOutbox };
}): [LineNode, LineNode, LineNode] {
  const [a, b, c] = LINE_IDS;
  const medium = (link: LineLink, left: string, right: string) => ({
    transports: { [left]: link.transports[0], [right]: link.transports[1] },
    ...(link.addresses && { addresses: { [left]: link.addresses[0], [right]: link.addresses[1] } }),
    ...(link.timing && { timing: link.timing }),
    links: [[left, right] as const],
  });
  // A reaches C through B and back: one table for the router and for the payments.
  const routesOf = [{ [c]: b }, {}, { [a]: b }];
  const { stores } = options;
  const network = createNetwork({
    nodes: ['A', 'B', 'C'],
    clock: options.clock,
    media: [medium(options.ab, 'A', 'B'), medium(options.bc, 'B', 'C')],
    channels: { init: (i) => ({ routes: routesOf[i]! }), ...(stores && { persister: (i) => stores(i).persister, outbox: (i) => stores(i).outbox }) },
  });
  return network.nodes as readonly LineNode[] as [LineNode, LineNode, LineNode];
}

const count = (node: LineNode, type: ManagerEvent['type']) => node.events.filter((event) => event.type === type).length;

/** Waits (virtual or real time) until `done()`, asserting it happened within `limitMs`. */
export type Until = (what: string, done: () => boolean, limitMs?: number) => Promise<unknown>;

/** Opens A-B and B-C, each funded by its left end (1,000,000 sat, 400,000 pushed right), and confirms them at both ends. */
export async function openLineChannels(until: Until, [a, b, c]: readonly [LineNode, LineNode, LineNode]): Promise<void> {
  for (const [left, right] of [[a, b], [b, c]] as const) {
    const handle = left.mesh.manager.openChannel(right.id, 1_000_000, 400_000_000);
    await until(`${left.name}-${right.name} funded`, () => left.broadcast.length > 0);
    left.mesh.manager.fundingConfirmed(right.id, handle, 6);
    right.mesh.manager.fundingConfirmed(left.id, handle, 6);
  }
  await until('both channels open at both ends', () => count(a, 'channel_opened') === 1 && count(b, 'channel_opened') === 2 && count(c, 'channel_opened') === 1);
}

/**
 * The proof: channels A-B and B-C (each funded by its left end, with some
 * pushed right so both ends can pay); C pays A; with the B - C link cut,
 * A pays C and the payment waits; once `restore` returns, it completes;
 * at the end every HTLC is settled and both ends of each channel agree.
 */
export async function payAcrossCut(t: Test, [a, b, c]: readonly [LineNode, LineNode, LineNode], media: { until: Until; cut(): Promise<void> | void; whileCut(): Promise<void>; restore(): Promise<void> | void }): Promise<void> {
  const { until } = media;
  await openLineChannels(until, [a, b, c]);

  c.mesh.manager.payRequest(a.mesh.manager.receive(50_000_000, 0));
  await until('C paid A through B', () => count(a, 'payment_received') === 1 && count(c, 'payment_sent') === 1);

  await media.cut();
  a.mesh.manager.payRequest(c.mesh.manager.receive(30_000_000, 0));
  await media.whileCut();
  t.equal(count(c, 'payment_received'), 0, 'while B - C is cut, C has not been paid');
  t.equal(a.mesh.manager.balances()[0]!.pendingHtlcs, 1, "A's HTLC waits, committed with B");
  await media.restore();
  await until('once the link returns, A has paid C', () => count(c, 'payment_received') === 1 && count(a, 'payment_sent') === 1);
  await until('and every HTLC is settled', () => [a, b, c].every((node) => node.mesh.manager.balances().every((channel) => channel.pendingHtlcs === 0)));

  const [ab] = a.mesh.manager.balances();
  const [ba, bc] = b.mesh.manager.balances();
  const [cb] = c.mesh.manager.balances();
  t.same([ab!.localMsat, ab!.remoteMsat], [ba!.remoteMsat, ba!.localMsat], 'A and B agree on their channel');
  t.same([bc!.localMsat, bc!.remoteMsat], [cb!.remoteMsat, cb!.localMsat], 'B and C agree on theirs');
  t.equal(ab!.localMsat, 600_000_000 + 50_000_000 - 30_000_000 - 1000, "A: 600,000 sat, +50,000 from C, -30,000 to C and 1 to B, its fee");
  t.equal(cb!.localMsat, 400_000_000 - 50_000_000 + 30_000_000 - 1000, "C: 400,000 sat, -50,000 to A and 1 to B, +30,000 from A");
  t.equal(ba!.localMsat + bc!.localMsat, 400_000_000 + 600_000_000 + 2000, "B's total: what it had, and 1 sat for each payment it forwarded");
  t.equal(count(a, 'payment_received') + count(c, 'payment_received'), 2, 'each payment received once');
  const dropped = [a, b, c].flatMap((node) => node.mesh.links.map((link) => link.counters.dropped['internal-error']));
  t.same(dropped, dropped.map(() => 0), 'no link met an internal error');
}
