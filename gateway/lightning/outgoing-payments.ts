/**
 * The payments this node sent, one file each under `payments/<payment hash>`,
 * written durably before LDK is asked to send: LDK forgets a completed
 * payment after a few minutes and would then pay the same invoice again,
 * so this record, not LDK's memory, is what refuses a second payment. A
 * payment that failed may be tried again (nothing was paid).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../../node/core/durable-file.js';

export const PAYMENTS_DIR = 'payments';

export interface OutgoingPayment {
  readonly paymentHash: string;
  readonly bolt11: string;
  readonly amountMsat: number;
  readonly state: 'pending' | 'sent' | 'failed';
  /** Once sent. */
  readonly preimage?: string;
  readonly feeMsat?: number;
  /** Once failed. */
  readonly reason?: string;
}

export class OutgoingPayments {
  constructor(private readonly dataDir: string) {}

  get(paymentHash: string): OutgoingPayment | undefined {
    const path = this.path(paymentHash);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as OutgoingPayment) : undefined;
  }

  put(payment: OutgoingPayment): void {
    writeFileDurably(this.path(payment.paymentHash), Buffer.from(JSON.stringify(payment)));
  }

  /** Records what became of a payment already recorded (an unknown hash is left alone). */
  update(paymentHash: string, change: Partial<OutgoingPayment>): void {
    const payment = this.get(paymentHash);
    if (payment) this.put({ ...payment, ...change, paymentHash });
  }

  list(): OutgoingPayment[] {
    const directory = join(this.dataDir, PAYMENTS_DIR);
    if (!existsSync(directory)) return [];
    return readdirSync(directory)
      .filter((name) => /^[0-9a-f]{64}$/.test(name))
      .sort()
      .map((name) => this.get(name)!);
  }

  private path(paymentHash: string): string {
    if (!/^[0-9a-f]{64}$/.test(paymentHash)) throw new Error(`not a payment hash: ${paymentHash}`);
    return join(this.dataDir, PAYMENTS_DIR, paymentHash);
  }
}
