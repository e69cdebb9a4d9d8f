// Channel housekeeping. In AMQP any broker-side error (404, 406, ...) closes the channel it
// happened on, so one failed declare must not take the driver down with it: administrative
// operations each get a short-lived channel, publishing and consuming get their own, and
// whoever owns a channel reopens a fresh one after it closes.
import type {Channel, ChannelModel, ConfirmChannel} from 'amqplib'
import {ConnectionError} from '../../errors.js'
import {brokerError, type OperationFacts} from './errors.js'

/** How long a deliberate close waits for the broker's close-ok before dropping the socket. */
const CLOSE_OK_WAIT_MS = 2000

export type ConnectionLostListener = (message: string) => void

export class Connection {
  private lostListeners = new Set<ConnectionLostListener>()
  private closingHooks = new Set<() => void>()
  private lost: string | undefined
  private closing = false

  constructor(
    readonly model: ChannelModel,
    readonly hostPort: string,
  ) {
    // amqplib emits 'error' only just before it closes the connection (a close frame from the
    // broker, a socket error, a missed heartbeat), and closes the channels before it emits
    // 'close': taking the loss from 'error' lets every channel's owner see why it went.
    const lost = (error?: Error) => {
      if (this.lost !== undefined) return
      const message = this.closing ? 'connection closed' : `connection to ${hostPort} lost${error ? `: ${closeReason(error)}` : ''}`
      this.lost = message
      for (const listener of this.lostListeners) listener(message)
      this.lostListeners.clear()
    }
    model.on('error', lost)
    model.on('close', lost)
  }

  get isOpen(): boolean {
    return this.lost === undefined
  }

  /** Why the connection ended ('connection open' while it has not). */
  get lostMessage(): string {
    return this.lost ?? 'connection open'
  }

  /** Called once when the connection closes for any reason (immediately if it already has). */
  onLost(listener: ConnectionLostListener): () => void {
    if (this.lost !== undefined) {
      listener(this.lost)
      return () => {}
    }
    this.lostListeners.add(listener)
    return () => this.lostListeners.delete(listener)
  }

  /**
   * Wait for `work` (a channel close or cancel), but no longer than the connection lives:
   * amqplib's RPCs never settle when the socket dies under them, and a close that waits forever
   * on a dead connection would leave Node with nothing to run (exit 13 mid-command).
   */
  whileOpen(work: Promise<unknown>): Promise<void> {
    return new Promise<void>((resolve) => {
      const stop = this.onLost(() => resolve())
      const done = () => {
        stop()
        resolve()
      }
      work.then(done, done)
    })
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
    // amqplib's close() waits for the broker's close-ok and never settles when the socket dies
    // first (a broker crash noticed by a publish before the connection's own 'close'): with
    // nothing else left running, Node would then exit with 13 mid-command. So the close also
    // ends when the connection goes, or after CLOSE_OK_WAIT_MS with the socket destroyed.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ;(this.model.connection as unknown as {stream?: {destroy?: () => void}}).stream?.destroy?.()
        resolve()
      }, CLOSE_OK_WAIT_MS)
      const done = () => {
        clearTimeout(timer)
        resolve()
      }
      void this.whileOpen(this.model.close()).then(done)
    })
  }

  private assertOpen(facts: OperationFacts): void {
    if (this.lost !== undefined) throw new ConnectionError(`${facts.operation}: ${this.lost}`)
  }

  /**
   * `work`, or a ConnectionError as soon as the connection goes: an amqplib RPC on a connection
   * whose socket died under it never settles (see whileOpen).
   */
  orLost<T>(work: Promise<T>, facts: OperationFacts): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const stop = this.onLost((message) => reject(new ConnectionError(`${facts.operation}: ${message}`)))
      work.then(
        (value) => {
          stop()
          resolve(value)
        },
        (error: unknown) => {
          stop()
          reject(error)
        },
      )
    })
  }

  async openChannel(facts: OperationFacts): Promise<Channel> {
    this.assertOpen(facts)
    try {
      const channel = await this.orLost(this.model.createChannel(), facts)
      quiet(channel)
      return channel
    } catch (error) {
      throw brokerError(error, facts)
    }
  }

  async openConfirmChannel(facts: OperationFacts): Promise<ConfirmChannel> {
    this.assertOpen(facts)
    try {
      const channel = await this.orLost(this.model.createConfirmChannel(), facts)
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
      return await this.orLost(work(channel), facts)
    } catch (error) {
      throw brokerError(error, facts)
    } finally {
      if (!closedByBroker) await this.whileOpen(channel.close())
    }
  }
}

/**
 * Why the broker (or the network) ended a connection or channel, in a few words: the broker's
 * own reply text for a close frame ("CONNECTION_FORCED - broker forced connection closure with
 * reason 'shutdown'" when it stops), the socket error otherwise.
 */
export function closeReason(error: Error): string {
  const text = error.message
  const replied = /with message "(.*)"\s*$/.exec(text)
  if (replied) return replied[1]
  const code = (error as {code?: unknown}).code
  if (text === 'Unexpected close') return 'the broker closed the socket without a goodbye (stopped or crashed?)'
  const line = text.split('\n')[0]
  return typeof code === 'string' && !line.includes(code) ? `${line} (${code})` : line
}

/** amqplib emits 'error' on a channel the broker closed; unheard, that would throw. We learn of
 * the failure from the rejected operation (or the owner's own 'error' listener) instead. */
function quiet(channel: Channel): void {
  channel.on('error', () => {})
}
