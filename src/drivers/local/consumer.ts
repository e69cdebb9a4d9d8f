// One subscription: a poll loop that claims up to its free prefetch credit in one short write
// transaction (a lease on each row), hands the deliveries to the handler and settles them through
// the store's batched settles. Idle polls back off from 5 ms to 100 ms and are cheap read-only
// looks; a publish, requeue or release in this process wakes the loop at once.
import {randomUUID} from 'node:crypto'
import type {EndReason, MessageHandler} from '../types.js'
import {LocalDelivery, type Settler} from './delivery.js'
import type {MessageRow} from './schema.js'
import {LOCK_SLICE_MS, type QueueListener, type SettleOutcome, type Store} from './store.js'

/** @default 5 ms — first idle poll interval; doubles while idle. */
const IDLE_POLL_MIN_MS = 5
/** @default 100 ms — longest idle poll interval (the worst-case pickup delay across processes). */
const IDLE_POLL_MAX_MS = 100
/** @default 1000 — most rows claimed in one transaction (prefetch 0 / autoAck claim in such batches). */
const CLAIM_BATCH = 1000

export interface LocalConsumerOptions {
  /** 0 means unlimited (as in AMQP). */
  prefetch: number
  autoAck: boolean
  /** This connection's lease owner id. */
  owner: string
  leaseMs: number
  /** How long end() waits for another process's lock to delete its consumer row. */
  cleanupWaitMs: () => number
}

export class LocalConsumer implements Settler, QueueListener {
  readonly id = randomUUID()
  active = true
  readonly ended: Promise<EndReason>
  /** Delivered and not yet settled. */
  private unsettled = 0
  /** Settled, waiting for the batch commit: still counts against prefetch until then. */
  private settling = 0
  /** The connection closed and released every lease: settles are no-ops. */
  private released = false
  private idleDelayMs = IDLE_POLL_MIN_MS
  private timer: NodeJS.Timeout | undefined
  private immediate: NodeJS.Immediate | undefined
  private resolveEnded!: (reason: EndReason) => void
  private readonly pollBound = () => this.poll()

  constructor(
    private readonly store: Store,
    readonly queue: string,
    private readonly options: LocalConsumerOptions,
    private readonly handler: MessageHandler,
    /** Called once the consumer has ended and holds no unsettled delivery. */
    private readonly onIdle: (consumer: LocalConsumer) => void,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve))
  }

  /** Register (for inspect's consumer count) and start polling. */
  async start(signal?: AbortSignal): Promise<void> {
    const {owner, leaseMs} = this.options
    await this.store.writeWaiting(() => this.store.statements.upsertConsumer.run(this.id, this.queue, owner, process.pid, Date.now() + leaseMs), signal)
    if (!this.active) return // ended (its connection closed) while waiting for the lock
    this.store.listen(this.queue, this)
    this.wake()
  }

  get holdsDeliveries(): boolean {
    return this.unsettled + this.settling > 0
  }

  wake(): void {
    if (!this.active || this.immediate !== undefined) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.idleDelayMs = IDLE_POLL_MIN_MS
    this.immediate = setImmediate(this.pollBound)
  }

  deleted(message: string): void {
    this.end({kind: 'deleted', message})
  }

  settle(delivery: LocalDelivery, outcome: SettleOutcome): Promise<void> {
    if (this.released) return Promise.resolve()
    this.unsettled--
    this.settling++
    return new Promise((resolve) => {
      this.store.settle(delivery.rowId, this.options.owner, delivery.deliveryCount, outcome, () => {
        this.settling--
        resolve()
        if (this.active) this.wake()
        else if (!this.holdsDeliveries) this.onIdle(this)
      })
    })
  }

  /** Stop deliveries; unsettled deliveries keep their leases until settled or the connection closes. */
  end(reason: EndReason): void {
    if (!this.active) return
    this.active = false
    if (this.timer !== undefined) clearTimeout(this.timer)
    if (this.immediate !== undefined) clearImmediate(this.immediate)
    this.timer = this.immediate = undefined
    this.store.unlisten(this.queue, this)
    try {
      this.store.write(() => this.store.statements.deleteConsumer.run(this.id), this.options.cleanupWaitMs())
    } catch {
      // Busy: the row goes stale and is pruned once its heartbeat lapses.
    }
    this.resolveEnded(reason)
    if (!this.holdsDeliveries) this.onIdle(this)
  }

  /** The connection is closing: its leases are released in bulk; later settles are no-ops. */
  forget(): void {
    this.released = true
    this.unsettled = 0
  }

  private credit(): number {
    const {prefetch, autoAck} = this.options
    if (autoAck || prefetch === 0) return CLAIM_BATCH
    return Math.min(CLAIM_BATCH, prefetch - this.unsettled - this.settling)
  }

  private poll(): void {
    this.immediate = undefined
    this.timer = undefined
    if (!this.active) return
    const credit = this.credit()
    if (credit <= 0) return // a settle's commit wakes us
    let rows: MessageRow[] | 'deleted'
    try {
      rows = this.claim(credit)
    } catch (error) {
      const wrapped = this.store.wrap(error)
      // Anything but a lock (disk full, file gone bad) ends the subscription rather than spinning.
      if (!wrapped.retriable) {
        this.end({kind: 'connection-lost', message: wrapped.message})
        return
      }
      // Another process kept the lock past one slice: try again soon, with the event loop free meanwhile.
      this.timer = setTimeout(this.pollBound, IDLE_POLL_MIN_MS)
      return
    }
    if (rows === 'deleted') {
      this.end({kind: 'deleted', message: `queue "${this.queue}" was deleted`})
      return
    }
    if (rows.length === 0) {
      this.timer = setTimeout(this.pollBound, this.idleDelayMs)
      this.idleDelayMs = Math.min(this.idleDelayMs * 2, IDLE_POLL_MAX_MS)
      return
    }
    this.idleDelayMs = IDLE_POLL_MIN_MS
    for (const row of rows) {
      if (this.active || this.options.autoAck) this.deliver(row)
      // Cancelled by a handler mid-batch: the rest were never delivered, so they go back uncounted.
      else this.store.settle(row.id, this.options.owner, row.delivery_count, 'unclaim', () => {})
    }
    this.wake()
  }

  private claim(limit: number): MessageRow[] | 'deleted' {
    const {statements} = this.store
    const nowMs = Date.now()
    const look = statements.peek.get(this.queue, this.queue, nowMs)!
    if (!look.present) return 'deleted'
    if (!look.ready && !look.reclaimable) return []
    return this.store.write((writer) => {
      statements.reclaim.run(writer.nowMs)
      this.store.expire(writer, this.queue)
      if (writer.settings(this.queue) === undefined) return 'deleted'
      const rows = this.options.autoAck
        ? statements.claimAutoAck.all(this.queue, limit)
        : statements.claim.all(this.options.owner, writer.nowMs + this.options.leaseMs, this.queue, limit)
      return rows.sort((a, b) => b.priority - a.priority || a.id - b.id)
    }, LOCK_SLICE_MS)
  }

  private deliver(row: MessageRow): void {
    if (this.options.autoAck) {
      row.delivery_count++ // the claim deleted the row instead of counting
      this.callHandler(new LocalDelivery(row, undefined))
      return
    }
    this.unsettled++
    this.callHandler(new LocalDelivery(row, this))
  }

  // A handler that throws has not processed the message: put it back rather than lose it.
  private callHandler(delivery: LocalDelivery): void {
    let result: void | Promise<void>
    try {
      result = this.handler(delivery)
    } catch {
      void delivery.nack(true)
      return
    }
    if (result !== undefined && typeof result.then === 'function') result.then(undefined, () => delivery.nack(true))
  }
}
