// Writing messages inside a transaction: insert with the queue's TTL and maxLength policy, and
// dead-letter (move) expired, dropped or rejected messages with the same rules as memory://
// (RabbitMQ's): x-first/last-death headers, the dead letter's own expiration dropped, cycles
// without a consumer's reject broken by dropping. A Writer lives for one transaction only: it
// caches queue settings and ready counts that another process cannot change while we hold the lock.
import {DeliveryError, NotFoundError} from '../../errors.js'
import type {Headers} from '../types.js'
import type {MessageRow, Statements} from './schema.js'
import {priorityBucket, type QueueSettings} from './spec.js'

/** Properties kept as one JSON column; short names because every row carries them. */
export interface StoredProps {
  /** Priority as published (the bucket column is clamped to the queue's maxPriority). */
  p?: number
  mid?: string
  cid?: string
  ct?: string
  /** Queues it was dead-lettered from without a consumer's reject, to break cycles. */
  dlf?: string[]
}

export interface NewMessage {
  body: Buffer
  key: string | undefined
  headers: Headers
  props: StoredProps
  enqueuedMs: number
  /** The message's own expiration (ms from now), if any; the queue's ttlMs applies too. */
  expirationMs: number | undefined
}

export type DeadLetterReason = 'expired' | 'rejected' | 'maxlen'

export class Writer {
  /** Queues that gained ready messages in this transaction (their consumers get woken). */
  readonly touched = new Set<string>()
  private readonly settingsCache = new Map<string, QueueSettings | null>()
  private readonly readyCounts = new Map<string, number>()

  constructor(
    private readonly statements: Statements,
    readonly nowMs: number,
  ) {}

  /** The queue's settings, or undefined when it does not exist. */
  settings(queue: string): QueueSettings | undefined {
    let settings = this.settingsCache.get(queue)
    if (settings === undefined) {
      const row = this.statements.queueSpec.get(queue)
      settings = row === undefined ? null : (JSON.parse(row.spec) as QueueSettings)
      this.settingsCache.set(queue, settings)
    }
    return settings ?? undefined
  }

  /** Publish into `queue`: NotFoundError when missing, DeliveryError('rejected') when full under reject-publish. */
  publish(queue: string, message: NewMessage, storeName: string): void {
    const settings = this.settings(queue)
    if (settings === undefined) throw new NotFoundError(`queue "${queue}" does not exist in ${storeName}`)
    this.enqueue(queue, settings, message)
  }

  /** Remove a row (ready or leased) and route it to its queue's dead-letter queue, if any. */
  deadLetter(row: MessageRow, reason: DeadLetterReason): void {
    this.statements.deleteMessage.run(row.id)
    if (row.lease_until_ms === 0) this.adjustReady(row.queue, -1)
    const settings = this.settings(row.queue)
    const targetName = settings?.deadLetter
    if (targetName === undefined) return
    const target = this.settings(targetName)
    if (target === undefined) return // missing target: dropped, as RabbitMQ does
    const props: StoredProps = row.props === null ? {} : JSON.parse(row.props)
    if (reason !== 'rejected' && props.dlf?.includes(targetName)) return // a cycle with no reject: dropped
    const history = reason === 'rejected' ? [] : [...(props.dlf ?? []), row.queue]
    const headers: Headers = row.headers === null ? {} : JSON.parse(row.headers)
    headers['x-first-death-queue'] ??= row.queue
    headers['x-first-death-reason'] ??= reason
    headers['x-last-death-queue'] = row.queue
    headers['x-last-death-reason'] = reason
    const letterProps: StoredProps = {...props, dlf: history.length > 0 ? history : undefined}
    try {
      // A dead letter starts afresh: its own expiration is dropped, the target's TTL applies from now.
      this.enqueue(targetName, target, {
        body: row.body,
        key: row.msg_key ?? undefined,
        headers,
        props: letterProps,
        enqueuedMs: row.enqueued_ms,
        expirationMs: undefined,
      })
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error // target full under reject-publish: dropped
    }
  }

  private enqueue(queue: string, settings: QueueSettings, message: NewMessage): void {
    const {maxLength} = settings
    if (maxLength !== undefined && settings.overflow === 'reject-publish' && this.ready(queue) >= maxLength) {
      throw new DeliveryError(`queue "${queue}" is full (maxLength=${maxLength}, overflow=reject-publish)`, {reason: 'rejected'})
    }
    const expiresMs = expiry(this.nowMs, settings.ttlMs, message.expirationMs)
    this.statements.insertMessage.run(
      queue,
      priorityBucket(settings, message.props.p),
      message.body,
      message.key ?? null,
      Object.keys(message.headers).length === 0 ? null : JSON.stringify(message.headers),
      propsJson(message.props),
      message.enqueuedMs,
      expiresMs,
    )
    this.touched.add(queue)
    if (maxLength === undefined) return
    this.adjustReady(queue, +1)
    let excess = this.ready(queue) - maxLength
    if (excess <= 0) return
    // drop-head: the head is what a consumer would get next (highest priority, oldest).
    for (const dropped of this.statements.head.all(queue, excess)) {
      this.deadLetter(dropped, 'maxlen')
      if (--excess <= 0) break
    }
  }

  private ready(queue: string): number {
    let count = this.readyCounts.get(queue)
    if (count === undefined) {
      count = this.statements.readyCount.get(queue)!.n
      this.readyCounts.set(queue, count)
    }
    return count
  }

  private adjustReady(queue: string, delta: number): void {
    const count = this.readyCounts.get(queue)
    if (count !== undefined) this.readyCounts.set(queue, count + delta)
  }
}

/** When a message published at `nowMs` expires (queue TTL and its own, whichever first); null for never. */
function expiry(nowMs: number, ttlMs: number | undefined, expirationMs: number | undefined): number | null {
  let at = ttlMs === undefined ? Infinity : nowMs + ttlMs
  if (expirationMs !== undefined && nowMs + expirationMs < at) at = nowMs + expirationMs
  return at === Infinity ? null : at
}

function propsJson(props: StoredProps): string | null {
  let empty = true
  for (const key in props) if (props[key as keyof StoredProps] !== undefined) empty = false
  return empty ? null : JSON.stringify(props)
}
