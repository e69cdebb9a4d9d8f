// A fetched Kafka record as the contract's Delivery. ack/nack both end in the subscription's
// settle (the commit bookkeeping stays with it); nack(requeue) is refused: a log cannot put one
// message back, and dropping it (requeue=false) means moving past it.
//
// A class with its per-delivery state in private fields and ack/nack on the prototype: one object
// per record on the consumer's hot path, with no closure per record for ack, nack or the settled
// check.
import type {KafkaMessage} from 'kafkajs'
import {UnsupportedError} from '../../../errors.js'
import type {Delivery, Headers} from '../../types.js'
import {headersFromRecord} from '../headers.js'
import type {PartitionAcks} from './offsets.js'

const SETTLED = Promise.resolve()

/** What the subscription does when a delivery is acked or dropped (at most once per delivery: see markSettled). */
export type Settle = (delivery: KafkaDelivery) => Promise<void>

export class KafkaDelivery implements Delivery {
  readonly queue: string
  readonly body: Buffer
  readonly key: string | undefined
  readonly headers: Headers
  readonly messageId: string | undefined
  readonly correlationId: string | undefined
  readonly contentType: string | undefined
  readonly redelivered: boolean
  readonly deliveryCount: number
  readonly timestampMs: number
  readonly partition: number
  readonly offset: string
  /** The offset as a number (the bookkeeping's key). */
  readonly #offset: number
  readonly #autoAck: boolean
  readonly #tracker: PartitionAcks
  readonly #settle: Settle
  #settled = false

  constructor(
    topic: string,
    partition: number,
    offset: number,
    message: KafkaMessage,
    redelivered: boolean,
    autoAck: boolean,
    tracker: PartitionAcks,
    settle: Settle,
  ) {
    const received = headersFromRecord(message.headers)
    this.queue = topic
    this.body = message.value ?? Buffer.alloc(0)
    this.key = message.key === null || message.key === undefined ? undefined : message.key.toString()
    this.headers = received.headers
    this.messageId = received.messageId
    this.correlationId = received.correlationId
    this.contentType = received.contentType
    this.redelivered = redelivered
    this.deliveryCount = redelivered ? 2 : 1
    this.timestampMs = Number(message.timestamp) || 0
    this.partition = partition
    this.offset = message.offset
    this.#offset = offset
    this.#autoAck = autoAck
    this.#tracker = tracker
    this.#settle = settle
  }

  /** Its partition's ack tracker, of the group generation that fetched it. */
  get tracker(): PartitionAcks {
    return this.#tracker
  }

  get offsetNumber(): number {
    return this.#offset
  }

  /** Mark settled; false when it was already (later ack/nack calls are ignored). */
  markSettled(): boolean {
    if (this.#settled) return false
    this.#settled = true
    return true
  }

  ack(): Promise<void> {
    return this.#autoAck ? SETTLED : this.#settle(this)
  }

  nack(requeue: boolean): Promise<void> {
    if (this.#autoAck || this.#settled) return SETTLED
    if (requeue) return Promise.reject(new UnsupportedError('nack with requeue is not supported on kafka:// (a log cannot put one message back)'))
    return this.#settle(this)
  }
}
