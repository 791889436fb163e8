/**
 * A channel's state as plain data: both sides' limits and keys, both
 * commitments, the updates on their way into them, their revealed secrets.
 * The channel's state machine (node/channel/channel.ts) changes it; the
 * commitments are built from it, the monitor claims from it after a close,
 * and the persister stores it as it is.
 */
import type { ChannelPublicKeys } from '../bolt3/commitment-keys.js';
import type { CommitmentVariant } from '../bolt3/fees.js';
import type { ShachainEntry } from '../bolt3/shachain.js';
import type { Outpoint } from '../bolt3/transaction.js';
import type { ChannelLimits, CommitmentSignatures } from '../wire/messages.js';
import type { CommitmentSpec, NumberedUpdate } from './spec.js';

/** One side of a channel: its declared limits and its keys. */
export interface ChannelSide extends ChannelLimits {
  readonly publicKeys: ChannelPublicKeys;
}

export interface LocalCommit {
  readonly number: number;
  readonly spec: CommitmentSpec;
  /** Their signatures on it: what lets us broadcast it (absent only before `funding_signed`). */
  readonly signatures?: CommitmentSignatures;
}

export interface RemoteCommit {
  readonly number: number;
  readonly spec: CommitmentSpec;
  readonly txid: string;
  readonly perCommitmentPoint: Uint8Array;
}

/** Everything a channel is, as plain data that persists and restores as it is. */
export interface ChannelState {
  readonly variant: CommitmentVariant;
  readonly localIsFunder: boolean;
  readonly fundingOutpoint: Outpoint;
  readonly fundingSatoshis: number;
  readonly obscuringFactor: number;
  readonly local: ChannelSide;
  readonly remote: ChannelSide;
  localCommit: LocalCommit;
  remoteCommit: RemoteCommit;
  /** Their next commitment, signed by us, until they revoke `remoteCommit`. */
  nextRemoteCommit?: RemoteCommit;
  /** Their point for the commitment after `remoteCommit`, while we are not waiting for a revocation. */
  remoteNextPerCommitmentPoint?: Uint8Array;
  /** Our updates: queued (not sent yet), proposed (sent), signed (in their commitment), acked (for ours). */
  localChanges: { queued: NumberedUpdate[]; proposed: NumberedUpdate[]; signed: NumberedUpdate[]; acked: NumberedUpdate[] };
  /** Their updates: proposed (received), acked (in our commitment), signed (in theirs too). */
  remoteChanges: { proposed: NumberedUpdate[]; acked: NumberedUpdate[]; signed: NumberedUpdate[] };
  localNextHtlcId: number;
  remoteNextHtlcId: number;
  /** We received a commitment and have not revoked our previous one yet. */
  owesRevocation: boolean;
  /** How many `update` messages we have sent, and received, on this channel. */
  sentMessages: number;
  receivedMessages: number;
  /** Their revealed per-commitment secrets (BOLT 3 compact storage). */
  remoteSecrets: { latestIndex: number | undefined; entries: ShachainEntry[] };
}
