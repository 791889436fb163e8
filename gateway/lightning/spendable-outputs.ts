/**
 * What LDK hands over after a force close (our outputs of a commitment or
 * HTLC transaction, spendable by our keys once their delay passes): each
 * descriptor written durably under `spendable_outputs/` before the event is
 * acknowledged, so that a crash never forgets coins. Sweeping them to the
 * wallet is not done yet (issue 17); the files are what a sweeper reads.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { SpendableOutputDescriptor } from 'lightningdevkit';
import { writeFileDurably } from '../../node/core/durable-file.js';

export const SPENDABLE_OUTPUTS_DIR = 'spendable_outputs';

/** Writes each descriptor to a file named by its hash (written again, it is the same file). */
export function saveSpendableOutputs(dataDir: string, outputs: readonly SpendableOutputDescriptor[]): void {
  for (const output of outputs) {
    const bytes = output.write();
    writeFileDurably(join(dataDir, SPENDABLE_OUTPUTS_DIR, createHash('sha256').update(bytes).digest('hex')), bytes);
  }
}
