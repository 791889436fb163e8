/**
 * A step of the channel manager (a message handled, a payment, a block):
 * each channel it changed is saved once when it ends, all in one
 * transaction of the persister (one sync to disk instead of one per save),
 * and only then do its messages, broadcasts and events leave, in the order
 * they were made. A step inside a step joins it. This order is what keeps
 * a message (a revocation secret above all) from leaving the node ahead of
 * the state that made it safe.
 */
import type { Persister } from '../persist/persister.js';

export class Steps<Entry> {
  /** While a step runs: what it sends, broadcasts and emits, held until its saves are durable. */
  private held: (() => void)[] | undefined;
  /** While a step runs: the channels it changed, saved once when it ends. */
  private unsaved: Set<Entry> | undefined;

  constructor(
    private readonly persister: Pick<Persister, 'transaction'>,
    /** Saves one channel now. */
    private readonly write: (entry: Entry) => void,
  ) {}

  /** Runs `work` as a step, or as part of the step under way. */
  run<T>(work: () => T): T {
    if (this.held) return work();
    const held: (() => void)[] = (this.held = []);
    const unsaved = (this.unsaved = new Set());
    let outcome: { value: T } | { error: unknown } | undefined;
    try {
      this.persister.transaction(() => {
        try {
          outcome = { value: work() };
        } catch (error) {
          outcome = { error };
        }
        this.unsaved = undefined;
        for (const entry of unsaved) this.write(entry);
      });
    } finally {
      this.held = undefined; // a commit that failed sends nothing: the disk does not hold what the messages depend on
      this.unsaved = undefined;
    }
    for (const action of held) action();
    if (!outcome || 'error' in outcome) throw outcome ? outcome.error : new Error('the step did not run');
    return outcome.value;
  }

  /** Runs `action` now, or after the step under way is durable. */
  release(action: () => void): void {
    if (this.held) this.held.push(action);
    else action();
  }

  /** Saves the channel now, or once at the end of the step under way however often the step changes it. */
  save(entry: Entry): void {
    if (this.unsaved) this.unsaved.add(entry);
    else this.write(entry);
  }
}
