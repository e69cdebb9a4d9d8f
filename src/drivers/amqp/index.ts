// RabbitMQ (AMQP 0-9-1) driver on amqplib. Composition only: the URL and connection in
// connect.ts, error mapping in errors.ts, declarations in declare.ts, confirms and returns in
// publish.ts, subscriptions in consume.ts (batched acks in acks.ts), statistics in inspect.ts,
// broker and client versions in server-info.ts.
import {ConnectionError, NotFoundError, UsageError} from '../../errors.js'
import type {ParsedUrl} from '../../url.js'
import {promised, type PublishWithCallbacks} from '../publish-callbacks.js'
import {withFeatureDefaults} from '../defaults.js'
import type {Driver, DriverContext} from '../types.js'
import {Connection} from './channels.js'
import {amqpTarget, openConnection} from './connect.js'
import {bind, declareExchange, declareQueue, exchangeExists, queueExists} from './declare.js'
import {subscribe} from './consume.js'
import {inspectQueues, managementEndpoint} from './inspect.js'
import {Publisher} from './publish.js'
import {serverInfo} from './server-info.js'

export const AMQP_FEATURES = withFeatureDefaults({
  priority: true,
  ttl: true,
  messageTtl: true,
  deadLetter: true,
  maxLength: true,
  requeue: true,
  // Only quorum queues count deliveries (x-delivery-count); classic queues have just the flag.
  deliveryCount: false,
  ordering: 'queue',
  partitions: false,
  persistence: true,
  competingConsumers: true,
  exchanges: true,
  redeliverOnClose: true,
  crossProcess: true,
  // Queue targets are published mandatory, so a missing queue comes back as a return.
  missingQueueOnPublish: 'not-found',
  endsOnDelete: true,
  // A message published to a queue goes through the default exchange with routing key = queue.
  keyPreserved: false,
})

export function createAmqpDriver(url: ParsedUrl, context: DriverContext & {managementUrl?: string}): Driver {
  const target = amqpTarget(url, context)
  let connection: Connection | undefined
  // One endpoint per driver, so its recent answers can be reused (inspect.ts MANAGEMENT_REUSE_MS).
  let endpoint: {value: ReturnType<typeof managementEndpoint>} | undefined
  const management = () => (endpoint ??= {value: managementEndpoint(target, url.query, context.managementUrl)}).value
  let publisher: Publisher | undefined

  const live = (): Connection => {
    if (!connection) throw new UsageError('driver used before connect()')
    if (!connection.isOpen) throw new ConnectionError(`connection to ${target.hostPort} lost`)
    return connection
  }

  const publishCallback: PublishWithCallbacks = (queue, message, confirmed, failed) => {
    try {
      live()
    } catch (error) {
      return failed(error as Error)
    }
    publisher!.publishCallback(queue, message, confirmed, failed)
  }

  return {
    backend: 'amqp',
    features: AMQP_FEATURES,
    displayUrl: url.redacted,

    async connect() {
      if (connection?.isOpen) return
      connection = new Connection(await openConnection(target), target.hostPort)
      publisher = new Publisher(connection)
    },

    async close() {
      if (publisher && connection) await connection.whileOpen(publisher.close())
      await connection?.close()
    },

    declare: (spec) => declareQueue(live(), spec),

    async delete(name) {
      const open = live()
      // RabbitMQ deletes a missing queue without complaint; the contract says NotFoundError.
      if (!(await queueExists(open, name))) throw new NotFoundError(`queue "${name}" does not exist`)
      await open.withChannel({operation: `delete queue "${name}"`, queue: name}, (channel) => channel.deleteQueue(name))
    },

    async purge(name) {
      const reply = await live().withChannel({operation: `purge queue "${name}"`, queue: name}, (channel) => channel.purgeQueue(name))
      return reply.messageCount
    },

    publish: promised(publishCallback),

    publishCallback,

    consume: (queue, options, handler) => subscribe(live(), queue, options, handler),

    declareExchange: (spec) => declareExchange(live(), spec),

    async deleteExchange(name) {
      const open = live()
      if (!(await exchangeExists(open, name))) throw new NotFoundError(`exchange "${name}" does not exist`)
      await open.withChannel({operation: `delete exchange "${name}"`, exchange: name}, (channel) => channel.deleteExchange(name))
    },

    bind: (spec) => bind(live(), spec),
    unbind: (spec) => bind(live(), spec, true),

    inspect: (names) => inspectQueues(live(), target, management(), names),

    serverInfo: async () => serverInfo(live().model),
  }
}
