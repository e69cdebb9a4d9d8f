// Batched acknowledgements (ConsumeOptions.ackEvery, PerfTest's --multi-ack-every): one
// basic.ack(multiple=true) settles every outstanding delivery up to its tag, so it may only be
// sent for a run of tags the application has ALL acked. Delivery tags on a channel count up from
// 1 and every delivery on a subscription's channel is ours, so the state is: `base`, the lowest
// tag not yet settled at the broker; the acked-but-unsent tags; and tags at or above `base`
// already settled one by one (nacks, individual flushes), which break a run.
//
// Sent: a run from `base` once it is `every` long, or when it cannot grow (the next tag was
// settled on its own), or on flush (timer, cancel, close). Acked tags above a gap (a delivery
// the application still holds) can never join a multiple ack; a flush sends them one by one.
// settlerFor (at the end) picks per subscription: one frame per settlement, or this batcher.
import type {Channel, ConsumeMessage} from 'amqplib'

/** @default 50 — the longest an acked delivery waits for its batch before it is sent anyway. */
export const ACK_FLUSH_AFTER_MS = 50

/** How settlements reach the broker; a tag-keyed item (amqplib's message) is passed through. */
export interface AckWire<M> {
  tagOf(item: M): number
  ack(item: M, multiple: boolean): void
  nack(item: M, requeue: boolean): void
}

export class AckBatcher<M> {
  /** Lowest delivery tag not yet settled at the broker. */
  private base = 1
  /** Highest tag such that base..runEnd are all acked and unsent (base - 1 when none). */
  private runEnd = 0
  private readonly acked = new Map<number, M>()
  /** Tags >= base settled at the broker on their own. */
  private readonly done = new Set<number>()
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly every: number,
    private readonly wire: AckWire<M>,
    private readonly flushAfterMs = ACK_FLUSH_AFTER_MS,
  ) {}

  /** Unsent acknowledgements (for tests and diagnostics). */
  get pending(): number {
    return this.acked.size
  }

  /** The application acked `item`. Throws what the wire throws (channel closed). */
  ack(item: M): void {
    const tag = this.wire.tagOf(item)
    this.acked.set(tag, item)
    if (tag === this.runEnd + 1) this.extendRun()
    this.sendRuns(false)
    this.armTimer()
  }

  /**
   * The application nacked `item`: it breaks the run. The run below it goes first (so the broker
   * sees settlements in the application's order), then this one tag alone.
   */
  nack(item: M, requeue: boolean): void {
    const tag = this.wire.tagOf(item)
    if (this.runEnd >= this.base) this.sendRun()
    this.wire.nack(item, requeue)
    this.settledAlone(tag)
    this.sendRuns(false)
    this.armTimer()
  }

  /** Send every recorded ack now: the run from `base` as one multiple ack, the rest one by one. */
  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.sendRuns(true)
    // What is left sits above a delivery the application has not settled.
    const isolated = [...this.acked.entries()].sort(([a], [b]) => a - b)
    for (const [tag, item] of isolated) {
      this.acked.delete(tag)
      this.wire.ack(item, false)
      this.settledAlone(tag)
    }
  }

  /** The channel is gone: nothing can be sent any more (the broker requeues the unsettled). */
  dispose(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.acked.clear()
    this.done.clear()
  }

  private sendRuns(force: boolean): void {
    while (this.runEnd >= this.base) {
      const length = this.runEnd - this.base + 1
      const cannotGrow = this.done.has(this.runEnd + 1)
      if (!force && !cannotGrow && length < this.every) return
      this.sendRun()
    }
  }

  /** One ack covering base..runEnd (all acked by the application), then move past it. */
  private sendRun(): void {
    const last = this.acked.get(this.runEnd)!
    const multiple = this.runEnd > this.base
    for (let tag = this.base; tag <= this.runEnd; tag++) this.acked.delete(tag)
    this.base = this.runEnd + 1
    this.runEnd = this.base - 1
    this.skipSettled()
    this.wire.ack(last, multiple)
    if (this.acked.size === 0) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
  }

  private settledAlone(tag: number): void {
    if (tag < this.base) return
    this.done.add(tag)
    if (tag === this.base) this.skipSettled()
  }

  /** Move `base` past tags already settled alone, then extend the run from there. */
  private skipSettled(): void {
    if (this.runEnd >= this.base) return // base is acked-unsent: the run is already known
    while (this.done.delete(this.base)) this.base++
    this.runEnd = this.base - 1
    this.extendRun()
  }

  private extendRun(): void {
    while (this.acked.has(this.runEnd + 1)) this.runEnd++
  }

  private armTimer(): void {
    if (this.timer !== undefined || this.acked.size === 0) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      try {
        this.flush()
      } catch {
        // The channel closed under us: the broker returns everything unsettled to the queue.
      }
    }, this.flushAfterMs)
    this.timer.unref()
  }
}

/** How a subscription's deliveries are settled: one frame each, or batched (ackEvery > 1). */
export interface Settler {
  ack(message: ConsumeMessage): void
  nack(message: ConsumeMessage, requeue: boolean): void
  /** Send whatever is batched (before cancel/close). */
  flush(): void
  /** The channel is gone; forget what is batched. */
  dispose(): void
}

export function settlerFor(channel: Channel, autoAck: boolean, ackEvery: number, prefetch: number): Settler {
  if (autoAck || ackEvery <= 1) {
    return {ack: (m) => channel.ack(m), nack: (m, requeue) => channel.nack(m, false, requeue), flush() {}, dispose() {}}
  }
  // With at most `prefetch` deliveries unacked a longer run can never form: it would wait for
  // the flush timer every time (prefetch 0 means unlimited).
  const every = prefetch > 0 ? Math.min(ackEvery, prefetch) : ackEvery
  const batcher = new AckBatcher<ConsumeMessage>(every, {
    tagOf: (m) => m.fields.deliveryTag,
    ack: (m, multiple) => channel.ack(m, multiple),
    nack: (m, requeue) => channel.nack(m, false, requeue),
  })
  return batcher
}
