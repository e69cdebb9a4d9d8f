// Contiguous commit tracking for one partition. Kafka commits a position, not individual
// messages: committing X+1 says "everything up to X is done". Acks may arrive out of order, so a
// partition's committable position only advances over a run of acked offsets with no gap.

export class PartitionAcks {
  /** @param generation the AssignmentAcks this belongs to (a delivery's tracker tells whether its generation is still current) */
  constructor(readonly generation?: AssignmentAcks) {}

  /** Delivered offsets in delivery order (ascending within one assignment). */
  private readonly delivered: number[] = []
  private head = 0
  private readonly acked = new Set<number>()
  /** The position to commit next (last contiguous acked offset + 1); undefined before any. */
  committable: number | undefined
  /** The position last committed to the broker. */
  committed: number | undefined

  deliver(offset: number): void {
    this.delivered.push(offset)
  }

  /** Mark `offset` done; returns true when the committable position moved. */
  ack(offset: number): boolean {
    let moved = false
    if (this.head < this.delivered.length && this.delivered[this.head] === offset) {
      // The oldest outstanding one (acks mostly come in order): no set entry needed.
      this.head++
      this.committable = offset + 1
      moved = true
    } else this.acked.add(offset)
    while (this.acked.size > 0 && this.head < this.delivered.length && this.acked.has(this.delivered[this.head])) {
      const done = this.delivered[this.head++]
      this.acked.delete(done)
      this.committable = done + 1
      moved = true
    }
    if (this.head > 1024 && this.head * 2 > this.delivered.length) {
      this.delivered.splice(0, this.head)
      this.head = 0
    }
    return moved
  }

  /** Deliveries not yet acked. */
  get outstanding(): number {
    return this.delivered.length - this.head
  }

  /** Position to commit now, if it moved since the last commit. */
  due(): number | undefined {
    return this.committable !== undefined && this.committable !== this.committed ? this.committable : undefined
  }
}

/** One group generation's trackers: replaced on every (re)join, so late acks from a revoked assignment never commit. */
export class AssignmentAcks {
  private readonly partitions = new Map<number, PartitionAcks>()

  partition(id: number): PartitionAcks {
    let tracker = this.partitions.get(id)
    if (!tracker) this.partitions.set(id, (tracker = new PartitionAcks(this)))
    return tracker
  }

  /** [partition, position] pairs to commit now. */
  due(): Array<[number, number]> {
    const out: Array<[number, number]> = []
    for (const [id, tracker] of this.partitions) {
      const position = tracker.due()
      if (position !== undefined) out.push([id, position])
    }
    return out
  }

  markCommitted(entries: Array<[number, number]>): void {
    for (const [id, position] of entries) this.partition(id).committed = position
  }
}
