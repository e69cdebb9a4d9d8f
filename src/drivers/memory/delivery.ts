// A delivery handed to a consumer's handler. The broker's bookkeeping (the stored message, the
// delivery sequence, who settles it) lives in private fields so that printing or spreading a
// delivery shows only the contract's fields.
import type {Delivery, Headers} from '../types.js'
import type {StoredMessage} from './queue.js'

export type Outcome = 'ack' | 'requeue' | 'reject'

export interface Settler {
  settle(delivery: MemoryDelivery, outcome: Outcome): void
}

// One shared resolved promise: settling is synchronous in-process, and 1 M acks should not
// allocate 1 M promises.
const SETTLED: Promise<void> = Promise.resolve()

export class MemoryDelivery implements Delivery {
  readonly queue: string
  readonly body: Buffer
  readonly key: string | undefined
  readonly headers: Headers
  readonly priority: number | undefined
  readonly messageId: string | undefined
  readonly correlationId: string | undefined
  readonly contentType: string | undefined
  readonly redelivered: boolean
  readonly deliveryCount: number
  readonly timestampMs: number
  readonly #message: StoredMessage
  readonly #sequence: number
  /** Undefined under autoAck: the broker settled it on delivery. */
  readonly #settler: Settler | undefined

  constructor(queue: string, message: StoredMessage, sequence: number, settler: Settler | undefined) {
    this.queue = queue
    this.body = message.body
    this.key = message.key
    this.headers = message.headers
    this.priority = message.priority
    this.messageId = message.messageId
    this.correlationId = message.correlationId
    this.contentType = message.contentType
    this.deliveryCount = message.deliveryCount
    this.redelivered = message.deliveryCount > 1
    this.timestampMs = message.timestampMs
    this.#message = message
    this.#sequence = sequence
    this.#settler = settler
  }

  /** The broker's copy, for requeue and dead-lettering. */
  get stored(): StoredMessage {
    return this.#message
  }

  /** Global delivery order, so a closing connection can requeue in the original order. */
  get sequence(): number {
    return this.#sequence
  }

  ack(): Promise<void> {
    this.#settler?.settle(this, 'ack')
    return SETTLED
  }

  nack(requeue: boolean): Promise<void> {
    this.#settler?.settle(this, requeue ? 'requeue' : 'reject')
    return SETTLED
  }
}
