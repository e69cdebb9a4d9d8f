// The kafka:// driver. Two wire clients: kafkajs (admin, consuming, and producing with
// ?client=kafkajs) and @platformatic/kafka (producing, the default: config.ts
// DEFAULT_PRODUCER_CLIENT), behind ProduceClient (produce/produce-client.ts). Neither library leaves this folder.
import kafkajs from 'kafkajs'
import type {Admin, Kafka} from 'kafkajs'
import {ConnectionError, UsageError} from '../../errors.js'
import type {ParsedUrl} from '../../url.js'
import {promised, type PublishWithCallbacks} from '../publish-callbacks.js'
import {withFeatureDefaults} from '../defaults.js'
import type {Driver, DriverContext} from '../types.js'
import {withDeadline} from '../deadline.js'
import {declareTopic, deleteTopic, describeTopic, purgeTopic} from './admin/admin.js'
import {Renewable, type AdminRunner} from './clients.js'
import {kafkaOptionsFromUrl} from './config.js'
import {startSubscription, type LocalSubscription} from './consume/consume.js'
import {kafkaErrorType, toMqkitError} from './errors.js'
import {inspectTopics} from './admin/inspect.js'
import {kafkajsProducer} from './produce/kafkajs-producer.js'
import {TopicCache} from './admin/metadata.js'
import {platformaticProducer} from './produce/platformatic-producer.js'
import type {ProduceClient} from './produce/produce-client.js'
import {Publisher} from './produce/publish.js'
import {serverInfo} from './admin/server-info.js'

const {Kafka: KafkaClient} = kafkajs

export const KAFKA_FEATURES = withFeatureDefaults({
  priority: false,
  // Retention (retention.ms) removes whole segments on a schedule: no expiry of messages within
  // milliseconds, which is what the ttl capability promises. ttlMs is still accepted by declare.
  ttl: false,
  messageTtl: false,
  deadLetter: false,
  maxLength: false,
  requeue: false,
  deliveryCount: false,
  ordering: 'partition',
  partitions: true,
  persistence: true,
  competingConsumers: true,
  exchanges: false,
  redeliverOnClose: true,
  crossProcess: true,
  endOfLog: true,
  backlogIsGroupLag: true,
})

export function createKafkaDriver(url: ParsedUrl, context: DriverContext): Driver {
  const options = kafkaOptionsFromUrl(url, context)
  const brokers = url.hosts.join(',')
  const kafka: Kafka = new KafkaClient(options.client)
  let connected = false
  const subscriptions = new Set<LocalSubscription>()
  const admins = new Renewable<Admin>(
    () => kafka.admin(),
    (admin) => deadline(admin.connect(), options.connectTimeoutMs, brokers),
  )
  const producers = new Renewable<ProduceClient>(
    () => (options.producerClient === 'platformatic' ? platformaticProducer(options.platformatic) : kafkajsProducer(kafka)),
    (producer) => deadline(producer.connect(), options.connectTimeoutMs, brokers),
  )

  const requireAdmin = (): Admin => {
    const admin = admins.current
    if (!admin || !connected) throw new UsageError('kafka driver used before connect()')
    return admin
  }
  const withAdmin: AdminRunner = async (topic, work) => {
    const admin = requireAdmin()
    try {
      return await work(admin)
    } catch (error) {
      if (topic === undefined || !(await poisoned(admin, topic, error))) throw error
      return work(await admins.renew(admin))
    }
  }
  const localInFlight = (topic: string, group: string) =>
    [...subscriptions].filter((s) => s.topic === topic && s.groupId === group).reduce((sum, s) => sum + s.unsettled(), 0)
  const topics = new TopicCache(requireAdmin)
  const publisher = new Publisher({
    producer: () => producers.get().catch((error: unknown) => Promise.reject(toMqkitError(error, {action: 'connect the producer', brokers}))),
    renewProducer: (stale) => producers.renew(stale),
    topicExists: async (topic) => (await describeTopic(requireAdmin(), topic)) !== undefined,
    topics,
    compression: options.compression,
    lingerMs: options.lingerMs,
    batchSize: options.batchSize,
    brokers,
  })

  const publishCallback: PublishWithCallbacks = (queue, message, confirmed, failed) => {
    if (connected) publisher.publishCallback(queue, message, confirmed, failed)
    else failed(new UsageError('kafka driver used before connect()'))
  }

  return {
    backend: 'kafka',
    features: KAFKA_FEATURES,
    displayUrl: url.redacted,

    async connect() {
      if (connected) return
      try {
        await admins.get()
      } catch (error) {
        throw toMqkitError(error, {action: 'connect', brokers})
      }
      connected = true
    },

    async close() {
      await Promise.allSettled([...subscriptions].map((s) => s.cancel()))
      await publisher.drain()
      await Promise.all([producers.close(), admins.close()])
      connected = false
    },

    declare: (spec) => withAdmin(spec.name, (admin) => declareTopic(admin, spec)).finally(() => topics.forget(spec.name)),

    async delete(name) {
      await withAdmin(name, (admin) => deleteTopic(admin, name))
      topics.forget(name)
    },

    purge: (name) => withAdmin(name, (admin) => purgeTopic(admin, name)),

    publish: promised(publishCallback),

    publishCallback,

    async consume(queue, consumeOptions, handler) {
      const subscription = await startSubscription(
        // A crashed consumer keeps trying to reach the brokers for as long as connect() would.
        {kafka, admin: requireAdmin(), withAdmin, brokers, joinTimeoutMs: options.connectTimeoutMs + 20_000, reconnectWindowMs: options.connectTimeoutMs},
        queue,
        consumeOptions,
        handler,
      )
      subscriptions.add(subscription)
      void subscription.ended.then(() => subscriptions.delete(subscription))
      return subscription
    },

    serverInfo: async () => serverInfo(requireAdmin(), brokers, options.producerClient),

    inspect: (names, inspectOptions) =>
      withAdmin(names.length === 1 ? names[0] : undefined, (admin) => inspectTopics(admin, names, inspectOptions, localInFlight)),
  }
}

/** A topic-not-found error for a topic that metadata says exists = a client poisoned by a deleted topic. */
async function poisoned(admin: Admin, topic: string, error: unknown): Promise<boolean> {
  if (kafkaErrorType(error) !== 'UNKNOWN_TOPIC_OR_PARTITION') return false
  return (await describeTopic(admin, topic).catch(() => undefined)) !== undefined
}

/**
 * kafkajs bounds each attempt (connectionTimeout) and the number of retries, but not the total;
 * this makes "unreachable" an error within the connect timeout whatever the retry arithmetic.
 */
function deadline<T>(promise: Promise<T>, timeoutMs: number, brokers: string): Promise<T> {
  return withDeadline(promise, timeoutMs, () => new ConnectionError(`cannot reach Kafka at ${brokers} within ${timeoutMs} ms`))
}
