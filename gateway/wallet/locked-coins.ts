/**
 * The coins a `fund` handed out and nobody has released yet, kept in a file:
 * bcoin's wallet locks coins in memory only, so after a crash between a
 * channel's funding and its broadcast it would spend them again in the next
 * funding, and one of the two channels could never confirm. Core keeps its
 * own (`lockunspent` with `persistent`), so only the bcoin wallet needs this.
 * Written whole and durably before `fund` returns.
 */
import { readFileSync } from 'node:fs';
import type { Outpoint } from '../../node/bolt3/transaction.js';
import { writeFileDurably } from '../../node/core/durable-file.js';
import { WalletError } from './on-chain-wallet.js';

export class LockedCoins {
  private readonly keys = new Set<string>();

  /** `file` absent: in memory only (tests). A file that is not ours is an error, not an empty set: losing locks risks a double spend. */
  constructor(private readonly file?: string) {
    if (file === undefined) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every((key) => typeof key === 'string' && /^[0-9a-f]{64}:\d+$/.test(key))) {
      throw new WalletError(`${file} does not hold a list of locked coins (txid:vout): restore it, or remove it if no channel funding is pending`);
    }
    for (const key of parsed) this.keys.add(key);
  }

  get outpoints(): Outpoint[] {
    return [...this.keys].map((key) => {
      const [txid, vout] = key.split(':');
      return { txid: txid!, vout: Number(vout) };
    });
  }

  has(outpoint: Outpoint): boolean {
    return this.keys.has(keyOf(outpoint));
  }

  add(outpoints: readonly Outpoint[]): void {
    for (const outpoint of outpoints) this.keys.add(keyOf(outpoint));
    this.save();
  }

  remove(outpoints: readonly Outpoint[]): void {
    let changed = false;
    for (const outpoint of outpoints) changed = this.keys.delete(keyOf(outpoint)) || changed;
    if (changed) this.save();
  }

  private save(): void {
    if (this.file !== undefined) writeFileDurably(this.file, Buffer.from(`${JSON.stringify([...this.keys])}\n`));
  }
}

function keyOf(outpoint: Outpoint): string {
  return `${outpoint.txid}:${outpoint.vout}`;
}
