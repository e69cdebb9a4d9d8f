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
  /** Position in its consumer's unacked list, -1 when settled (see UnackedList). */
  #slot = -1

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

  get slot(): number {
    return this.#slot
  }

  set slot(index: number) {
    this.#slot = index
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

/**
 * A consumer's unsettled deliveries. Settling must be O(1) and allocation-free at a million
 * acks a second: each delivery knows its index, removal moves the last one into the gap. The
 * order is not kept — whoever hands deliveries back sorts them by `sequence`.
 */
export class UnackedList {
  private readonly items: MemoryDelivery[] = []

  get size(): number {
    return this.items.length
  }

  add(delivery: MemoryDelivery): void {
    delivery.slot = this.items.length
    this.items.push(delivery)
  }

  /** False when the delivery is not in the list (already settled, or handed back). */
  delete(delivery: MemoryDelivery): boolean {
    const index = delivery.slot
    if (index < 0 || this.items[index] !== delivery) return false
    const last = this.items.pop()!
    if (last !== delivery) {
      this.items[index] = last
      last.slot = index
    }
    delivery.slot = -1
    return true
  }

  /** Empty the list, returning what it held (in no particular order). */
  takeAll(): MemoryDelivery[] {
    const all = this.items.splice(0)
    for (const delivery of all) delivery.slot = -1
    return all
  }
}
