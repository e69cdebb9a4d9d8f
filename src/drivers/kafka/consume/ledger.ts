// What one subscription has acknowledged versus what the broker has confirmed as committed,
// across group generations. Why a second book beside AssignmentAcks: a generation's tracker is
// dropped on every rejoin (a broker restart, a rebalance), and kafkajs's commitOffsets can resolve
// without committing (its runner stopped during a crash). Only the consumer's COMMIT_OFFSETS
// event (emitted after the broker's successful OffsetCommit response) moves `confirmed` here, so
// `uncommitted()` is what really may be delivered again.
import {OffsetSet} from './offset-set.js'

/** One partition's page of the ledger; the subscription keeps it beside the partition's deliveries (no lookup per ack). */
export class PartitionBook {
  /** Acked offsets that no confirmed commit covers yet. */
  readonly unconfirmed = new OffsetSet()
  /** Highest position the broker confirmed for this subscription. */
  confirmed: number | undefined
  /** Every offset below this was acked by this subscription (any generation). */
  settledBelow: number | undefined

  /** The handler acknowledged `offset`; `settledUpTo`: its generation's contiguous acked run now reaches it. */
  acked(offset: number, settledUpTo: number | undefined): void {
    if (offset >= (this.confirmed ?? -1)) this.unconfirmed.add(offset)
    if (settledUpTo !== undefined && settledUpTo > (this.settledBelow ?? -1)) this.settledBelow = settledUpTo
  }
}

export class CommitLedger {
  private readonly books = new Map<number, PartitionBook>()

  book(partition: number): PartitionBook {
    let book = this.books.get(partition)
    if (!book) this.books.set(partition, (book = new PartitionBook()))
    return book
  }

  /** The broker accepted a commit of `position` (= everything below it is done). */
  confirm(partition: number, position: number): void {
    const book = this.book(partition)
    if (position > (book.confirmed ?? -1)) book.confirmed = position
    book.unconfirmed.dropBelow(position)
  }

  confirmed(partition: number): number | undefined {
    return this.books.get(partition)?.confirmed
  }

  /** True when a redelivered offset was already acked here (written), so it need not be handled twice. */
  alreadySettled(partition: number, offset: number): boolean {
    return offset < (this.books.get(partition)?.settledBelow ?? -1)
  }

  /** Acked but not confirmed, over `partitions` (default: all). */
  uncommitted(partitions?: Iterable<number>): number {
    let total = 0
    if (partitions === undefined) {
      for (const book of this.books.values()) total += book.unconfirmed.size
      return total
    }
    for (const partition of partitions) total += this.books.get(partition)?.unconfirmed.size ?? 0
    return total
  }
}
