/**
 * The two ways a channel says no, by whose fault it is.
 *
 * `PeerProtocolError`: the peer broke the protocol (a bad signature, an
 * unknown HTLC, an overdraft): BOLT 2's "fail the channel" cases. The
 * update that caused it changes nothing; what happens to the channel then
 * is the manager's decision.
 * `ChannelUnavailableError`: we asked for something the channel cannot do
 * in its state (pay more than we have, sign while waiting for a
 * revocation), as rust-lightning's `APIError::ChannelUnavailable`.
 */
export class PeerProtocolError extends Error {
  override name = 'PeerProtocolError';
}

export class ChannelUnavailableError extends Error {
  override name = 'ChannelUnavailableError';
}
