/**
 * The invoices `lnmesh ln invoice` issued on the gateway's Lightning node,
 * one file each under `<dataDir>/lightning-invoices/<payment hash>`, written
 * before the invoice is handed out, and marked received when LDK reports the
 * payment claimed: what `lnmesh ln payments` lists beside the payments sent
 * (LDK keeps no list of its invoices). A display record only: LDK claims the
 * payment with its own preimage whether or not this file says so.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../../node/core/durable-file.js';

export interface IssuedInvoice {
  readonly paymentHash: string;
  readonly bolt11: string;
  readonly amountMsat: number;
  readonly description: string;
  /** Unix seconds. */
  readonly expiresAt: number;
  readonly state: 'unpaid' | 'received';
  /** Once received: what the payer sent (at least the amount). */
  readonly receivedMsat?: number;
}

const HASH = /^[0-9a-f]{64}$/;

export class IssuedInvoices {
  constructor(private readonly directory: string) {}

  add(invoice: IssuedInvoice): void {
    this.put(invoice);
  }

  /** The payment for `paymentHash` was claimed; an invoice not issued here (the bridge's, later) is left alone. */
  received(paymentHash: string, amountMsat: number): void {
    const invoice = this.get(paymentHash);
    if (invoice) this.put({ ...invoice, state: 'received', receivedMsat: amountMsat });
  }

  list(): IssuedInvoice[] {
    if (!existsSync(this.directory)) return [];
    return readdirSync(this.directory)
      .filter((name) => HASH.test(name))
      .map((name) => this.get(name)!)
      .sort((a, b) => a.expiresAt - b.expiresAt);
  }

  private get(paymentHash: string): IssuedInvoice | undefined {
    if (!HASH.test(paymentHash)) return undefined;
    const path = join(this.directory, paymentHash);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as IssuedInvoice) : undefined;
  }

  private put(invoice: IssuedInvoice): void {
    writeFileDurably(join(this.directory, invoice.paymentHash), Buffer.from(JSON.stringify(invoice)));
  }
}
