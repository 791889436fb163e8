/**
 * A new channel's first state: commitment 0 on both sides, holding only the
 * funding amount split by the push, before any signature is exchanged.
 */
import { obscuringFactor } from '../bolt3/commitment.js';
import type { CommitmentVariant } from '../bolt3/fees.js';
import type { Outpoint } from '../bolt3/transaction.js';
import { checkPublicKey } from '../core/curve.js';
import type { ChannelSigner } from '../keys/signer.js';
import { Channel, type ChannelSide, type ChannelState } from './channel.js';
import type { CommitmentSpec } from '../commitment/spec.js';

export interface ChannelSetup {
  readonly variant: CommitmentVariant;
  readonly localIsFunder: boolean;
  readonly fundingOutpoint: Outpoint;
  readonly fundingSatoshis: number;
  /** What the funder gives the other side at the start. */
  readonly pushMsat: number;
  readonly feeratePerKw: number;
  readonly local: ChannelSide;
  readonly remote: ChannelSide;
  readonly remoteFirstPerCommitmentPoint: Uint8Array;
}

export function openChannel(setup: ChannelSetup, signer: ChannelSigner): Channel {
  checkPublicKey('remoteFirstPerCommitmentPoint', setup.remoteFirstPerCommitmentPoint);
  const funderMsat = setup.fundingSatoshis * 1000 - setup.pushMsat;
  const spec: CommitmentSpec = {
    toLocalMsat: setup.localIsFunder ? funderMsat : setup.pushMsat,
    toRemoteMsat: setup.localIsFunder ? setup.pushMsat : funderMsat,
    feeratePerKw: setup.feeratePerKw,
    htlcs: [],
  };
  const [opener, accepter] = setup.localIsFunder ? [setup.local, setup.remote] : [setup.remote, setup.local];
  const state: ChannelState = {
    variant: setup.variant,
    localIsFunder: setup.localIsFunder,
    fundingOutpoint: setup.fundingOutpoint,
    fundingSatoshis: setup.fundingSatoshis,
    obscuringFactor: obscuringFactor(opener.publicKeys.paymentBasepoint, accepter.publicKeys.paymentBasepoint),
    local: setup.local,
    remote: setup.remote,
    localCommit: { number: 0, spec },
    remoteCommit: { number: 0, spec, txid: '', perCommitmentPoint: setup.remoteFirstPerCommitmentPoint },
    localChanges: { queued: [], proposed: [], signed: [], acked: [] },
    remoteChanges: { proposed: [], acked: [], signed: [] },
    localNextHtlcId: 0,
    remoteNextHtlcId: 0,
    owesRevocation: false,
    sentMessages: 0,
    receivedMessages: 0,
    remoteSecrets: { latestIndex: undefined, entries: [] },
  };
  return Channel.fromNewState(state, signer);
}
