// What one subscription has acknowledged versus what the broker has confirmed as committed,
// across group generations. Why a second book beside AssignmentAcks: a generation's tracker is
// dropped on every rejoin (a broker restart, a rebalance), and kafkajs's commitOffsets can resolve
// without committing (its runner stopped during a crash). Only the consumer's COMMIT_OFFSETS
// event (emitted after the broker's successful OffsetCommit response) moves `confirmed` here, so
// `uncommitted()` is what really may be delivered again.
import {OffsetSet} from './offset-set.js'

export class CommitLedger {
  /** Acked offsets per partition that no confirmed commit covers yet. */
  private readonly unconfirmed = new Map<number, OffsetSet>()
  /** Highest position per partition the broker confirmed for this subscription. */
  private readonly confirmedPositions = new Map<number, number>()
  /** Per partition: every offset below this was acked by this subscription (any generation). */
  private readonly settledBelow = new Map<number, number>()

  /** The handler acknowledged `offset`. */
  acked(partition: number, offset: number): void {
    if (offset < (this.confirmedPositions.get(partition) ?? -1)) return
    let set = this.unconfirmed.get(partition)
    if (!set) this.unconfirmed.set(partition, (set = new OffsetSet()))
    set.add(offset)
  }

  /** The broker accepted a commit of `position` (= everything below it is done). */
  confirm(partition: number, position: number): void {
    if (position > (this.confirmedPositions.get(partition) ?? -1)) this.confirmedPositions.set(partition, position)
    this.unconfirmed.get(partition)?.dropBelow(position)
  }

  confirmed(partition: number): number | undefined {
    return this.confirmedPositions.get(partition)
  }

  /** A generation's contiguous acked run reached `position`. */
  settledUpTo(partition: number, position: number): void {
    if (position > (this.settledBelow.get(partition) ?? -1)) this.settledBelow.set(partition, position)
  }

  /** True when a redelivered offset was already acked here (written), so it need not be handled twice. */
  alreadySettled(partition: number, offset: number): boolean {
    return offset < (this.settledBelow.get(partition) ?? -1)
  }

  /** Acked but not confirmed, over `partitions` (default: all). */
  uncommitted(partitions?: Iterable<number>): number {
    if (partitions === undefined) {
      let total = 0
      for (const set of this.unconfirmed.values()) total += set.size
      return total
    }
    let total = 0
    for (const partition of partitions) total += this.unconfirmed.get(partition)?.size ?? 0
    return total
  }
}
