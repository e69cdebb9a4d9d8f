// Queue, exchange and binding declarations: QueueSpec → x-arguments, idempotency (`created`
// says whether the queue was new) and the broker's 406 turned into a PreconditionError.
import type {Channel, Options} from 'amqplib'
import {UnsupportedError, UsageError} from '../../errors.js'
import type {BindingSpec, DeclareResult, ExchangeSpec, QueueSpec} from '../types.js'
import type {Connection} from './channels.js'

type Args = Record<string, string | number | boolean>

/** Where dead letters go, in AMQP terms (an exchange and optionally a routing key). */
export interface DeadLetterRoute {
  exchange: string
  routingKey?: string
}

/** QueueSpec → amqplib assertQueue options. `deadLetter` is already resolved to an exchange. */
export function queueOptions(spec: QueueSpec, deadLetter?: DeadLetterRoute): Options.AssertQueue {
  if (spec.partitions !== undefined && spec.partitions > 1) {
    throw new UnsupportedError(`RabbitMQ queues have no partitions (--partitions ${spec.partitions}); use several queues bound to one exchange`)
  }
  const replicated = spec.queueType === 'quorum' || spec.queueType === 'stream'
  if (spec.replication !== undefined && spec.replication > 1 && !replicated) {
    throw new UnsupportedError(`classic queues are not replicated (--replication ${spec.replication}); use --queue-type quorum`)
  }
  if (spec.maxPriority !== undefined && (!Number.isInteger(spec.maxPriority) || spec.maxPriority < 0 || spec.maxPriority > 255)) {
    throw new UsageError(`--max-priority must be a whole number 0..255, got ${spec.maxPriority}`)
  }
  const args: Args = {}
  if (spec.ttlMs !== undefined) args['x-message-ttl'] = spec.ttlMs
  if (spec.expiresMs !== undefined) args['x-expires'] = spec.expiresMs
  if (spec.maxLength !== undefined) args['x-max-length'] = spec.maxLength
  if (spec.maxLengthBytes !== undefined) args['x-max-length-bytes'] = spec.maxLengthBytes
  if (spec.overflow !== undefined) args['x-overflow'] = spec.overflow
  if (deadLetter) {
    args['x-dead-letter-exchange'] = deadLetter.exchange
    if (deadLetter.routingKey !== undefined) args['x-dead-letter-routing-key'] = deadLetter.routingKey
  }
  if (spec.maxPriority !== undefined) args['x-max-priority'] = spec.maxPriority
  if (spec.queueType !== undefined) args['x-queue-type'] = spec.queueType
  if (spec.singleActiveConsumer !== undefined) args['x-single-active-consumer'] = spec.singleActiveConsumer
  if (spec.replication !== undefined && replicated) {
    args[spec.queueType === 'stream' ? 'x-initial-cluster-size' : 'x-quorum-initial-group-size'] = spec.replication
  }
  Object.assign(args, spec.args)
  return {
    // Quorum queues and streams must be durable; classic queues default to durable too, as in
    // rabbitmqadmin and the management UI.
    durable: spec.durable ?? true,
    exclusive: spec.exclusive ?? false,
    autoDelete: spec.autoDelete ?? false,
    arguments: args,
  }
}

/** True when the queue exists (passive declare on a throw-away channel: a 404 closes it). */
export async function queueExists(connection: Connection, name: string): Promise<boolean> {
  return passive(connection, (channel) => channel.checkQueue(name))
}

export async function exchangeExists(connection: Connection, name: string): Promise<boolean> {
  if (name === '') return true // the default exchange always exists
  return passive(connection, (channel) => channel.checkExchange(name))
}

async function passive(connection: Connection, check: (channel: Channel) => Promise<unknown>): Promise<boolean> {
  const channel = await connection.openChannel({operation: 'passive declare'})
  try {
    await check(channel)
    await channel.close().catch(() => {})
    return true
  } catch (error) {
    if ((error as {code?: unknown}).code === 404) return false
    await channel.close().catch(() => {})
    throw error
  }
}

/**
 * QueueSpec.deadLetter is a queue name for memory/local and the conformance suite, but an
 * exchange name in AMQP. When it names an existing exchange, or a deadLetterKey is given, it is
 * taken as an exchange (AMQP's meaning). Otherwise, if it names an existing queue, dead letters
 * go through the default exchange '' with routing key = that queue, which delivers straight into
 * it — the documented way to dead-letter into a queue. Declare the dead-letter queue first:
 * if neither exists yet it is taken as an exchange name.
 */
export async function resolveDeadLetter(connection: Connection, spec: QueueSpec): Promise<DeadLetterRoute | undefined> {
  if (spec.deadLetter === undefined) return undefined
  if (spec.deadLetterKey !== undefined) return {exchange: spec.deadLetter, routingKey: spec.deadLetterKey}
  if (spec.deadLetter === '' || (await exchangeExists(connection, spec.deadLetter))) return {exchange: spec.deadLetter}
  if (await queueExists(connection, spec.deadLetter)) return {exchange: '', routingKey: spec.deadLetter}
  return {exchange: spec.deadLetter}
}

export async function declareQueue(connection: Connection, spec: QueueSpec): Promise<DeclareResult> {
  if (spec.name === '') throw new UsageError('queue name is empty')
  const options = queueOptions(spec, await resolveDeadLetter(connection, spec))
  const existed = await queueExists(connection, spec.name)
  await connection.withChannel({operation: `declare queue "${spec.name}"`, queue: spec.name}, (channel) => channel.assertQueue(spec.name, options))
  return {created: !existed}
}

export async function declareExchange(connection: Connection, spec: ExchangeSpec): Promise<DeclareResult> {
  if (spec.name === '' || spec.name.startsWith('amq.')) {
    throw new UsageError(`exchange name "${spec.name}" is reserved by the broker`)
  }
  const existed = await exchangeExists(connection, spec.name)
  const options: Options.AssertExchange = {
    durable: spec.durable ?? true,
    autoDelete: spec.autoDelete ?? false,
    internal: spec.internal ?? false,
    arguments: {...spec.args},
  }
  if (spec.alternateExchange !== undefined) options.alternateExchange = spec.alternateExchange
  await connection.withChannel({operation: `declare exchange "${spec.name}"`, exchange: spec.name}, (channel) =>
    channel.assertExchange(spec.name, spec.type, options),
  )
  return {created: !existed}
}

export async function bind(connection: Connection, spec: BindingSpec, unbind = false): Promise<void> {
  const verb = unbind ? 'unbind' : 'bind'
  const facts = {operation: `${verb} ${spec.destinationType} "${spec.destination}" ${unbind ? 'from' : 'to'} exchange "${spec.source}"`, exchange: spec.source}
  const key = spec.routingKey ?? ''
  await connection.withChannel(facts, async (channel) => {
    if (spec.destinationType === 'queue') {
      await (unbind ? channel.unbindQueue(spec.destination, spec.source, key, spec.args) : channel.bindQueue(spec.destination, spec.source, key, spec.args))
    } else {
      await (unbind
        ? channel.unbindExchange(spec.destination, spec.source, key, spec.args)
        : channel.bindExchange(spec.destination, spec.source, key, spec.args))
    }
  })
}
