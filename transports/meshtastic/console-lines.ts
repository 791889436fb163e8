/**
 * The radio's debug console. A Meshtastic radio on USB serial prints log
 * text between its framed packets (until a client has talked to it, and on
 * builds that keep the console on). Those bytes are not for us to act on,
 * but they are worth a log line: they say why a radio rebooted. This cuts
 * them into text lines, holding at most one line and a few recent ones.
 */

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const text = new TextDecoder('utf-8', { fatal: false });

export class ConsoleLines {
  private readonly line: Uint8Array;
  private length = 0;
  private readonly recent: string[] = [];

  /** Lines longer than `maxLineBytes` are cut; the last `keptLines` lines stay readable in `recentLines()`. */
  constructor(
    readonly maxLineBytes = 256,
    readonly keptLines = 32,
  ) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) throw new RangeError('maxLineBytes must be a positive integer');
    if (!Number.isInteger(keptLines) || keptLines < 0) throw new RangeError('keptLines must be a non-negative integer');
    this.line = new Uint8Array(maxLineBytes);
  }

  /** Takes one byte; returns the line it finished, if any (empty lines are not lines). */
  push(byte: number): string | undefined {
    if (byte === NEWLINE) return this.finish();
    if (byte === CARRIAGE_RETURN) return undefined;
    this.line[this.length++] = byte;
    return this.length === this.line.length ? this.finish() : undefined;
  }

  /** The line so far, as a finished line (the port closed mid-line), if any. */
  flush(): string | undefined {
    return this.finish();
  }

  /** The last few lines, oldest first. */
  recentLines(): string[] {
    return [...this.recent];
  }

  private finish(): string | undefined {
    if (this.length === 0) return undefined;
    // Bytes that are not UTF-8 (line noise, a cut character) become U+FFFD, never an error.
    const finished = text.decode(this.line.subarray(0, this.length));
    this.length = 0;
    if (this.keptLines > 0) {
      this.recent.push(finished);
      if (this.recent.length > this.keptLines) this.recent.shift();
    }
    return finished;
  }
}
