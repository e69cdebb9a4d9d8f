// Publishing on a ConfirmChannel: publish() resolves on the broker's ack, rejects on a nack,
// on an unroutable return (mandatory) and when the channel dies before confirming.
//
// Returns: RabbitMQ sends basic.return *then* basic.ack for an unroutable mandatory message, so a
// publish must remember that it was returned before its ack arrives. Rather than stamping every
// message with a correlation header (which would change the bytes other clients see), a return is
// matched to the oldest unsettled mandatory publish with the same exchange, routing key, body and
// message id. Two publishes that match on all of those are indistinguishable, so if the match
// ever picks the "wrong" one of two identical messages the count of unroutable messages is still
// right.
//
// Queue targets (default exchange, routing key = queue) are published mandatory unless the caller
// says `mandatory: false`: RabbitMQ silently drops a message for a queue that does not exist, and
// the return is the only news of it.
import type {ConfirmChannel, Message, Options} from 'amqplib'
import {ConnectionError, DeliveryError, type MqkitError, NotFoundError} from '../../errors.js'
import {raiseLater} from '../publish-callbacks.js'
import type {OutgoingMessage} from '../types.js'
import type {Connection} from './channels.js'
import {brokerError} from './errors.js'

interface PendingMandatory {
  body: Buffer
  messageId: string | undefined
  returned: boolean
  settled: boolean
}

interface Route {
  exchange: string
  routingKey: string
  /** Publishing straight into a queue through the default exchange. */
  queueTarget: boolean
}

export function routeOf(queue: string, message: OutgoingMessage): Route {
  if (message.exchange !== undefined && message.exchange !== '') {
    return {exchange: message.exchange, routingKey: message.key ?? queue, queueTarget: false}
  }
  return {exchange: '', routingKey: queue, queueTarget: true}
}

export function publishOptions(message: OutgoingMessage, mandatory: boolean): Options.Publish {
  const options: Options.Publish = {}
  if (mandatory) options.mandatory = true
  if (message.headers !== undefined) options.headers = message.headers
  if (message.priority !== undefined) options.priority = message.priority
  if (message.persistent !== undefined) options.persistent = message.persistent
  if (message.expirationMs !== undefined) options.expiration = String(message.expirationMs)
  if (message.messageId !== undefined) options.messageId = message.messageId
  if (message.correlationId !== undefined) options.correlationId = message.correlationId
  if (message.contentType !== undefined) options.contentType = message.contentType
  return options
}

export class Publisher {
  private channel: ConfirmChannel | undefined
  private opening: Promise<ConfirmChannel> | undefined
  /** Set while the channel's write buffer is full; publishers wait for 'drain'. */
  private drained: Promise<void> | undefined
  private mandatory = new Map<string, PendingMandatory[]>()
  /** Why the current channel was closed by the broker, for the publishes it takes down. */
  private channelError: unknown

  constructor(private readonly connection: Connection) {}

  /** Driver.publishCallback. Not async on the fast path: no promise, no extra ticks (the bench hot path). */
  publishCallback(queue: string, message: OutgoingMessage, confirmed: () => void, failed: (error: Error) => void): void {
    if (this.drained === undefined && this.channel !== undefined) {
      this.send(this.channel, queue, message, confirmed, failed)
      return
    }
    this.whenWritable().then((channel) => this.send(channel, queue, message, confirmed, failed), failed)
  }

  private async whenWritable(): Promise<ConfirmChannel> {
    // Back-pressure: the channel's buffer is full; writing more only grows memory.
    while (this.drained) await this.drained
    return this.channel ?? (await this.open())
  }

  private send(channel: ConfirmChannel, queue: string, message: OutgoingMessage, confirmed: () => void, failed: (error: Error) => void): void {
    const route = routeOf(queue, message)
    const mandatory = message.mandatory ?? route.queueTarget
    // Only mandatory publishes are remembered for a return (no per-message key or entry otherwise).
    const routeKey = mandatory ? `${route.exchange}\u0000${route.routingKey}` : ''
    const pending: PendingMandatory | undefined = mandatory ? {body: message.body, messageId: message.messageId, returned: false, settled: false} : undefined
    if (pending) {
      const list = this.mandatory.get(routeKey)
      if (list) list.push(pending)
      else this.mandatory.set(routeKey, [pending])
    }
    // Called by amqplib while it reads a frame: a throwing callback must not break that read.
    const settle = (error: unknown) => {
      if (pending) this.forget(routeKey, pending)
      try {
        if (pending?.returned) failed(this.returnedError(route))
        else if (error === null || error === undefined) confirmed()
        else failed(this.failure(error, route))
      } catch (thrown) {
        raiseLater(thrown)
      }
    }
    let writable: boolean
    try {
      writable = channel.publish(route.exchange, route.routingKey, message.body, publishOptions(message, mandatory), settle)
    } catch (error) {
      if (pending) this.forget(routeKey, pending)
      failed(this.failure(error, route))
      return
    }
    if (!writable && !this.drained && this.channel === channel) {
      this.drained = new Promise<void>((wake) => {
        const done = () => {
          channel.off('drain', done)
          channel.off('close', done)
          this.drained = undefined
          wake()
        }
        channel.on('drain', done)
        channel.on('close', done)
      })
    }
  }

  async close(): Promise<void> {
    const channel = this.channel
    this.channel = undefined
    if (channel) await channel.close().catch(() => {})
  }

  private open(): Promise<ConfirmChannel> {
    this.opening ??= this.connection
      .openConfirmChannel({operation: 'publish'})
      .then((channel) => {
        this.channel = channel
        this.channelError = undefined
        channel.on('error', (error: unknown) => {
          this.channelError = error
        })
        channel.on('close', () => {
          if (this.channel === channel) this.channel = undefined
        })
        channel.on('return', (returned: Message) => this.onReturn(returned))
        return channel
      })
      .finally(() => {
        this.opening = undefined
      })
    return this.opening
  }

  private onReturn(returned: Message): void {
    const {exchange, routingKey} = returned.fields
    const list = this.mandatory.get(`${exchange}\u0000${routingKey}`)
    if (!list) return
    const messageId: unknown = returned.properties.messageId
    const match = list.find((entry) => !entry.returned && !entry.settled && entry.messageId === (messageId ?? undefined) && entry.body.equals(returned.content))
    if (match) match.returned = true
  }

  private forget(routeKey: string, pending: PendingMandatory): void {
    pending.settled = true
    const list = this.mandatory.get(routeKey)
    if (!list) return
    // Confirms arrive (nearly) in order, so settled entries are almost always at the head.
    while (list.length > 0 && list[0].settled) list.shift()
    if (list.length === 0) this.mandatory.delete(routeKey)
  }

  private returnedError(route: Route): MqkitError {
    if (route.queueTarget) return new NotFoundError(`queue "${route.routingKey}" does not exist (message returned unroutable)`)
    return new DeliveryError(`message to exchange "${route.exchange}" with routing key "${route.routingKey}" was unroutable (no matching binding)`, {
      reason: 'unroutable',
    })
  }

  private failure(error: unknown, route: Route): MqkitError {
    const text = error instanceof Error ? error.message : String(error)
    const facts = {operation: 'publish', exchange: route.exchange, queue: route.queueTarget ? route.routingKey : undefined}
    if (text === 'message nacked') {
      const target = route.queueTarget ? `queue "${route.routingKey}"` : `exchange "${route.exchange}"`
      return new DeliveryError(`broker nacked a message to ${target} (queue full with overflow reject-publish, or a broker-side failure)`, {
        reason: 'nacked',
      })
    }
    // The channel died before confirming: report why the broker closed it, if it said.
    if (this.channelError !== undefined) return brokerError(this.channelError, facts)
    if (!this.connection.isOpen) return new ConnectionError('publish: connection to the broker lost before the message was confirmed', {cause: error})
    return brokerError(error, facts)
  }
}
