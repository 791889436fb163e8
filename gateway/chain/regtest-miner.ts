/**
 * Real blocks on demand for a regtest chain, so that demos, tests and the
 * simulator confirm transactions without waiting for anyone: mine now, mine
 * on a schedule (from a `Clock`), and mine a longer competing branch to make
 * a reorg. Works on a bcoin FullNode; one job at a time, so a scheduled block
 * never races a block mined on demand.
 */
import bcoin from 'bcoin';
import type { Clock } from '../../node/core/clock.js';
import { InvalidInputError, checkBytes, checkInteger } from '../../node/core/input.js';
import { p2wsh } from '../../node/bolt3/scripts.js';

/** `OP_TRUE`: a witness script anyone can satisfy. */
export const OP_TRUE_SCRIPT = Uint8Array.of(0x51);

/**
 * Where coinbases go unless told otherwise: P2WSH(OP_TRUE), which anyone
 * can spend with the witness [OP_TRUE_SCRIPT]. Regtest coins are worthless,
 * and a demo can take them without a wallet.
 */
export const ANYONE_CAN_SPEND_OUTPUT = p2wsh(OP_TRUE_SCRIPT);

/** At most this many blocks in one call: a regtest chain grows by about 1,000 blocks a second here. */
export const MAX_BLOCKS_PER_CALL = 10_000;

export class RegtestMiner {
  /** The work queue: every job starts once the one before it has ended. */
  private queue: Promise<unknown> = Promise.resolve();
  private schedule: { stopped: boolean; cancelTimer: () => void } | undefined;

  constructor(
    private readonly node: any,
    private readonly coinbaseScript: Uint8Array,
    /** Where a scheduled block that failed is reported (mining on demand throws instead). */
    private readonly onScheduledError: (message: string) => void,
  ) {
    checkCoinbaseScript('coinbaseScript', coinbaseScript);
  }

  /** Mines `count` blocks on the tip, with what the mempool holds, paying `outputScript`. Resolves with their hashes, oldest first. */
  async mine(count: number, outputScript: Uint8Array = this.coinbaseScript): Promise<string[]> {
    checkInteger('count', count, 1, MAX_BLOCKS_PER_CALL);
    const address = toAddress('outputScript', outputScript);
    return this.enqueue(async () => {
      const hashes: string[] = [];
      for (let i = 0; i < count; i++) {
        const block = await this.node.miner.mineBlock(this.node.chain.tip, address);
        await this.node.chain.add(block);
        hashes.push(block.rhash());
      }
      return hashes;
    });
  }

  /**
   * Replaces the last `depth` blocks of the best chain with `depth + 1`
   * empty blocks mined on the block below them: the node switches to this
   * longer branch, as it would for a competing miner's. The transactions of
   * the replaced blocks go back to the mempool (but bcoin drops every spend
   * of a coinbase there, where Core drops only those no longer mature).
   * Resolves with the new branch's hashes, oldest first.
   */
  async reorg(depth: number): Promise<string[]> {
    checkInteger('depth', depth, 1, MAX_BLOCKS_PER_CALL - 1);
    return this.enqueue(async () => {
      const height: number = this.node.chain.height;
      if (depth > height) throw new InvalidInputError('depth', `the chain has only ${height} blocks above genesis`);
      let parent = await this.node.chain.getEntry(height - depth);
      const address = toAddress('coinbaseScript', this.coinbaseScript);
      const hashes: string[] = [];
      for (let i = 0; i <= depth; i++) {
        const job = await this.node.miner.cpu.createJob(parent, address);
        // The template was filled from the mempool, which is valid on the tip, not on `parent`: empty it.
        job.attempt.items = [];
        job.attempt.fees = 0;
        job.attempt.refresh();
        job.refresh();
        const block = await this.node.miner.cpu.mineAsync(job);
        await this.node.chain.add(block);
        parent = await this.node.chain.getEntry(block.hash('hex'));
        hashes.push(block.rhash());
      }
      return hashes;
    });
  }

  /** Mines one block every `intervalMs` of `clock` (counted from the end of the last one) until `stop()`. Replaces a schedule already running. */
  start(intervalMs: number, clock: Clock): void {
    checkInteger('intervalMs', intervalMs, 1, 2 ** 31 - 1);
    this.stop();
    const schedule = { stopped: false, cancelTimer: () => {} };
    const tick = () => {
      this.mine(1)
        .catch((error: Error) => this.onScheduledError(`scheduled block failed: ${error.message}`))
        .finally(() => {
          if (!schedule.stopped) schedule.cancelTimer = clock.setTimer(intervalMs, tick);
        });
    };
    schedule.cancelTimer = clock.setTimer(intervalMs, tick);
    this.schedule = schedule;
  }

  stop(): void {
    if (!this.schedule) return;
    this.schedule.stopped = true;
    this.schedule.cancelTimer();
    this.schedule = undefined;
  }

  /** Resolves once the job under way (if any) and those queued behind it have ended. */
  async idle(): Promise<void> {
    await this.queue.catch(() => undefined);
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const result = this.queue.then(job, job);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/** Throws unless a coinbase can pay `script` (see `toAddress`). */
export function checkCoinbaseScript(field: string, script: Uint8Array): Uint8Array {
  toAddress(field, script);
  return script;
}

/** A coinbase pays a bcoin Address: only scripts that round-trip through one (P2PKH, P2SH, witness programs) can be paid. */
function toAddress(field: string, script: Uint8Array): any {
  checkBytes(field, script);
  const address = (bcoin as any).Address.fromScript((bcoin as any).Script.fromRaw(Buffer.from(script)));
  if (!address || !Buffer.from((bcoin as any).Script.fromAddress(address).toRaw()).equals(Buffer.from(script))) {
    throw new InvalidInputError(field, 'a coinbase can pay only a P2PKH, P2SH or witness program output script');
  }
  return address;
}
