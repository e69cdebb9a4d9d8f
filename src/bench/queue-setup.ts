// How the bench sets up its queues on a backend: what it declares, how its consumers subscribe,
// and which backend-specific knobs it refuses where they mean nothing.
import type {ConsumeOptions, Driver, QueueSpec} from '../drivers/types.js'
import {UnsupportedError} from '../errors.js'
import {benchGroup} from './backlog.js'
import type {BenchOptions} from './options.js'

/** The bench queue's declaration: quorum and stream queues exist only durable. */
export function benchQueueSpec(o: BenchOptions, name: string): QueueSpec {
  const spec: QueueSpec = {name}
  if (o.persistent || o.queueType === 'quorum' || o.queueType === 'stream') spec.durable = true
  if (o.priority !== undefined) spec.maxPriority = o.priority
  if (o.queueType !== undefined) spec.queueType = o.queueType
  if (o.partitions !== undefined) spec.partitions = o.partitions
  return spec
}

export function benchConsumeOptions(o: BenchOptions, queue: string): ConsumeOptions {
  const options: ConsumeOptions = {prefetch: o.prefetch, group: benchGroup(queue)}
  if (o.multiAck !== undefined) options.ackEvery = o.multiAck
  return options
}

/**
 * Knobs that only mean something on some backends are refused elsewhere rather than silently
 * ignored (queue type and partitions are refused by the drivers' declare).
 */
export function refuseUnsupportedKnobs(o: BenchOptions, admin: Driver): void {
  if (o.priority !== undefined && !admin.features.priority) {
    throw new UnsupportedError(`--priority: the ${admin.backend} backend does not support message priority`)
  }
  if (o.multiAck !== undefined && admin.backend !== 'amqp') {
    throw new UnsupportedError(`--multi-ack: only RabbitMQ (amqp://) acknowledges several messages at once; the ${admin.backend} backend settles each`)
  }
  if (o.mandatory === true && admin.backend !== 'amqp') {
    throw new UnsupportedError(`--mandatory: a RabbitMQ publish flag; the ${admin.backend} backend refuses a message for a missing queue by itself`)
  }
  if (o.acks !== undefined && admin.backend !== 'kafka') {
    throw new UnsupportedError(`--acks: a Kafka producer setting; the ${admin.backend} backend confirms every publish`)
  }
}
