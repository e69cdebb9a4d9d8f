// Pushing messages from a queue to its consumers: round-robin over the consumers that have
// credit (prefetch minus unacked), in batches. A dispatch is scheduled as a microtask (so a
// burst of publishes is delivered together) and yields with setImmediate after a batch, so a
// deep queue never starves timers and I/O.
import type {EndReason, MessageHandler} from '../types.js'
import {MemoryDelivery, type Outcome, type Settler, UnackedList} from './delivery.js'
import type {DeadLetterSink, MemoryQueue, StoredMessage} from './queue.js'

/** Deliveries per event-loop turn before yielding. */
const DELIVERIES_PER_TURN = 4096

let nextSequence = 0

export class Dispatcher {
  readonly consumers: Consumer[] = []
  private nextIndex = 0
  private scheduled = false
  private readonly runBound = () => this.run()

  constructor(readonly queue: MemoryQueue) {}

  add(consumer: Consumer): void {
    this.consumers.push(consumer)
    this.schedule()
  }

  remove(consumer: Consumer): void {
    const at = this.consumers.indexOf(consumer)
    if (at >= 0) this.consumers.splice(at, 1)
  }

  schedule(): void {
    if (this.scheduled || this.consumers.length === 0 || this.queue.ready === 0) return
    this.scheduled = true
    queueMicrotask(this.runBound)
  }

  /** The queue was deleted: end every subscription on it. */
  endAll(reason: EndReason): void {
    for (const consumer of [...this.consumers]) consumer.end(reason)
    this.consumers.length = 0
  }

  private run(): void {
    // `scheduled` stays true while running: acks made synchronously by handlers free credit
    // that this loop picks up, without queueing more runs.
    for (let budget = DELIVERIES_PER_TURN; budget > 0; budget--) {
      if (this.queue.deleted || this.queue.ready === 0) break
      const consumer = this.pick()
      if (consumer === undefined) break
      const message = this.queue.take()
      if (message === undefined) break
      consumer.deliver(message)
      if (budget === 1) {
        setImmediate(this.runBound)
        return
      }
    }
    this.scheduled = false
  }

  private pick(): Consumer | undefined {
    const count = this.consumers.length
    for (let i = 0; i < count; i++) {
      const index = (this.nextIndex + i) % count
      const consumer = this.consumers[index]
      if (consumer.hasCredit()) {
        this.nextIndex = (index + 1) % count
        return consumer
      }
    }
    return undefined
  }
}

export interface ConsumerOptions {
  /** 0 means unlimited (as in AMQP). */
  prefetch: number
  autoAck: boolean
}

export class Consumer implements Settler {
  /** Delivered, not yet settled. */
  readonly unacked = new UnackedList()
  active = true
  readonly ended: Promise<EndReason>
  private resolveEnded!: (reason: EndReason) => void

  constructor(
    readonly dispatcher: Dispatcher,
    private readonly options: ConsumerOptions,
    private readonly handler: MessageHandler,
    private readonly deadLetter: DeadLetterSink,
    /** Called once the consumer is ended and holds nothing, so its connection can forget it. */
    private readonly onIdle: (consumer: Consumer) => void,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve))
  }

  hasCredit(): boolean {
    const {prefetch, autoAck} = this.options
    return autoAck || prefetch === 0 || this.unacked.size < prefetch
  }

  deliver(message: StoredMessage): void {
    message.deliveryCount++
    const queue = this.dispatcher.queue
    const autoAck = this.options.autoAck
    const delivery = new MemoryDelivery(queue.name, message, nextSequence++, autoAck ? undefined : this)
    if (!autoAck) {
      this.unacked.add(delivery)
      queue.inFlight++
    }
    let result: void | Promise<void>
    try {
      result = this.handler(delivery)
    } catch {
      this.handlerFailed(delivery)
      return
    }
    if (result !== undefined && typeof result.then === 'function') result.then(undefined, () => this.handlerFailed(delivery))
  }

  settle(delivery: MemoryDelivery, outcome: Outcome): void {
    if (!this.unacked.delete(delivery)) return // already settled, or handed back on close
    const queue = this.dispatcher.queue
    if (!queue.deleted) {
      queue.inFlight--
      if (outcome === 'requeue') queue.requeueFront(delivery.stored)
      else if (outcome === 'reject') this.deadLetter(queue, delivery.stored, 'rejected')
      this.dispatcher.schedule()
    }
    if (!this.active && this.unacked.size === 0) this.onIdle(this)
  }

  /** Stop deliveries; unacked deliveries stay pending until settled or the connection closes. */
  end(reason: EndReason): void {
    if (!this.active) return
    this.active = false
    this.dispatcher.remove(this)
    this.resolveEnded(reason)
    if (this.unacked.size === 0) this.onIdle(this)
  }

  /** The connection is closing: give back every unsettled delivery (the caller requeues them). */
  takeUnacked(): MemoryDelivery[] {
    return this.unacked.takeAll()
  }

  // A handler that throws has not processed the message: put it back rather than lose it.
  private handlerFailed(delivery: MemoryDelivery): void {
    if (!this.options.autoAck) this.settle(delivery, 'requeue')
  }
}
