// ConsumeOptions.exitAtEnd (kcat -e): is every partition assigned to this member read to its end?
// Each assignment (every group join, including rejoins after a rebalance or a broker restart) is
// resolved to a start and a target per partition: target = the high-water mark read just after
// the join, start = where this member begins (its seek, else the group's committed offset, else
// the reset policy). A partition is at its end once max(start, confirmed commit) ≥ target — so an
// empty partition, or one already read by the group, is at its end at once, and one with
// messages only once those are written AND their commit confirmed. Until the offsets of the
// current assignment are known, nothing is at its end.
import type {PartitionOffsets} from '../admin/admin.js'

/** @default 1000 — retry pause when the offsets of a new assignment cannot be read (broker busy or restarting). */
const RETRY_MS = 1000

export interface EndOfLogSource {
  /** Earliest and latest (high-water mark) offsets of every partition. */
  endOffsets(): Promise<PartitionOffsets[]>
  /** The group's committed positions (partitions without a commit absent). */
  committed(): Promise<Map<number, number>>
  /** auto.offset.reset: where a partition without a usable position starts. */
  fromBeginning: boolean
}

interface Span {
  start: number
  target: number
}

export class EndOfLog {
  private generation = 0
  private assignment: number[] = []
  /** Per partition of the current assignment; undefined until resolved. */
  private spans: Map<number, Span> | undefined
  private closed = false

  constructor(
    private readonly source: EndOfLogSource,
    /** Called once the current assignment's spans are known. */
    private readonly onResolved: () => void,
  ) {}

  get partitions(): readonly number[] {
    return this.assignment
  }

  /** A (re)join assigned `partitions`; `seeks` = the positions applied for them at this join. */
  assigned(partitions: number[], seeks: Map<number, number>): void {
    const generation = ++this.generation
    this.assignment = [...partitions]
    this.spans = undefined
    void this.resolve(generation, seeks)
  }

  /** Every assigned partition is read to its end, given the broker-confirmed positions. */
  reached(confirmed: (partition: number) => number | undefined): boolean {
    if (!this.spans) return false
    for (const partition of this.assignment) {
      const span = this.spans.get(partition)
      if (!span) return false
      if (Math.max(span.start, confirmed(partition) ?? -1) < span.target) return false
    }
    return true
  }

  close(): void {
    this.closed = true
  }

  private async resolve(generation: number, seeks: Map<number, number>): Promise<void> {
    const current = () => generation === this.generation && !this.closed
    try {
      const offsets = await this.source.endOffsets()
      const committed = this.assignment.every((p) => seeks.has(p)) ? new Map<number, number>() : await this.source.committed()
      if (!current()) return
      const spans = new Map<number, Span>()
      for (const partition of this.assignment) {
        const o = offsets.find((x) => x.partition === partition)
        if (!o) return this.retry(generation, seeks) // metadata not caught up with a new partition yet
        let start = seeks.get(partition) ?? committed.get(partition)
        // No position, or one outside the log: the consumer resets (auto.offset.reset), as here.
        if (start === undefined || start < o.earliest || start > o.latest) start = this.source.fromBeginning ? o.earliest : o.latest
        spans.set(partition, {start, target: o.latest})
      }
      this.spans = spans
      this.onResolved()
    } catch {
      if (current()) this.retry(generation, seeks)
    }
  }

  private retry(generation: number, seeks: Map<number, number>): void {
    setTimeout(() => {
      if (generation === this.generation && !this.closed) void this.resolve(generation, seeks)
    }, RETRY_MS).unref()
  }
}
