import { InvalidInputError } from '../core/input.js';

/**
 * Thrown when a BOLT 11 invoice is refused. `field` names what is wrong
 * (`invoice`, `checksum`, `signature`, `payee`, `expiry`, `network`,
 * `paymentHash`, `amount`, ...), so the one who pasted it knows what to fix.
 */
export class InvoiceError extends InvalidInputError {
  override name = 'InvoiceError';
}
