/**
 * Two channels of one channel, Alice (the funder) and Bob, opened against
 * each other in memory, and a way to let their messages flow through the
 * real wire codec until both are quiet.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { CommitmentVariant } from '../../node/bolt3/fees.js';
import type { Outpoint } from '../../node/bolt3/transaction.js';
import type { Channel, ChannelEvent, ChannelSide } from '../../node/channel/channel.js';
import { openChannel } from '../../node/channel/open.js';
import { type ChannelSigner, SeedSigner } from '../../node/keys/signer.js';
import { type ChannelUpdate, decodeMessage, encodeMessage } from '../../node/wire/messages.js';

export const FUNDING_SATOSHIS = 1_000_000;

export interface Pair {
  alice: Channel;
  bob: Channel;
  aliceSigner: ChannelSigner;
  bobSigner: ChannelSigner;
  /** Every event each side reported, in order. */
  events: { alice: ChannelEvent[]; bob: ChannelEvent[] };
  /** Bytes that went over the wire. */
  wireBytes: number;
}

export function side(signer: ChannelSigner, overrides: Partial<ChannelSide> = {}): ChannelSide {
  return {
    dustLimitSatoshis: 354,
    channelReserveSatoshis: 10_000,
    htlcMinimumMsat: 1000,
    maxHtlcValueInFlightMsat: FUNDING_SATOSHIS * 1000,
    maxAcceptedHtlcs: 30,
    toSelfDelay: 2016,
    publicKeys: signer.publicKeys,
    ...overrides,
  };
}

/** `fund` makes the funding output for the two funding keys (a real transaction, in chain tests); by default a made-up outpoint. */
export function openPair(
  variant: CommitmentVariant = 'anchors',
  pushMsat = 0,
  fund: (aliceFundingPubkey: Uint8Array, bobFundingPubkey: Uint8Array) => Outpoint = () => ({ txid: 'f0'.repeat(32), vout: 0 }),
): Pair {
  const aliceSigner = new SeedSigner(new Uint8Array(32).fill(0xa1)).channelSigner(0);
  const bobSigner = new SeedSigner(new Uint8Array(32).fill(0xb0)).channelSigner(0);
  const fundingOutpoint = fund(aliceSigner.publicKeys.fundingPubkey, bobSigner.publicKeys.fundingPubkey);
  const common = { variant, fundingOutpoint, fundingSatoshis: FUNDING_SATOSHIS, pushMsat, feeratePerKw: 253 };
  const alice = openChannel(
    { ...common, localIsFunder: true, local: side(aliceSigner), remote: side(bobSigner), remoteFirstPerCommitmentPoint: bobSigner.perCommitmentPoint(0) },
    aliceSigner,
  );
  const bob = openChannel(
    { ...common, localIsFunder: false, local: side(bobSigner), remote: side(aliceSigner), remoteFirstPerCommitmentPoint: aliceSigner.perCommitmentPoint(0) },
    bobSigner,
  );
  bob.receiveFirstSignature(alice.signFirstRemoteCommitment());
  alice.receiveFirstSignature(bob.signFirstRemoteCommitment());
  alice.receiveChannelReady(bob.channelReadyPoint());
  bob.receiveChannelReady(alice.channelReadyPoint());
  return { alice, bob, aliceSigner, bobSigner, events: { alice: [], bob: [] }, wireBytes: 0 };
}

/** Sends one message from `from` to `to` through the codec, if `from` has one. */
export function deliver(pair: Pair, from: 'alice' | 'bob'): boolean {
  const sender = pair[from];
  const receiver = from === 'alice' ? pair.bob : pair.alice;
  const message = sender.flush();
  if (!message) return false;
  const bytes = encodeMessage(message);
  pair.wireBytes += bytes.length;
  const decoded = decodeMessage(bytes) as ChannelUpdate;
  pair.events[from === 'alice' ? 'bob' : 'alice'].push(...receiver.receive(decoded));
  return true;
}

/** Lets both sides talk until neither has anything to say. */
export function settle(pair: Pair): void {
  for (let round = 0; round < 100; round++) {
    const moved = deliver(pair, 'alice') || deliver(pair, 'bob');
    if (!moved) return;
  }
  throw new Error('the channels did not settle in 100 messages');
}

/** `from` pays the other side `amountMsat` with the `n`-th preimage: the HTLC added and committed, then fulfilled and committed. */
export function payAcross(pair: Pair, from: 'alice' | 'bob', amountMsat: number, n: number): void {
  const to = from === 'alice' ? 'bob' : 'alice';
  const preimage = preimageOf(n);
  const id = pair[from].addHtlc(amountMsat, sha256(preimage), 800_000);
  for (let i = 0; i < 10 && (deliver(pair, from) || deliver(pair, to)); i++);
  pair[to].fulfillHtlc(id, preimage);
  for (let i = 0; i < 10 && (deliver(pair, to) || deliver(pair, from)); i++);
}

/** The `commitment_revoked` events `side` has seen: the other side's commitments it can punish. */
export function revocationsSeenBy(pair: Pair, side: 'alice' | 'bob'): Extract<ChannelEvent, { type: 'commitment_revoked' }>[] {
  return pair.events[side].filter((event): event is Extract<ChannelEvent, { type: 'commitment_revoked' }> => event.type === 'commitment_revoked');
}

export function preimageOf(n: number): Uint8Array {
  return sha256(Uint8Array.of(0x70, n & 0xff, n >> 8));
}
