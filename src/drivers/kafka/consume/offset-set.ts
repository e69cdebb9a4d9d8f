// A set of offsets of one partition, kept as one contiguous run plus a set for the rest. Acks on a
// consumer's hot path come mostly in order, so almost every add extends the run (two numbers, no
// hashing) and dropping everything below a committed position trims it; only an offset acked out
// of order goes to the set. A plain Set costs a hash insert per ack and a walk of the whole set
// per confirmed commit.
export class OffsetSet {
  /** The run: every offset in [runStart, runEnd) is in the set. Empty when runStart === runEnd. */
  private runStart = 0
  private runEnd = 0
  /** Members outside the run (never inside it). */
  private readonly others = new Set<number>()

  get size(): number {
    return this.runEnd - this.runStart + this.others.size
  }

  has(offset: number): boolean {
    return (offset >= this.runStart && offset < this.runEnd) || this.others.has(offset)
  }

  add(offset: number): void {
    if (offset === this.runEnd && this.runEnd > this.runStart) {
      this.runEnd++
      if (this.others.size > 0) this.absorb()
      return
    }
    if (this.has(offset)) return
    if (this.runEnd === this.runStart) {
      this.runStart = offset
      this.runEnd = offset + 1
      if (this.others.size > 0) this.absorb()
      return
    }
    this.others.add(offset)
  }

  /** Remove every offset below `position`. */
  dropBelow(position: number): void {
    if (this.runStart < position) this.runStart = Math.min(position, this.runEnd)
    if (this.others.size > 0) for (const offset of this.others) if (offset < position) this.others.delete(offset)
  }

  /** Members of `others` that now continue the run move into it (run and set stay disjoint). */
  private absorb(): void {
    while (this.others.delete(this.runEnd)) this.runEnd++
    while (this.others.delete(this.runStart - 1)) this.runStart--
  }
}
