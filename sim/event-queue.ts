/**
 * The scheduler's pending events, earliest first: a binary min-heap ordered
 * by (time, sequence), the sequence being the order of insertion. Ties in
 * time thus run in the order they were scheduled, the same in every run,
 * and each insertion or removal costs O(log n) however many timers a
 * simulation of hundreds of nodes keeps pending.
 */

export interface QueuedEvent {
  readonly timeMs: number;
  readonly sequence: number;
}

export class EventQueue<T extends QueuedEvent> {
  private readonly heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(event: T): void {
    const heap = this.heap;
    heap.push(event);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent]!;
      if (!before(event, above)) break;
      heap[index] = above;
      index = parent;
    }
    heap[index] = event;
  }

  peek(): T | undefined {
    return this.heap[0];
  }

  pop(): T | undefined {
    const heap = this.heap;
    const first = heap[0];
    const last = heap.pop();
    if (first === undefined || last === undefined || heap.length === 0) return first;
    this.sinkFromTop(last);
    return first;
  }

  /** Keeps only the events `keep` accepts (cancelled timers are dropped this way in bulk), in O(n). */
  retain(keep: (event: T) => boolean): void {
    const kept = this.heap.filter(keep);
    this.heap.length = 0;
    // Sorted is a valid heap; n log n on rare compactions is cheap next to the events themselves.
    for (const event of kept.sort((a, b) => (before(a, b) ? -1 : 1))) this.heap.push(event);
  }

  private sinkFromTop(event: T): void {
    const heap = this.heap;
    const length = heap.length;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && before(heap[right]!, heap[left]!)) child = right;
      const below = heap[child]!;
      if (!before(below, event)) break;
      heap[index] = below;
      index = child;
    }
    heap[index] = event;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.sequence < b.sequence);
}
