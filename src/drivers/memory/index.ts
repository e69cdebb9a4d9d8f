// memory:// — a real broker inside the process (see broker.ts). Each driver instance is one
// connection: it owns its consumers, and closing it hands their unacked deliveries back to
// their queues for redelivery, as RabbitMQ does when a channel closes.
import {ConnectionError, UnsupportedError, UsageError} from '../../errors.js'
import type {ParsedUrl} from '../../url.js'
import type {ConsumeOptions, DeclareResult, Driver, DriverContext, InspectResult, MessageHandler, OutgoingMessage, QueueSpec, Subscription} from '../types.js'
import {DEFAULT_PREFETCH, withFeatureDefaults} from '../defaults.js'
import {type Broker, brokerNamed} from './broker.js'
import {Consumer, type Dispatcher} from './dispatch.js'
import type {MemoryDelivery} from './delivery.js'
import type {StoredMessage} from './queue.js'
import {settingsExtras} from './spec.js'

export const MEMORY_FEATURES = withFeatureDefaults({
  priority: true,
  ttl: true,
  messageTtl: true,
  deadLetter: true,
  maxLength: true,
  requeue: true,
  deliveryCount: true,
  ordering: 'queue',
  partitions: false,
  persistence: false,
  competingConsumers: true,
  exchanges: false,
  redeliverOnClose: true,
  crossProcess: false,
  missingQueueOnPublish: 'not-found',
  endsOnDelete: true,
  keyPreserved: true,
})

/** What every successful publish returns. */
const PUBLISHED: Promise<void> = Promise.resolve()

export function createMemoryDriver(url: ParsedUrl, _context: DriverContext): Driver {
  const brokerName = url.path === '' ? 'default' : url.path
  const displayUrl = url.redacted
  let broker: Broker | undefined
  const consumers = new Set<Consumer>()
  const forgetConsumer = (consumer: Consumer) => consumers.delete(consumer)

  const connected = (): Broker => {
    if (broker === undefined) throw new ConnectionError(`${displayUrl} is not connected (connect() first, or it was closed)`)
    return broker
  }

  return {
    backend: 'memory',
    features: MEMORY_FEATURES,
    displayUrl,

    async connect() {
      broker ??= brokerNamed(brokerName)
    },

    async close() {
      if (broker === undefined) return
      broker = undefined
      const returned = new Map<Dispatcher, MemoryDelivery[]>()
      for (const consumer of [...consumers]) {
        const deliveries = consumer.takeUnacked()
        consumer.end({kind: 'cancelled'})
        if (deliveries.length === 0) continue
        const list = returned.get(consumer.dispatcher) ?? []
        list.push(...deliveries)
        returned.set(consumer.dispatcher, list)
      }
      consumers.clear()
      for (const [dispatcher, deliveries] of returned) {
        const queue = dispatcher.queue
        if (queue.deleted) continue
        // Back at the head in the order they were first delivered.
        deliveries.sort((a, b) => a.sequence - b.sequence)
        for (let i = deliveries.length - 1; i >= 0; i--) queue.requeueFront(deliveries[i].stored)
        queue.inFlight -= deliveries.length
        dispatcher.schedule()
      }
    },

    async declare(spec: QueueSpec): Promise<DeclareResult> {
      return connected().declare(spec)
    },

    async delete(name: string): Promise<void> {
      connected().delete(name)
    },

    async purge(name: string): Promise<number> {
      return connected().get(name).queue.purge()
    },

    // Not an async function: a publish to memory:// is settled when it returns, so every
    // successful one answers with the same resolved promise (no promise and async frame per
    // message); failures are returned as rejections, as an async function would.
    publish(queueName: string, message: OutgoingMessage): Promise<void> {
      try {
        const dispatcher = connected().get(queueName)
        if (message.exchange !== undefined) throw new UnsupportedError('memory:// has no exchanges; publish to a queue')
        if (message.partition !== undefined) throw new UnsupportedError('memory:// queues have no partitions')
        if (!Buffer.isBuffer(message.body)) throw new UsageError('message body must be a Buffer')
        const {expirationMs} = message
        if (expirationMs !== undefined && !(expirationMs >= 0)) {
          throw new UsageError(`message expiration must be ≥ 0 ms, got ${expirationMs}`)
        }
        const queue = dispatcher.queue
        const nowMs = Date.now()
        const stored: StoredMessage = {
          body: message.body,
          key: message.key,
          headers: message.headers ?? {},
          priority: message.priority,
          messageId: message.messageId,
          correlationId: message.correlationId,
          contentType: message.contentType,
          timestampMs: nowMs,
          expiresAtMs: queue.expiryFor(nowMs, expirationMs),
          deliveryCount: 0,
          deadLetteredFrom: undefined,
        }
        queue.enqueue(stored) // throws DeliveryError('rejected') when full under reject-publish
        dispatcher.schedule()
      } catch (error) {
        return Promise.reject(error)
      }
      return PUBLISHED
    },

    async consume(queueName: string, options: ConsumeOptions, handler: MessageHandler): Promise<Subscription> {
      const current = connected()
      const dispatcher = current.get(queueName)
      const prefetch = options.prefetch ?? DEFAULT_PREFETCH
      if (!Number.isInteger(prefetch) || prefetch < 0) throw new UsageError(`prefetch must be a whole number ≥ 0, got ${prefetch}`)
      const consumer = new Consumer(dispatcher, {prefetch, autoAck: options.autoAck ?? false}, handler, current.deadLetterBound, forgetConsumer)
      consumers.add(consumer)
      dispatcher.add(consumer)
      return {
        ended: consumer.ended,
        async cancel() {
          consumer.end({kind: 'cancelled'})
        },
      }
    },

    async inspect(names: string[]): Promise<InspectResult> {
      const current = connected()
      const dispatchers = names.length === 0 ? current.all() : names.map((name) => current.get(name))
      return {
        queues: dispatchers.map(({queue, consumers}) => ({
          name: queue.name,
          ready: queue.ready,
          inFlight: queue.inFlight,
          consumers: consumers.length,
          extras: settingsExtras(queue.settings),
        })),
        source: 'in-process broker',
        extras: {broker: current.name, queues: current.all().length},
      }
    },

    async serverInfo(): Promise<Record<string, string>> {
      connected()
      // The broker is this process: its "server version" is the runtime it runs on; no client library.
      return {'server.product': 'mqkit in-process broker (memory://)', 'server.version': `node ${process.version}`, 'client.library': 'none (in-process)'}
    },
  }
}
