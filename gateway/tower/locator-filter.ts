/**
 * An in-memory answer to "could any appointment have this locator?", so
 * that scanning a block asks lmdb only about the rare transactions that
 * might match: almost every transaction of every block matches nothing,
 * and a miss here costs a fraction of a microsecond where an lmdb range
 * lookup costs several.
 *
 * It holds each locator's first four bytes (locators are hash outputs, so
 * these are uniform) in an open-addressing table of 32-bit slots, at most
 * half full: 8 MB for 10^6 appointments. A yes may be wrong (two locators
 * sharing four bytes, about one transaction in 4,000 with 10^6 stored) and
 * is checked in lmdb; a no is always right. Removed appointments are not
 * taken out (a stale yes costs one lookup); the store rebuilds the filter
 * when it opens.
 */
const EMPTY = 0;
const INITIAL_CAPACITY = 1024;

export class LocatorFilter {
  private slots = new Uint32Array(INITIAL_CAPACITY);
  private used = 0;

  add(locator: Uint8Array): void {
    if (this.used + 1 > this.slots.length / 2) this.grow();
    this.insert(fingerprintOf(locator));
  }

  /** False when no appointment has this locator; true when one may. */
  mightContain(locator: Uint8Array): boolean {
    const fingerprint = fingerprintOf(locator);
    const mask = this.slots.length - 1;
    for (let slot = fingerprint & mask; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot]!;
      if (held === fingerprint) return true;
      if (held === EMPTY) return false;
    }
  }

  /** Fingerprints held (distinct). */
  get size(): number {
    return this.used;
  }

  private insert(fingerprint: number): void {
    const mask = this.slots.length - 1;
    for (let slot = fingerprint & mask; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot]!;
      if (held === fingerprint) return;
      if (held === EMPTY) {
        this.slots[slot] = fingerprint;
        this.used++;
        return;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.used = 0;
    for (const fingerprint of old) if (fingerprint !== EMPTY) this.insert(fingerprint);
  }
}

/** The locator's first four bytes as a number, never 0 (the empty slot). */
function fingerprintOf(locator: Uint8Array): number {
  const value = (locator[0]! | (locator[1]! << 8) | (locator[2]! << 16) | (locator[3]! << 24)) >>> 0;
  return value === EMPTY ? 1 : value;
}
