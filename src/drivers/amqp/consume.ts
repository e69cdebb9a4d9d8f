// One subscription = one channel of its own (prefetch is per consumer, and a broker error on
// one subscription must not touch the others). Deliveries are handed to the handler one after
// another, in arrival order; settling is the handler's job unless autoAck.
import type {Channel, ConsumeMessage, Options} from 'amqplib'
import {ConnectionError, type MqkitError, PreconditionError, UnsupportedError, UsageError} from '../../errors.js'
import {DEFAULT_PREFETCH} from '../defaults.js'
import type {ConsumeOptions, Delivery, EndReason, Headers, MessageHandler, StartPosition, Subscription} from '../types.js'
import {settlerFor, type Settler} from './acks.js'
import {closeReason, type Connection} from './channels.js'
import {brokerError} from './errors.js'

/**
 * StartPosition → x-stream-offset (stream queues only; classic and quorum queues ignore it).
 * 'end' is 'next' (only messages published from now on), as with Kafka's latest; RabbitMQ's own
 * 'last' (the last chunk) and 'first'/'next' may also be given as offset strings.
 */
export function streamOffset(from: StartPosition | undefined): unknown {
  switch (from?.kind) {
    case undefined:
    case 'default':
      return undefined
    case 'beginning':
      return 'first'
    case 'end':
      return 'next'
    case 'offset':
      if (from.offset === 'first' || from.offset === 'last' || from.offset === 'next') return from.offset
      if (!/^\d+$/.test(from.offset)) throw new UsageError(`--from must be first, last, next, an offset or a time; got "${from.offset}"`)
      return {'!': 'long', value: Number(from.offset)}
    case 'timestamp':
      // AMQP timestamps are whole seconds.
      return {'!': 'timestamp', value: Math.floor(from.epochMs / 1000)}
  }
}

/** AMQP header values are typed (numbers, booleans, tables, x-death arrays); ours are strings. */
export function headersOf(raw: Record<string, unknown> | undefined): Headers {
  const headers: Headers = {}
  if (!raw) return headers
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || value === null) continue
    if (typeof value === 'string') headers[key] = value
    else if (Buffer.isBuffer(value)) headers[key] = value.toString('utf8')
    else if (typeof value === 'object') headers[key] = JSON.stringify(value)
    else headers[key] = String(value)
  }
  return headers
}

/** Quorum queues count deliveries in x-delivery-count (absent on the first); others only flag. */
export function deliveryCountOf(message: ConsumeMessage): number {
  const counted: unknown = message.properties.headers?.['x-delivery-count']
  if (typeof counted === 'number') return counted + 1
  return message.fields.redelivered ? 2 : 1
}

export async function subscribe(connection: Connection, queue: string, options: ConsumeOptions, handler: MessageHandler): Promise<Subscription> {
  const prefetch = options.prefetch ?? DEFAULT_PREFETCH
  if (!Number.isInteger(prefetch) || prefetch < 0 || prefetch > 65535) throw new UsageError(`--prefetch must be a whole number 0..65535, got ${prefetch}`)
  const ackEvery = options.ackEvery ?? 1
  if (!Number.isInteger(ackEvery) || ackEvery < 1 || ackEvery > 65535) throw new UsageError(`--multi-ack must be a whole number 1..65535, got ${ackEvery}`)
  const offset = streamOffset(options.from)
  if (offset === undefined) return start(connection, queue, options, prefetch, undefined, handler)
  try {
    return await start(connection, queue, options, prefetch, offset, handler)
  } catch (error) {
    // Only stream queues take x-stream-offset; classic and quorum queues refuse it (406), and a
    // start position means nothing to them, so it is ignored there rather than an error.
    if (error instanceof PreconditionError && /x-stream-offset/.test(error.message)) {
      return start(connection, queue, options, prefetch, undefined, handler)
    }
    throw error
  }
}

async function start(
  connection: Connection,
  queue: string,
  options: ConsumeOptions,
  prefetch: number,
  offset: unknown,
  handler: MessageHandler,
): Promise<Subscription> {
  const autoAck = options.autoAck ?? false
  const facts = {operation: `consume from queue "${queue}"`, queue}
  const channel: Channel = await connection.openChannel(facts)
  let channelOpen = true
  const settler = settlerFor(channel, autoAck, options.ackEvery ?? 1, prefetch)

  let endReason: EndReason | undefined
  let resolveEnded!: (reason: EndReason) => void
  const ended = new Promise<EndReason>((resolve) => (resolveEnded = resolve))
  const end = (reason: EndReason) => {
    if (endReason) return
    endReason = reason
    stopListening()
    resolveEnded(reason)
  }
  const stopListening = connection.onLost((message) => end({kind: 'connection-lost', message}))
  // A deliberate close of the driver sends the acks still batched (they are lost otherwise and
  // the messages come back: duplicates, not losses, but avoidable ones).
  const stopFlushingOnClose = connection.beforeClose(() => settler.flush())
  let channelError: Error | undefined
  channel.on('error', (error: Error) => (channelError = error))
  channel.on('close', () => {
    channelOpen = false
    stopFlushingOnClose()
    settler.dispose()
    // When the connection goes, amqplib closes its channels first and announces the connection's
    // close right after, in the same tick: wait for it, so the message says why.
    queueMicrotask(() => end({kind: 'connection-lost', message: lostMessage()}))
  })
  const lostMessage = () => {
    if (!connection.isOpen) return connection.lostMessage
    return `channel closed by the broker${channelError ? `: ${closeReason(channelError)}` : ''}`
  }

  // Sequential hand-off keeps arrival order even when the handler is async.
  let chain: Promise<void> = Promise.resolve()
  const onMessage = (message: ConsumeMessage | null) => {
    if (message === null) {
      // basic.cancel from the broker: the queue was deleted (or, for a quorum queue, lost its leader).
      end({kind: 'deleted', message: `queue "${queue}" was deleted (the broker cancelled the consumer)`})
      // Let the handler finish with what it holds before the channel goes.
      void chain
        .then(() => {
          settler.flush()
          return channel.close()
        })
        .catch(() => {})
      return
    }
    const delivery = toDelivery(queue, message, settler, autoAck, () => (channelOpen ? undefined : lostMessage()))
    chain = chain
      .then(() => handler(delivery))
      .catch(() => {
        // A throwing handler leaves its message unsettled; it returns to the queue when the
        // subscription's channel closes. Swallowed here so the next delivery still runs.
      })
  }

  try {
    // Not for no-ack: see streamRefusal.
    if (!autoAck) await channel.prefetch(prefetch)
    const consumeOptions: Options.Consume = {noAck: autoAck}
    if (offset !== undefined) consumeOptions.arguments = {'x-stream-offset': offset}
    const {consumerTag} = await channel.consume(queue, onMessage, consumeOptions)
    return {
      ended,
      async cancel() {
        if (endReason) return
        end({kind: 'cancelled'})
        // Cancel first so nothing new arrives; unacked deliveries stay valid until the channel
        // closes, which returns them to the queue (close() does that).
        await connection.whileOpen(channel.cancel(consumerTag))
        await chain
        try {
          settler.flush()
        } catch {
          // The channel went meanwhile; the broker returns the unsettled messages itself.
        }
        await connection.whileOpen(channel.close())
      },
    }
  } catch (error) {
    stopListening()
    stopFlushingOnClose()
    await channel.close().catch(() => {})
    throw streamRefusal(brokerError(error, facts), queue, autoAck)
  }
}

/**
 * Stream queues hand out messages on credit that acks replenish, so they refuse a consumer
 * without a prefetch (406, on the channel). A no-ack consumer gets no prefetch (basic.qos is
 * skipped), so that same 406 is what keeps a no-ack consume away from a stream: RabbitMQ answers
 * no-ack itself with a connection-level 540 that would take every channel of the driver down.
 */
function streamRefusal(error: MqkitError, queue: string, autoAck: boolean): MqkitError {
  if (!(error instanceof PreconditionError) || !/prefetch count is not set/.test(error.message)) return error
  if (autoAck) {
    return new UnsupportedError(`queue "${queue}" is a stream: streams need acknowledgements (--no-ack is not supported); consume with --ack`, {cause: error})
  }
  return new UsageError(`queue "${queue}" is a stream: streams need a prefetch of 1..65535 (0, unlimited, is refused)`, {cause: error})
}

/** What a settlement that went out returns: one settled promise for all (watchers dedupe on it, as on memory://). */
const SETTLED: Promise<void> = Promise.resolve()

/** `whyClosed` is undefined while the channel is open, else why it closed. */
function toDelivery(queue: string, message: ConsumeMessage, settler: Settler, autoAck: boolean, whyClosed: () => string | undefined): Delivery {
  const {properties, fields} = message
  let settled = autoAck
  const settle = (how: (m: ConsumeMessage) => void) => {
    if (settled) return SETTLED
    settled = true
    // A batched ack is only recorded; check first so it does not claim success on a dead channel.
    let error: unknown = whyClosed()
    if (error === undefined) {
      try {
        how(message)
        return SETTLED
      } catch (thrown) {
        error = thrown
      }
    }
    // The channel is gone; the broker requeues the message itself.
    const why = whyClosed() ?? 'channel closed'
    return Promise.reject(new ConnectionError(`${why}; a message from queue "${queue}" was not settled and will be redelivered`, {cause: error}))
  }
  const timestampSeconds: unknown = properties.timestamp
  return {
    queue,
    body: message.content,
    key: fields.routingKey,
    headers: headersOf(properties.headers),
    priority: typeof properties.priority === 'number' ? properties.priority : undefined,
    messageId: properties.messageId ?? undefined,
    correlationId: properties.correlationId ?? undefined,
    contentType: properties.contentType ?? undefined,
    redelivered: fields.redelivered,
    deliveryCount: deliveryCountOf(message),
    timestampMs: typeof timestampSeconds === 'number' ? timestampSeconds * 1000 : 0,
    // Batched (ackEvery): resolves once recorded; like any AMQP ack it is never confirmed, and a
    // channel lost before it was sent means redelivery (at-least-once), never a loss.
    ack: () => settle((m) => settler.ack(m)),
    // requeue=false: dead-lettered when the queue has a dead-letter exchange, else dropped.
    nack: (requeue: boolean) => settle((m) => settler.nack(m, requeue)),
  }
}
