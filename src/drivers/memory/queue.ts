// One queue's message store: FIFO, or FIFO within priority buckets when declared with
// maxPriority; expiry (queue TTL and per-message) checked at the head, as RabbitMQ does, plus
// one unref'd timer per queue so expired messages dead-letter even with no consumer; maxLength
// with drop-head or reject-publish. No timer per message and no Array.shift.
import {DeliveryError} from '../../errors.js'
import type {Headers} from '../types.js'
import {Deque} from './deque.js'
import type {QueueSettings} from './spec.js'

export interface StoredMessage {
  body: Buffer
  key: string | undefined
  headers: Headers
  /** As published; the bucket is this clamped to 0..maxPriority. */
  priority: number | undefined
  messageId: string | undefined
  correlationId: string | undefined
  contentType: string | undefined
  timestampMs: number
  /** Infinity when the message never expires. */
  expiresAtMs: number
  /** How many times it has been delivered so far. */
  deliveryCount: number
  /** Queues it was dead-lettered from without a consumer's reject, to break cycles. */
  deadLetteredFrom: string[] | undefined
}

export type DeadLetterReason = 'expired' | 'rejected' | 'maxlen'

/** Where a queue sends messages it expires, drops or has rejected (the broker routes them). */
export type DeadLetterSink = (from: MemoryQueue, message: StoredMessage, reason: DeadLetterReason) => void

export class MemoryQueue {
  /** Delivered and not yet settled, across all consumers. */
  inFlight = 0
  deleted = false
  private readonly buckets: Array<Deque<StoredMessage>>
  /** At least the highest non-empty bucket (lowered lazily). */
  private top = 0
  private readyCount = 0
  private expiryTimer: NodeJS.Timeout | undefined
  private expiryAtMs = Infinity

  constructor(
    readonly name: string,
    readonly settings: QueueSettings,
    private readonly deadLetter: DeadLetterSink,
  ) {
    const bucketCount = settings.maxPriority === undefined ? 1 : settings.maxPriority + 1
    this.buckets = Array.from({length: bucketCount}, () => new Deque<StoredMessage>())
  }

  get ready(): number {
    return this.readyCount
  }

  /** When a message published now expires (queue TTL and its own expiration, whichever first). */
  expiryFor(nowMs: number, expirationMs: number | undefined): number {
    const ttlMs = this.settings.ttlMs
    let at = ttlMs === undefined ? Infinity : nowMs + ttlMs
    if (expirationMs !== undefined && nowMs + expirationMs < at) at = nowMs + expirationMs
    return at
  }

  /** Append a message; throws DeliveryError('rejected') when full under reject-publish. */
  enqueue(message: StoredMessage): void {
    const {maxLength} = this.settings
    if (maxLength !== undefined && this.readyCount >= maxLength && this.settings.overflow === 'reject-publish') {
      throw new DeliveryError(`queue "${this.name}" is full (maxLength=${maxLength}, overflow=reject-publish)`, {reason: 'rejected'})
    }
    const bucket = this.bucketOf(message)
    this.buckets[bucket].push(message)
    if (bucket > this.top) this.top = bucket
    this.readyCount++
    if (maxLength !== undefined) {
      while (this.readyCount > maxLength) {
        const dropped = this.takeHead()
        if (dropped === undefined) break
        this.deadLetter(this, dropped, 'maxlen')
      }
    }
    if (message.expiresAtMs !== Infinity) this.armExpiry(message.expiresAtMs)
  }

  /** Put a returned (nacked or orphaned) message back at the head of its bucket. */
  requeueFront(message: StoredMessage): void {
    const bucket = this.bucketOf(message)
    this.buckets[bucket].unshift(message)
    if (bucket > this.top) this.top = bucket
    this.readyCount++
    if (message.expiresAtMs !== Infinity) this.armExpiry(message.expiresAtMs)
  }

  /** The next deliverable message, dead-lettering any expired ones found at the head. */
  take(): StoredMessage | undefined {
    for (;;) {
      const message = this.takeHead()
      if (message === undefined) return undefined
      if (message.expiresAtMs !== Infinity && message.expiresAtMs <= Date.now()) {
        this.deadLetter(this, message, 'expired')
        continue
      }
      // The next head may carry an expiry the timer does not know about yet (it sat behind a
      // message that never expires).
      while (this.top > 0 && this.buckets[this.top].length === 0) this.top--
      const next = this.buckets[this.top].peek()
      if (next !== undefined && next.expiresAtMs < this.expiryAtMs) this.armExpiry(next.expiresAtMs)
      return message
    }
  }

  /** Remove every ready message; returns how many. */
  purge(): number {
    let removed = 0
    for (const bucket of this.buckets) removed += bucket.clear()
    this.readyCount = 0
    this.top = 0
    return removed
  }

  /** The queue was deleted: drop its messages and stop its timer. */
  dispose(): void {
    this.deleted = true
    this.purge()
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer)
    this.expiryTimer = undefined
  }

  private bucketOf(message: StoredMessage): number {
    const max = this.buckets.length - 1
    if (max === 0 || message.priority === undefined) return 0
    const priority = Math.trunc(message.priority)
    return priority < 0 ? 0 : Math.min(priority, max)
  }

  private takeHead(): StoredMessage | undefined {
    if (this.readyCount === 0) return undefined
    while (this.top > 0 && this.buckets[this.top].length === 0) this.top--
    const message = this.buckets[this.top].shift()
    if (message !== undefined) this.readyCount--
    return message
  }

  private armExpiry(atMs: number): void {
    if (this.deleted || (this.expiryTimer !== undefined && this.expiryAtMs <= atMs)) return
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer)
    this.expiryAtMs = atMs
    // +1 ms: a timer may fire a hair before Date.now() reaches the deadline.
    this.expiryTimer = setTimeout(() => this.sweep(), Math.max(0, atMs - Date.now()) + 1)
    this.expiryTimer.unref()
  }

  /** Expire messages at the head of every bucket, then re-arm for the earliest remaining head. */
  private sweep(): void {
    this.expiryTimer = undefined
    this.expiryAtMs = Infinity
    const nowMs = Date.now()
    let nextAtMs = Infinity
    for (const bucket of this.buckets) {
      let head = bucket.peek()
      while (head !== undefined && head.expiresAtMs <= nowMs) {
        bucket.shift()
        this.readyCount--
        this.deadLetter(this, head, 'expired')
        head = bucket.peek()
      }
      if (head !== undefined && head.expiresAtMs < nextAtMs) nextAtMs = head.expiresAtMs
    }
    if (nextAtMs !== Infinity) this.armExpiry(nextAtMs)
  }
}
