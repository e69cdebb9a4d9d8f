// Publishing with coalescing: publish() calls made close together are sent as one produce
// request (sendBatch) per acks level, flushed on the next event-loop turn (or after lingerMs), or
// at once when a batch reaches batchSize. Each publish() promise settles with its batch, so a
// caller keeping N publishes outstanding gets batches of up to N without knowing about batching.
import type {Message, Producer, TopicMessages} from 'kafkajs'
import {DeliveryError, MqkitError, UnsupportedError, UsageError} from '../../errors.js'
import type {OutgoingMessage} from '../types.js'
import {compressionCode, type Compression} from './config.js'
import {kafkaErrorType, toMqkitError} from './errors.js'
import {headersForRecord} from './headers.js'
import type {TopicCache} from './metadata.js'

type Acks = -1 | 0 | 1

interface Pending {
  topic: string
  record: Message
  resolve: () => void
  reject: (error: Error) => void
}

export interface PublisherOptions {
  producer: () => Promise<Producer>
  /** Replace a producer whose metadata is stuck on a deleted topic (see clients.ts). */
  renewProducer: (stale: Producer) => Promise<Producer>
  /** Metadata check that does not go through the producer. */
  topicExists: (topic: string) => Promise<boolean>
  topics: TopicCache
  compression: Compression
  lingerMs: number
  batchSize: number
  brokers: string
}

export class Publisher {
  private readonly batches = new Map<Acks, Pending[]>()
  private readonly timers = new Map<Acks, NodeJS.Immediate | NodeJS.Timeout>()
  private readonly inFlight = new Set<Promise<void>>()

  constructor(private readonly options: PublisherOptions) {}

  publish(topic: string, message: OutgoingMessage): Promise<void> {
    let acks: Acks
    try {
      acks = checkMessage(message)
    } catch (error) {
      return Promise.reject(error)
    }
    const info = this.options.topics.peek(topic)
    if (info) return this.enqueue(topic, message, acks, info.partitions.length)
    return this.options.topics.get(topic, 'publish').then((found) => this.enqueue(topic, message, acks, found.partitions.length))
  }

  /** Send everything queued and wait for every produce request in flight. */
  async drain(): Promise<void> {
    for (const acks of [...this.batches.keys()]) this.flush(acks)
    await Promise.allSettled([...this.inFlight])
  }

  private enqueue(topic: string, message: OutgoingMessage, acks: Acks, partitionCount: number): Promise<void> {
    if (message.partition !== undefined && (!Number.isInteger(message.partition) || message.partition < 0 || message.partition >= partitionCount)) {
      // kafkajs silently drops records for a partition the topic does not have.
      return Promise.reject(new UsageError(`partition ${message.partition} does not exist in topic "${topic}" (partitions 0..${partitionCount - 1})`))
    }
    return new Promise<void>((resolve, reject) => {
      let batch = this.batches.get(acks)
      if (!batch) {
        batch = []
        this.batches.set(acks, batch)
        const flush = () => this.flush(acks)
        this.timers.set(acks, this.options.lingerMs > 0 ? setTimeout(flush, this.options.lingerMs) : setImmediate(flush))
      }
      batch.push({topic, record: toRecord(message), resolve, reject})
      if (batch.length >= this.options.batchSize) this.flush(acks)
    })
  }

  private flush(acks: Acks): void {
    const batch = this.batches.get(acks)
    const timer = this.timers.get(acks)
    if (timer !== undefined) {
      clearTimeout(timer as NodeJS.Timeout)
      clearImmediate(timer as NodeJS.Immediate)
      this.timers.delete(acks)
    }
    if (!batch || batch.length === 0) return
    this.batches.delete(acks)
    const sending = this.send(acks, batch).finally(() => this.inFlight.delete(sending))
    this.inFlight.add(sending)
  }

  private async send(acks: Acks, batch: Pending[], renewed = false): Promise<void> {
    let producer: Producer | undefined
    try {
      producer = await this.options.producer()
      await producer.sendBatch({acks, compression: compressionCode(this.options.compression), topicMessages: byTopic(batch)})
      for (const item of batch) item.resolve()
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
        // one by one so that only the oversized records fail.
        await Promise.all(batch.map((item) => this.send(acks, [item])))
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
    for (const item of batch) item.reject(failure)
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

function toRecord(message: OutgoingMessage): Message {
  const record: Message = {value: message.body}
  if (message.key !== undefined) record.key = message.key
  if (message.partition !== undefined) record.partition = message.partition
  const headers = headersForRecord(message.headers, message)
  if (headers !== undefined) record.headers = headers
  return record
}

function byTopic(batch: Pending[]): TopicMessages[] {
  if (batch.every((item) => item.topic === batch[0].topic)) return [{topic: batch[0].topic, messages: batch.map((item) => item.record)}]
  const grouped = new Map<string, Message[]>()
  for (const item of batch) {
    let list = grouped.get(item.topic)
    if (!list) grouped.set(item.topic, (list = []))
    list.push(item.record)
  }
  return [...grouped].map(([topic, messages]) => ({topic, messages}))
}
