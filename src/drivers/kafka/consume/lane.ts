// One partition's deliveries as a subscription handed them out, across group generations: the
// highest offset handed out (one at or below it again is a redelivery) and the ones not settled
// yet (a refetch after a rejoin waits for its first delivery).
// The unsettled ones are slots in hand-out order rather than a map by offset: a handed-out record
// takes the next slot and its settlement empties it, with no hashing on a consumer's hot path;
// only the rare refetch looks one up, by scanning. Settlements come mostly in order, so the head
// follows them and emptied slots are dropped in bulk; a delivery held unsettled keeps the slots
// after it (empty ones: no reference to their records).

/** @default 1024 — empty slots ahead of the head before they are dropped (then only when they are over half the array). */
const COMPACT_AFTER = 1024

export interface LaneEntry {
  readonly offsetNumber: number
  /** Its slot number while in the lane (set by `add`). */
  slot: number
}

export class Lane<T extends LaneEntry> {
  /** Highest offset handed out on this partition; -1 before any. */
  highest = -1
  /** slots[i] is the delivery with slot number base + i, undefined once settled. */
  private slots: Array<T | undefined> = []
  /** Index in `slots` of the oldest slot that may still be occupied. */
  private head = 0
  /** Slot number of slots[0]. */
  private base = 0
  private count = 0

  /** Deliveries in the lane not settled yet. */
  get size(): number {
    return this.count
  }

  /** Puts a handed-out delivery in the lane. */
  add(entry: T): void {
    this.count++
    entry.slot = this.base + this.slots.push(entry) - 1
  }

  /** `entry` was settled: out of the lane (no-op when it is not in it). */
  remove(entry: T): void {
    const index = entry.slot - this.base
    if (index < this.head || this.slots[index] !== entry) return
    this.slots[index] = undefined
    this.count--
    if (index !== this.head) return
    while (this.head < this.slots.length && this.slots[this.head] === undefined) this.head++
    if (this.head > COMPACT_AFTER && this.head * 2 > this.slots.length) {
      this.slots.splice(0, this.head)
      this.base += this.head
      this.head = 0
    }
  }

  /** The first-handed-out unsettled delivery of `offset`, if any (a scan: for the rare refetch). */
  find(offset: number): T | undefined {
    for (let i = this.head; i < this.slots.length; i++) {
      const entry = this.slots[i]
      if (entry !== undefined && entry.offsetNumber === offset) return entry
    }
    return undefined
  }
}
