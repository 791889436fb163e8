/**
 * Errors of the channel layer.
 *
 * `ChannelError`: the peer broke the protocol (a bad signature, an unknown
 * HTLC, an overdraft). The update that caused it changes nothing; what
 * happens to the channel then is the manager's decision.
 * `ChannelStateError`: we were asked for something the channel cannot do in
 * its state (pay more than we have, sign while waiting for a revocation).
 */
export class ChannelError extends Error {
  override name = 'ChannelError';
}

export class ChannelStateError extends Error {
  override name = 'ChannelStateError';
}
