// Exactly-once-and-in-order check from per-producer sequence numbers. Each producer numbers its
// messages 0, 1, 2, …; a bitset per producer (1 bit per message: 10 M messages = 1.25 MB)
// tells first receipts from duplicates, and the highest sequence seen so far tells order.
// Order is judged per producer→queue stream, and per key within it when messages carry keys
// (--key/--keys: Kafka keeps order per partition, i.e. per key, not across keys).

export interface IntegrityFigures {
  /** Messages the producers attempted. */
  sent: number
  /** Confirmed by the broker. */
  confirmed: number
  /** Publishes the broker refused (nack, reject, return) or that failed. */
  publishErrors: number
  /** Deliveries received, duplicates included. */
  received: number
  /** Distinct messages received. */
  unique: number
  /** Receipts of a message already received. */
  duplicates: number
  /** Of those, deliveries the broker flagged as redelivered. */
  redelivered: number
  /** Received after a higher sequence number from the same producer. */
  outOfOrder: number
  /** Still in the queue(s) at the end (ready + in flight, from driver.inspect). */
  leftInQueue: number
  /** Confirmed, never received, and not left in the queue: a safety violation (confirmed-lost). */
  lost: number
  /**
   * Sent, and neither confirmed nor refused: the connection died (or the run ended) with the
   * outcome unknown. Never counted as lost. Optional in the type: results saved before it lack it.
   */
  inDoubt?: number
  /** Of those, received by a consumer or found in the queue by the final drain. */
  inDoubtArrived?: number
  /** How leftInQueue was found: 'drained' = a fresh consumer read the queue empty after the run,
   *  message by message (lost is then exact per message); 'counted' = the broker's count. */
  leftInQueueBy?: 'drained' | 'counted'
  /** Received but not confirmed (e.g. broker took it but the confirm failed). */
  unconfirmedReceived: number
  /** Deliveries without a bench stamp (someone else's messages in the queue). */
  foreign: number
  /**
   * Set when `lost` cannot be trusted, saying why (a shard of a --shared-queues run alone: other
   * shards consumed some of its messages; a merge missing a shard). `lost` is then an upper bound.
   */
  lostUnknown?: string
}

class ProducerTrack {
  seen = new Uint8Array(1024)
  highest = -1
  /** Per key index, when messages carry keys. */
  highestByKey: number[] | undefined
  unique = 0

  has(sequence: number): boolean {
    const byte = sequence >>> 3
    return byte < this.seen.length && (this.seen[byte] & (1 << (sequence & 7))) !== 0
  }

  mark(sequence: number): boolean {
    const byte = sequence >>> 3
    if (byte >= this.seen.length) {
      let length = this.seen.length * 2
      while (length <= byte) length *= 2
      const grown = new Uint8Array(length)
      grown.set(this.seen)
      this.seen = grown
    }
    const bit = 1 << (sequence & 7)
    if (this.seen[byte] & bit) return false
    this.seen[byte] |= bit
    this.unique++
    return true
  }
}

export class IntegrityTracker {
  private readonly producers: ProducerTrack[] = []
  /** Per producer: confirmed sequence count (sequences are confirmed out of order, so a bitset too). */
  private readonly confirmedSets: ProducerTrack[] = []
  /** Per producer: publishes whose outcome is unknown (the connection died before the broker answered). */
  private readonly inDoubtSets: ProducerTrack[] = []
  /** Per producer: found in the queue by the final drain, never received during the run. */
  private readonly leftSets: ProducerTrack[] = []
  /** Set once a final drain read the queues: leftInQueue is then per message. */
  drained = false
  /** Snapshots absorbed so far (absorb: drained only when every one was). */
  private absorbed = 0
  received = 0
  duplicates = 0
  redelivered = 0
  outOfOrder = 0
  foreign = 0
  sent = 0
  confirmed = 0
  publishErrors = 0

  private track(list: ProducerTrack[], producerId: number): ProducerTrack {
    let t = list[producerId]
    if (t === undefined) {
      t = new ProducerTrack()
      list[producerId] = t
    }
    return t
  }

  onConfirm(producerId: number, sequence: number): void {
    this.confirmed++
    this.track(this.confirmedSets, producerId).mark(sequence)
  }

  /** A publish whose connection died before the broker answered (OutcomeUnknownError). */
  onInDoubt(producerId: number, sequence: number): void {
    this.track(this.inDoubtSets, producerId).mark(sequence)
  }

  /**
   * A message a fresh consumer read from the queue after the run (the final drain): left in the
   * queue if the run never received it, else a duplicate (acked, and delivered again).
   */
  onDrained(producerId: number, sequence: number, redelivered: boolean): void {
    const received = this.producers[producerId]
    if (received?.has(sequence)) {
      this.duplicates++
      if (redelivered) this.redelivered++
      return
    }
    if (!this.track(this.leftSets, producerId).mark(sequence)) this.duplicates++
  }

  /** Returns false for a duplicate. */
  onReceive(producerId: number, sequence: number, redelivered: boolean, keyIndex = -1): boolean {
    this.received++
    const t = this.track(this.producers, producerId)
    if (!t.mark(sequence)) {
      this.duplicates++
      if (redelivered) this.redelivered++
      return false
    }
    if (keyIndex < 0) {
      if (sequence < t.highest) this.outOfOrder++
      else t.highest = sequence
      return true
    }
    const byKey = (t.highestByKey ??= [])
    const highest = byKey[keyIndex] ?? -1
    if (sequence < highest) this.outOfOrder++
    else byKey[keyIndex] = sequence
    return true
  }

  get unique(): number {
    let n = 0
    for (const t of this.producers) if (t) n += t.unique
    return n
  }

  /** True when every confirmed message has been received. */
  get allConfirmedReceived(): boolean {
    return this.countConfirmedReceived() >= this.confirmed
  }

  private countConfirmedReceived(): number {
    return this.countOverlap(this.confirmedSets, this.producers)
  }

  /** |A ∩ (B ∪ C)| over every producer's bitsets. */
  private countOverlap(a: ProducerTrack[], b: ProducerTrack[], c: ProducerTrack[] = []): number {
    let n = 0
    a.forEach((set, producerId) => {
      if (!set) return
      const other = b[producerId]?.seen
      const third = c[producerId]?.seen
      for (let i = 0; i < set.seen.length; i++) {
        const either = (other !== undefined && i < other.length ? other[i] : 0) | (third !== undefined && i < third.length ? third[i] : 0)
        n += popcount8(set.seen[i] & either)
      }
    })
    return n
  }

  private countAll(list: ProducerTrack[]): number {
    let n = 0
    for (const t of list) if (t) n += t.unique
    return n
  }

  snapshot(): IntegritySnapshot {
    const bits = (list: ProducerTrack[]) => Array.from(list, (t) => (t ? t.seen : null))
    return {
      counters: {
        sent: this.sent,
        confirmed: this.confirmed,
        publishErrors: this.publishErrors,
        received: this.received,
        duplicates: this.duplicates,
        redelivered: this.redelivered,
        outOfOrder: this.outOfOrder,
        foreign: this.foreign,
      },
      received: bits(this.producers),
      confirmed: bits(this.confirmedSets),
      inDoubt: bits(this.inDoubtSets),
      left: bits(this.leftSets),
      drained: this.drained,
    }
  }

  /**
   * Fold another tracker's snapshot into this one (see unionSnapshots). Exact for receipts split
   * over trackers, with every tracker's drain read after every receipt (as in one process): a
   * message received by two trackers, or received by one and drained by another, is a duplicate.
   * A tracker's deliveries (receipts and drain reads) are its duplicates plus the distinct messages
   * it saw (its received and left sets are disjoint); all trackers' deliveries less the distinct
   * messages of the union are the duplicates of the whole.
   */
  absorb(snapshot: IntegritySnapshot): void {
    const c = snapshot.counters
    this.sent += c.sent
    this.confirmed += c.confirmed
    this.publishErrors += c.publishErrors
    this.received += c.received
    this.redelivered += c.redelivered
    this.outOfOrder += c.outOfOrder
    this.foreign += c.foreign
    const distinctBefore = this.unique + this.countAll(this.leftSets)
    let distinctThere = 0
    const fold = (list: ProducerTrack[], sets: Array<Uint8Array | null> | undefined) => {
      sets?.forEach((seen, producerId) => {
        if (!seen) return
        const t = this.track(list, producerId)
        if (t.seen.length < seen.length) {
          const grown = new Uint8Array(seen.length)
          grown.set(t.seen)
          t.seen = grown
        }
        let unique = 0
        for (let i = 0; i < t.seen.length; i++) {
          const other = i < seen.length ? seen[i] : 0
          if (list === this.producers || list === this.leftSets) distinctThere += popcount8(other)
          t.seen[i] |= other
          unique += popcount8(t.seen[i])
        }
        t.unique = unique
      })
    }
    fold(this.producers, snapshot.received)
    fold(this.confirmedSets, snapshot.confirmed)
    fold(this.inDoubtSets, snapshot.inDoubt)
    fold(this.leftSets, snapshot.left)
    // Left means found by a drain and received by nobody: what some tracker received is not left.
    this.leftSets.forEach((left, producerId) => {
      const received = this.producers[producerId]?.seen
      if (!left || !received) return
      let unique = 0
      for (let i = 0; i < left.seen.length; i++) {
        if (i < received.length) left.seen[i] &= ~received[i]
        unique += popcount8(left.seen[i])
      }
      left.unique = unique
    })
    const distinctAfter = this.unique + this.countAll(this.leftSets)
    this.duplicates += c.duplicates + distinctThere - (distinctAfter - distinctBefore)
    this.drained = this.absorbed === 0 ? snapshot.drained === true : this.drained && snapshot.drained === true
    this.absorbed++
  }

  /**
   * `leftInQueue`: the broker's count, used unless a final drain read the queues (`drained`): then
   * what the drain found, message by message, and lost is exact per message.
   */
  figures(leftInQueue: number): IntegrityFigures {
    const confirmedReceived = this.countConfirmedReceived()
    const unique = this.unique
    const inDoubt = this.countAll(this.inDoubtSets)
    const doubt = inDoubt > 0 || this.drained ? {inDoubt, inDoubtArrived: this.countOverlap(this.inDoubtSets, this.producers, this.leftSets)} : {}
    // Drained: left and lost per message (confirmed and found nowhere). Counted: the broker's count.
    const left = this.drained ? this.countAll(this.leftSets) : leftInQueue
    const lost = this.drained
      ? this.confirmed - this.countOverlap(this.confirmedSets, this.producers, this.leftSets)
      : Math.max(0, this.confirmed - confirmedReceived - leftInQueue)
    return {
      sent: this.sent,
      confirmed: this.confirmed,
      publishErrors: this.publishErrors,
      received: this.received,
      unique,
      duplicates: this.duplicates,
      redelivered: this.redelivered,
      outOfOrder: this.outOfOrder,
      leftInQueue: left,
      lost,
      unconfirmedReceived: unique - confirmedReceived,
      foreign: this.foreign,
      ...doubt,
      ...(this.drained ? {leftInQueueBy: 'drained' as const} : {}),
    }
  }
}

/** What a worker thread's tracker hands the coordinator: counters and the per-producer bitsets. */
export interface IntegritySnapshot {
  counters: {
    sent: number
    confirmed: number
    publishErrors: number
    received: number
    duplicates: number
    redelivered: number
    outOfOrder: number
    foreign: number
  }
  /** Indexed by global producer id; null where this tracker saw nothing of that producer. */
  received: Array<Uint8Array | null>
  confirmed: Array<Uint8Array | null>
  /** Publishes whose outcome is unknown, and messages the final drain found (absent: none). */
  inDoubt?: Array<Uint8Array | null>
  left?: Array<Uint8Array | null>
  /** The tracker's final drain read its queues empty (leftInQueue is per message). */
  drained?: boolean
}

/**
 * Exact merge across worker threads or the shards of a --shared-queues run: a producer in one,
 * its messages received in another. Bitsets are OR-ed; a message received in two is a duplicate.
 * Order is judged within each receiver (summed): across them there is no single receipt order.
 * Redelivered is the sum of each receiver's own: whether a message's delivery in one receiver came
 * after its delivery in another is not known.
 */
export function unionSnapshots(snapshots: IntegritySnapshot[]): IntegrityTracker {
  const merged = new IntegrityTracker()
  for (const snapshot of snapshots) merged.absorb(snapshot)
  return merged
}

function popcount8(v: number): number {
  v = v - ((v >> 1) & 0x55)
  v = (v & 0x33) + ((v >> 2) & 0x33)
  return (v + (v >> 4)) & 0x0f
}
