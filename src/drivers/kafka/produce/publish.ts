// Publishing with coalescing, in order. publish() calls made close together are sent as one
// produce request (sendBatch), flushed on the next event-loop turn (or after lingerMs), or at once
// when a batch reaches batchSize. Each publish() promise (or publishCallback's callback) settles
// with its batch, so a caller keeping N publishes outstanding gets batches of up to N without
// knowing about batching.
//
// Order: at most ONE produce request is in flight per driver, and batches leave in publish order.
// Why: kafkajs does not keep the order of concurrent sendBatch() calls, and no client keeps it
// across a retried request. Each goes through several
// awaits (target-topic lock, metadata, request encoding, gzip on the thread pool) before its bytes
// are queued on the connection, so a later call can overtake an earlier one, and a retried request
// lands after the ones sent meanwhile (test/drivers/kafka/ordering.test.ts). Kafka's own producer gives the same guarantee
// with max.in.flight=1 (or idempotence). Throughput is kept by letting the next batch fill while
// one request is in flight: a ready batch keeps taking messages until batchSize or until it is sent;
// and with lingerMs 0 a batch waits while its publisher is still adding to it (GROWING_HOLD_MS), so
// a burst spread over a few event-loop turns leaves as one request, not as one small request with
// the rest of the burst stuck a round trip behind it. (What the hold is worth: docs/performance.md.)
import {DeliveryError, MqkitError, NotFoundError, UnsupportedError, UsageError} from '../../../errors.js'
import {raiseLater} from '../../publish-callbacks.js'
import type {OutgoingMessage} from '../../types.js'
import {kafkaErrorType, toMqkitError} from '../errors.js'
import {headersForRecord} from '../headers.js'
import type {TopicCache} from '../admin/metadata.js'
import type {Acks, Compression, ProduceClient, ProduceRecord, TopicRecords} from './produce-client.js'

/**
 * lingerMs 0: a batch leaves once an event-loop turn passes without a new message in it, or at
 * the latest this long after it opened (Kafka's own producer lingers 5 ms by default since 4.0).
 */
const GROWING_HOLD_MS = 5

/**
 * Most record bytes (estimated) in one produce request. The broker refuses a partition's record
 * batch above message.max.bytes (1 MB by default, 1048588) whole, with MESSAGE_TOO_LARGE, and a
 * refused batch falls back to one-by-one sends (much slower); batchSize counts messages only, and
 * 1000 records of 1 KiB already cross it. recordBytes() bounds each record's size from above, so a
 * request at this limit stays below 1048588 with its batch header.
 */
export const MAX_REQUEST_RECORD_BYTES = 1_000_000
/** Per-record bytes beyond key, value and headers, at most: length, attributes, timestamp and offset deltas, key, value and header-count lengths as varints. */
const RECORD_OVERHEAD_BYTES = 36
/** Per-header bytes beyond its key and value, at most: their two varint lengths. */
const HEADER_OVERHEAD_BYTES = 10

const byteLength = (data: Buffer | string): number => (typeof data === 'string' ? Buffer.byteLength(data) : data.length)

/** A record's encoded size (uncompressed), bounded from above. */
export function recordBytes(record: ProduceRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES + byteLength(record.value)
  if (record.key !== undefined && record.key !== null) bytes += byteLength(record.key)
  const headers = record.headers
  if (headers !== undefined) {
    for (const name in headers) {
      const value = headers[name]
      if (value !== undefined) bytes += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + byteLength(value)
    }
  }
  return bytes
}

interface Pending {
  topic: string
  record: ProduceRecord
  /** The caller's callbacks (a promise's resolve and reject for publish()). */
  confirmed: () => void
  failed: (error: Error) => void
}

/** One future produce request. Only the newest batch in the queue takes more messages. */
interface Batch {
  acks: Acks
  items: Pending[]
  /** Estimated encoded size of its records (recordBytes), bytes. */
  bytes: number
  /** Linger over or full: send it once the request before it has settled. */
  ready: boolean
  timer: NodeJS.Immediate | NodeJS.Timeout | undefined
}

export interface PublisherOptions {
  producer: () => Promise<ProduceClient>
  /** Replace a producer whose metadata is stuck on a deleted topic (see ../clients.ts). */
  renewProducer: (stale: ProduceClient) => Promise<ProduceClient>
  /** Metadata check that does not go through the producer. */
  topicExists: (topic: string) => Promise<boolean>
  topics: TopicCache
  compression: Compression
  lingerMs: number
  batchSize: number
  brokers: string
}

export class Publisher {
  /** Batches in publish order, oldest first. */
  private readonly queue: Batch[] = []
  /** The produce request in flight (never rejects: failures settle the batch's publishes). */
  private sending: Promise<void> | undefined
  /** Per topic: the last publish still waiting for the topic's metadata; later ones queue behind it. */
  private readonly lookups = new Map<string, Promise<void>>()

  constructor(private readonly options: PublisherOptions) {}

  publish(topic: string, message: OutgoingMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => this.publishCallback(topic, message, resolve, reject))
  }

  /** Driver.publishCallback: exactly one of the two is called, once (synchronously for bad input). */
  publishCallback(topic: string, message: OutgoingMessage, confirmed: () => void, failed: (error: Error) => void): void {
    let acks: Acks
    try {
      acks = checkMessage(message)
    } catch (error) {
      failed(error as Error)
      return
    }
    const behind = this.lookups.get(topic)
    const info = behind === undefined ? this.options.topics.peek(topic) : undefined
    if (info) {
      this.enqueue(topic, message, acks, info.partitions.length, confirmed, failed)
      return
    }
    // Not known yet (or an earlier publish is still waiting for it): join the queue of lookups,
    // so that a publish made later cannot be batched before this one.
    const found = (behind ?? Promise.resolve()).then(() => this.options.topics.get(topic, 'publish'))
    found.then((f) => this.enqueue(topic, message, acks, f.partitions.length, confirmed, failed), failed)
    const turn = found.then(
      () => {},
      () => {},
    )
    this.lookups.set(topic, turn)
    void turn.then(() => {
      if (this.lookups.get(topic) === turn) this.lookups.delete(topic)
    })
  }

  /** Send everything queued and wait for every produce request to settle. */
  async drain(): Promise<void> {
    while (this.sending || this.queue.length > 0) {
      for (const batch of this.queue) batch.ready = true
      this.pump()
      await (this.sending ?? new Promise((resolve) => setImmediate(resolve)))
    }
  }

  private enqueue(topic: string, message: OutgoingMessage, acks: Acks, partitionCount: number, confirmed: () => void, failed: (error: Error) => void): void {
    let record: ProduceRecord
    try {
      if (message.partition !== undefined && (!Number.isInteger(message.partition) || message.partition < 0 || message.partition >= partitionCount)) {
        // kafkajs silently drops records for a partition the topic does not have; @platformatic/kafka
        // sends them to another (partition mod count).
        throw new UsageError(`partition ${message.partition} does not exist in topic "${topic}" (partitions 0..${partitionCount - 1})`)
      }
      record = toRecord(message)
    } catch (error) {
      failed(error as Error)
      return
    }
    const bytes = recordBytes(record)
    let batch = this.queue.at(-1)
    // A different acks level needs its own request; starting a new batch keeps publish order.
    // A full batch (by count, or by bytes: MAX_REQUEST_RECORD_BYTES) starts another.
    if (
      !batch ||
      batch.acks !== acks ||
      batch.items.length >= this.options.batchSize ||
      (batch.items.length > 0 && batch.bytes + bytes > MAX_REQUEST_RECORD_BYTES)
    ) {
      batch = this.open(acks)
    }
    batch.items.push({topic, record, confirmed, failed})
    batch.bytes += bytes
    if (batch.items.length >= this.options.batchSize || batch.bytes >= MAX_REQUEST_RECORD_BYTES) {
      batch.ready = true
      this.pump()
    }
  }

  private open(acks: Acks): Batch {
    const batch: Batch = {acks, items: [], bytes: 0, ready: false, timer: undefined}
    const ripe = () => {
      batch.timer = undefined
      batch.ready = true
      this.pump()
    }
    // lingerMs 0: still growing means the publisher is mid-burst (it yields between chunks). Sent
    // now, the rest of the burst would wait a whole round trip behind it; wait for the pause instead.
    if (this.options.lingerMs > 0) batch.timer = setTimeout(ripe, this.options.lingerMs)
    else whenStill(batch, ripe, (immediate) => (batch.timer = immediate))
    this.queue.push(batch)
    return batch
  }

  /** Start the next request if none is in flight and the oldest batch may leave. */
  private pump(): void {
    if (this.sending) return
    const head = this.queue[0]
    // A batch with another behind it can take no more messages: no point lingering.
    if (!head || !(head.ready || this.queue.length > 1)) return
    this.queue.shift()
    if (head.timer !== undefined) {
      clearTimeout(head.timer as NodeJS.Timeout)
      clearImmediate(head.timer as NodeJS.Immediate)
    }
    const sending = this.send(head.acks, head.items)
      .catch((error: unknown) => this.fail(head.items, error))
      .finally(() => {
        this.sending = undefined
        // The publishes just settled free their callers' windows: let them refill the next batch
        // before it leaves, for as long as it keeps growing (GROWING_HOLD_MS at most), unless it
        // is full already. One turn is not enough: a closed-loop publisher refills in slices
        // (bench yields every 1 ms), and a batch sent after the first slice would leave part full
        // (docs/performance.md).
        const next = this.queue[0]
        if (next && next.items.length < this.options.batchSize) whenStill(next, () => this.pump())
        else this.pump()
      })
    this.sending = sending
  }

  private async send(acks: Acks, batch: Pending[], renewed = false): Promise<void> {
    let producer: ProduceClient | undefined
    try {
      producer = await this.options.producer()
      await producer.send({acks, compression: this.options.compression, topics: byTopic(batch)})
      settleEach(batch, (item) => item.confirmed())
    } catch (error) {
      const type = kafkaErrorType(error)
      if (type === 'UNKNOWN_TOPIC_OR_PARTITION' && producer && !renewed && (await this.allExist(batch))) {
        await this.options.renewProducer(producer).then(
          () => this.send(acks, batch, true),
          (renewError: unknown) => this.fail(batch, renewError),
        )
        return
      }
      if ((type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') && batch.length > 1) {
        // The broker refuses a partition's whole record batch for one oversized record: resend
        // one by one (in order) so that only the oversized records fail.
        for (const item of batch) await this.send(acks, [item])
        return
      }
      this.fail(batch, error)
    }
  }

  private async allExist(batch: Pending[]): Promise<boolean> {
    const topics = [...new Set(batch.map((item) => item.topic))]
    const exist = await Promise.all(topics.map((topic) => this.options.topicExists(topic).catch(() => false)))
    return exist.every(Boolean)
  }

  private fail(batch: Pending[], error: unknown): void {
    const type = kafkaErrorType(error)
    const topics = [...new Set(batch.map((item) => item.topic))]
    if (type === 'UNKNOWN_TOPIC_OR_PARTITION') for (const topic of topics) this.options.topics.forget(topic)
    const mapped = toMqkitError(error, {
      action: `publish to ${topics.map((t) => `"${t}"`).join(', ')}`,
      topic: topics.length === 1 ? topics[0] : undefined,
      brokers: this.options.brokers,
    })
    const failure = mapped instanceof MqkitError && mapped.constructor === MqkitError ? new DeliveryError(mapped.message, {cause: error}) : mapped
    settleEach(batch, (item) => item.failed(failure))
    // A failure that is not about these records (the connection's, the broker's state) leaves
    // them in doubt, and a caller may send them again (--recover): a batch queued behind them must
    // not reach the broker first, or their key's order breaks. Those batches fail alike; what is
    // published next forms new batches.
    if (!(failure instanceof DeliveryError || failure instanceof NotFoundError || failure instanceof UsageError)) {
      for (const queued of this.queue.splice(0)) {
        if (queued.timer !== undefined) {
          clearTimeout(queued.timer as NodeJS.Timeout)
          clearImmediate(queued.timer as NodeJS.Immediate)
        }
        settleEach(queued.items, (item) => item.failed(failure))
      }
    }
  }
}

/**
 * Runs `then` on the first event-loop turn in which `batch` did not grow, or GROWING_HOLD_MS from
 * now at the latest. `track` is given each pending turn (so that pump() can cancel it).
 */
function whenStill(batch: Batch, then: () => void, track: (immediate: NodeJS.Immediate) => void = () => {}): void {
  const sinceMs = performance.now()
  let seen = batch.items.length
  const check = () => {
    if (batch.items.length > seen && performance.now() - sinceMs < GROWING_HOLD_MS) {
      seen = batch.items.length
      track(setImmediate(check))
    } else then()
  }
  track(setImmediate(check))
}

/** Settles every publish of a batch even if a caller's callback throws: none left unsettled, none settled twice by the failure path. */
function settleEach(batch: Pending[], settle: (item: Pending) => void): void {
  for (const item of batch) {
    try {
      settle(item)
    } catch (error) {
      raiseLater(error)
    }
  }
}

function checkMessage(message: OutgoingMessage): Acks {
  if (message.exchange !== undefined) throw new UnsupportedError('exchanges are not supported on kafka:// (publish to a topic)')
  if (message.expirationMs !== undefined) throw new UnsupportedError('per-message expiration is not supported on kafka:// (topics expire by retention.ms)')
  if (message.priority !== undefined) throw new UnsupportedError('message priority is not supported on kafka://')
  const acks = message.acks ?? -1
  if (acks !== -1 && acks !== 0 && acks !== 1) throw new UsageError(`acks must be -1 (all), 1 (leader) or 0 (none), got ${String(acks)}`)
  return acks
}

function toRecord(message: OutgoingMessage): ProduceRecord {
  const record: ProduceRecord = {value: message.body}
  if (message.key !== undefined) record.key = message.key
  if (message.partition !== undefined) record.partition = message.partition
  // headersForRecord returns message.headers itself unless a property is added (no copy, no allocation).
  const headers = headersForRecord(message.headers, message)
  if (headers !== undefined) record.headers = headers
  return record
}

function byTopic(batch: Pending[]): TopicRecords[] {
  if (batch.every((item) => item.topic === batch[0].topic)) return [{topic: batch[0].topic, records: batch.map((item) => item.record)}]
  const grouped = new Map<string, ProduceRecord[]>()
  for (const item of batch) {
    let list = grouped.get(item.topic)
    if (!list) grouped.set(item.topic, (list = []))
    list.push(item.record)
  }
  return [...grouped].map(([topic, records]) => ({topic, records}))
}
