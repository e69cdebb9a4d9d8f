// A fetched Kafka record as the contract's Delivery. ack/nack both end in the subscription's
// settle (the commit bookkeeping stays with it); nack(requeue) is refused: a log cannot put one
// message back, and dropping it (requeue=false) means moving past it.
//
// A class with its per-delivery state in private fields and ack/nack on the prototype: one object
// per record on the consumer's hot path, with no closure per record for ack, nack or the settled
// check; what is the same for every record of a subscription or of a partition is shared
// (`DeliverySource`, `PartitionHome`). The contract's fields are own data properties, decoded at
// construction: callers may copy a delivery with a spread (`{...delivery, ack}`), which drops getters.
import type {KafkaMessage} from 'kafkajs'
import {UnsupportedError} from '../../../errors.js'
import type {Delivery, Headers} from '../../types.js'
import {headersFromRecord, type ReceivedHeaders} from '../headers.js'
import type {Lane} from './lane.js'
import type {PartitionBook} from './ledger.js'
import type {PartitionAcks} from './offsets.js'

const SETTLED = Promise.resolve()
const EMPTY = Buffer.alloc(0)

/** What the subscription does when a delivery is acked or dropped (at most once per delivery: see markSettled). */
export type Settle = (delivery: KafkaDelivery) => Promise<void>

/** The same for every delivery of one subscription. */
export interface DeliverySource {
  readonly topic: string
  readonly autoAck: boolean
  readonly settle: Settle
}

/** One partition's bookkeeping in a subscription, across group generations. */
export interface PartitionHome {
  readonly partition: number
  /** Handed out and not settled yet; the highest offset handed out. */
  readonly lane: Lane<KafkaDelivery>
  /** Acked versus broker-confirmed. */
  readonly book: PartitionBook
}

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
  readonly offsetNumber: number
  readonly #source: DeliverySource
  readonly #home: PartitionHome
  readonly #tracker: PartitionAcks
  /** Its slot in the home lane while unsettled (set by Lane.add). */
  slot = -1
  #settled = false

  constructor(source: DeliverySource, home: PartitionHome, tracker: PartitionAcks, offset: number, message: KafkaMessage, redelivered: boolean) {
    this.queue = source.topic
    this.body = message.value ?? EMPTY
    this.key = message.key === null || message.key === undefined ? undefined : message.key.toString()
    // Most records carry no headers: no decoding (and no second object) for those.
    let received: ReceivedHeaders | undefined
    for (const _name in message.headers) {
      received = headersFromRecord(message.headers)
      break
    }
    this.headers = received === undefined ? {} : received.headers
    this.messageId = received?.messageId
    this.correlationId = received?.correlationId
    this.contentType = received?.contentType
    this.redelivered = redelivered
    this.deliveryCount = redelivered ? 2 : 1
    this.timestampMs = Number(message.timestamp) || 0
    this.partition = home.partition
    this.offset = message.offset
    this.offsetNumber = offset
    this.#source = source
    this.#home = home
    this.#tracker = tracker
  }

  /** Its partition's bookkeeping. */
  get home(): PartitionHome {
    return this.#home
  }

  /** Its partition's ack tracker, of the group generation that fetched it. */
  get tracker(): PartitionAcks {
    return this.#tracker
  }

  /** Mark settled; false when it was already (later ack/nack calls are ignored). */
  markSettled(): boolean {
    if (this.#settled) return false
    this.#settled = true
    return true
  }

  ack(): Promise<void> {
    return this.#source.autoAck ? SETTLED : this.#source.settle(this)
  }

  nack(requeue: boolean): Promise<void> {
    if (this.#source.autoAck || this.#settled) return SETTLED
    if (requeue) return Promise.reject(new UnsupportedError('nack with requeue is not supported on kafka:// (a log cannot put one message back)'))
    return this.#source.settle(this)
  }
}
