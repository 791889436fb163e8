/**
 * What a channel manager's events say in a daemon's log: payments and closes
 * as info, what went wrong as warnings. The node daemon and the gateway
 * daemon (for its mesh channels) log them alike.
 */
import { bytesToHex } from '../core/hex.js';
import type { ManagerEvent } from '../channel/manager.js';
import type { Logger } from './logger.js';

export function logChannelEvent(logger: Logger, event: ManagerEvent): void {
  switch (event.type) {
    case 'payment_received':
    case 'payment_sent':
      return logger.info({ paymentHash: bytesToHex(event.paymentHash), ...(event.type === 'payment_received' && { amountMsat: event.amountMsat }) }, event.type.replace('_', ' '));
    case 'payment_forwarded':
      return logger.info({ paymentHash: bytesToHex(event.paymentHash), feeMsat: event.feeMsat }, 'payment forwarded');
    case 'peer_error':
      return logger.warn({ peer: event.peer, reason: event.reason }, 'peer error');
    case 'channel_refused':
      return logger.warn({ peer: event.peer, handle: event.handle, reasons: event.reasons }, 'channel refused');
    case 'payment_failed':
      return logger.warn({ paymentHash: bytesToHex(event.paymentHash), reason: event.reason }, 'payment failed');
    case 'appointment':
      return logger.debug({ peer: event.peer, handle: event.handle }, 'appointment queued for the watchtower');
    case 'channel_closed':
      return logger.info({ peer: event.peer, handle: event.handle, closingTxid: event.closingTx.getId() }, 'channel closed');
    case 'breach':
      return logger.warn({ peer: event.peer, handle: event.handle, breachTxid: event.breachTxid, justiceTxid: event.justice.getId() }, 'breach: justice broadcast');
    default: {
      const { type, ...fields } = event;
      return logger.info(fields, type.replace(/_/g, ' '));
    }
  }
}
