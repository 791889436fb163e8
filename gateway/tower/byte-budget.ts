/**
 * Bytes held across every request at once: a body is read only while the
 * budget has room for it, so many slow clients together cannot make the
 * server hold more than the budget (each alone is bounded by its body
 * limit, which many connections would multiply).
 */
export class ByteBudget {
  private used = 0;
  /** The most held at once since the start, for tests and status. */
  private peak = 0;

  constructor(readonly limit: number) {}

  /** Takes `bytes` if they fit; false (and nothing taken) when they do not. */
  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    this.peak = Math.max(this.peak, this.used);
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get held(): number {
    return this.used;
  }

  get mostHeld(): number {
    return this.peak;
  }
}
