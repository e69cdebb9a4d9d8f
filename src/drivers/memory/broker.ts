// The process-wide registry of in-process brokers, keyed by the memory:// URL's path, so that
// several driver instances (connections) in one process share queues — e.g. bench's producer
// and consumer connections. A broker lives for the life of the process, like a server would.
import {NotFoundError} from '../../errors.js'
import type {DeclareResult, QueueSpec} from '../types.js'
import {Dispatcher} from './dispatch.js'
import {type DeadLetterReason, MemoryQueue, type StoredMessage} from './queue.js'
import {assertSameSettings, settingsFromSpec} from './spec.js'

const brokers = new Map<string, Broker>()

export function brokerNamed(name: string): Broker {
  let broker = brokers.get(name)
  if (broker === undefined) {
    broker = new Broker(name)
    brokers.set(name, broker)
  }
  return broker
}

export class Broker {
  /** Each queue with its dispatcher. */
  private readonly queues = new Map<string, Dispatcher>()
  readonly deadLetterBound = (from: MemoryQueue, message: StoredMessage, reason: DeadLetterReason) => this.deadLetter(from, message, reason)

  constructor(readonly name: string) {}

  declare(spec: QueueSpec): DeclareResult {
    const settings = settingsFromSpec(spec)
    const existing = this.queues.get(spec.name)
    if (existing !== undefined) {
      assertSameSettings(spec.name, existing.queue.settings, settings)
      return {created: false}
    }
    this.queues.set(spec.name, new Dispatcher(new MemoryQueue(spec.name, settings, this.deadLetterBound)))
    return {created: true}
  }

  /** The queue and its dispatcher; NotFoundError naming it when absent. */
  get(name: string): Dispatcher {
    const dispatcher = this.queues.get(name)
    if (dispatcher === undefined) throw new NotFoundError(`queue "${name}" does not exist on memory://${this.name === 'default' ? '' : this.name}`)
    return dispatcher
  }

  delete(name: string): void {
    const dispatcher = this.get(name)
    this.queues.delete(name)
    dispatcher.queue.dispose()
    dispatcher.endAll({kind: 'deleted', message: `queue "${name}" was deleted`})
  }

  /** Every queue, by name. */
  all(): Dispatcher[] {
    return [...this.queues.values()].sort((a, b) => a.queue.name.localeCompare(b.queue.name))
  }

  /**
   * Route an expired, dropped or rejected message to its queue's dead-letter queue, or drop it
   * when none is configured or the target is missing or full (as RabbitMQ does). A message that
   * would loop back to a queue it already died in without a consumer's reject is dropped too.
   */
  private deadLetter(from: MemoryQueue, message: StoredMessage, reason: DeadLetterReason): void {
    const targetName = from.settings.deadLetter
    if (targetName === undefined) return
    const target = this.queues.get(targetName)
    if (target === undefined) return
    const history = reason === 'rejected' ? [] : [...(message.deadLetteredFrom ?? []), from.name]
    if (reason !== 'rejected' && message.deadLetteredFrom?.includes(targetName)) return
    const headers = {...message.headers}
    headers['x-first-death-queue'] ??= from.name
    headers['x-first-death-reason'] ??= reason
    headers['x-last-death-queue'] = from.name
    headers['x-last-death-reason'] = reason
    const nowMs = Date.now()
    const letter: StoredMessage = {
      ...message,
      headers,
      // A dead letter starts afresh: its own expiration is dropped (as in RabbitMQ), the
      // target queue's TTL applies from now.
      expiresAtMs: target.queue.expiryFor(nowMs, undefined),
      deliveryCount: 0,
      deadLetteredFrom: history.length > 0 ? history : undefined,
    }
    try {
      target.queue.enqueue(letter)
    } catch {
      return // target full under reject-publish: dropped
    }
    target.schedule()
  }
}
