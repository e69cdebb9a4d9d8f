// Channel housekeeping. In AMQP any broker-side error (404, 406, ...) closes the channel it
// happened on, so one failed declare must not take the driver down with it: administrative
// operations each get a short-lived channel, publishing and consuming get their own, and
// whoever owns a channel reopens a fresh one after it closes.
import type {Channel, ChannelModel, ConfirmChannel} from 'amqplib'
import {ConnectionError} from '../../errors.js'
import {brokerError, type OperationFacts} from './errors.js'

export type ConnectionLostListener = (message: string) => void

export class Connection {
  private lostListeners = new Set<ConnectionLostListener>()
  private closingHooks = new Set<() => void>()
  private lostMessage: string | undefined
  private closing = false

  constructor(
    readonly model: ChannelModel,
    readonly hostPort: string,
  ) {
    // Without an 'error' listener an emitted connection error would be thrown from amqplib.
    model.on('error', () => {})
    model.on('close', (error?: Error) => {
      const message = this.closing ? 'connection closed' : `connection to ${hostPort} lost${error ? `: ${error.message.split('\n')[0]}` : ''}`
      this.lostMessage = message
      for (const listener of this.lostListeners) listener(message)
      this.lostListeners.clear()
    })
  }

  get isOpen(): boolean {
    return this.lostMessage === undefined
  }

  /** Called once when the connection closes for any reason (immediately if it already has). */
  onLost(listener: ConnectionLostListener): () => void {
    if (this.lostMessage !== undefined) {
      listener(this.lostMessage)
      return () => {}
    }
    this.lostListeners.add(listener)
    return () => this.lostListeners.delete(listener)
  }

  /** Run `hook` just before a deliberate close (e.g. to send batched acks while they still can be). */
  beforeClose(hook: () => void): () => void {
    this.closingHooks.add(hook)
    return () => this.closingHooks.delete(hook)
  }

  async close(): Promise<void> {
    if (!this.isOpen) return
    for (const hook of this.closingHooks) {
      try {
        hook()
      } catch {
        // A hook that cannot do its job (channel already gone) must not stop the close.
      }
    }
    this.closingHooks.clear()
    this.closing = true
    await this.model.close().catch(() => {})
  }

  private assertOpen(facts: OperationFacts): void {
    if (this.lostMessage !== undefined) throw new ConnectionError(`${facts.operation}: ${this.lostMessage}`)
  }

  async openChannel(facts: OperationFacts): Promise<Channel> {
    this.assertOpen(facts)
    try {
      const channel = await this.model.createChannel()
      quiet(channel)
      return channel
    } catch (error) {
      throw brokerError(error, facts)
    }
  }

  async openConfirmChannel(facts: OperationFacts): Promise<ConfirmChannel> {
    this.assertOpen(facts)
    try {
      const channel = await this.model.createConfirmChannel()
      quiet(channel)
      return channel
    } catch (error) {
      throw brokerError(error, facts)
    }
  }

  /** Run `work` on a channel of its own, closed afterwards; broker errors mapped with `facts`. */
  async withChannel<T>(facts: OperationFacts, work: (channel: Channel) => Promise<T>): Promise<T> {
    const channel = await this.openChannel(facts)
    let closedByBroker = false
    channel.once('close', () => {
      closedByBroker = true
    })
    try {
      return await work(channel)
    } catch (error) {
      throw brokerError(error, facts)
    } finally {
      if (!closedByBroker) await channel.close().catch(() => {})
    }
  }
}

/** amqplib emits 'error' on a channel the broker closed; unheard, that would throw. We learn of
 * the failure from the rejected operation (or the owner's own 'error' listener) instead. */
function quiet(channel: Channel): void {
  channel.on('error', () => {})
}
