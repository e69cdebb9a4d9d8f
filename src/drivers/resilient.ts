// A Driver that rides out a lost connection (--recover): it reconnects with backoff within a time
// budget, declares the run's queues again, re-subscribes its consumers, and goes on. Around any
// backend, through the Driver contract alone.
//
// Invariants:
// - Every publish gets exactly one callback. One that was on the wire when the connection died
//   fails with OutcomeUnknownError (the broker may or may not have it: in doubt, never "lost"),
//   whatever the dead connection says about it later. One made while reconnecting waits for the
//   new connection.
// - A subscription's `ended` resolves only when the caller cancels it, its queue is deleted, or
//   recovery gave up (then {kind: 'connection-lost'} with RecoveryFailedError's message).
// - It never measures: it reports what happened to `onEvent` with the run clock's time.
import type {RunEvent, ConnectionRole} from '../results/availability.js'
import {ConnectionError, DeliveryError, isMqkitError, NotFoundError, OutcomeUnknownError, RecoveryFailedError, UsageError} from '../errors.js'
import type {
  ConsumeOptions,
  DeclareResult,
  Driver,
  EndReason,
  InspectOptions,
  InspectResult,
  MessageHandler,
  OutgoingMessage,
  QueueSpec,
  Subscription,
} from './types.js'

export interface RecoveryPolicy {
  /** Longest one outage may last, from the loss to a working connection, before giving up. */
  budgetMs: number
  /** @default 100 — first wait between attempts; doubles up to maxDelayMs, ±20 % jitter. */
  firstDelayMs?: number
  /** @default 1000 — so a broker back is found within about a second. */
  maxDelayMs?: number
}

export interface ResilientSetup {
  /** A fresh, unconnected driver for this role (the first one included). */
  make: () => Promise<Driver>
  policy: RecoveryPolicy
  role: ConnectionRole
  index: number
  /** Declared again (idempotently) on every new connection: a queue that did not survive the restart comes back empty. */
  topology: QueueSpec[]
  /** Run clock, ms: the time stamped on events. */
  clockMs: () => number
  onEvent: (event: RunEvent) => void
  /** Interrupted: stop reconnecting. */
  signal?: AbortSignal
}

interface PendingPublish {
  epoch: number
  done: boolean
  confirmed: () => void
  failed: (error: Error) => void
}

interface Resubscribe {
  queue: string
  options: ConsumeOptions
  handler: MessageHandler
  inner: Subscription | undefined
  cancelled: boolean
  end: (reason: EndReason) => void
}

/**
 * Errors a reconnect cannot cure: they end recovery at once. A queue not found on the new
 * connection did not survive the restart (not durable) and nothing here declares it again.
 */
function curable(error: unknown): boolean {
  if (error instanceof UsageError || error instanceof NotFoundError) return false
  if (error instanceof ConnectionError) return error.retriable
  return true
}

/** Errors that say nothing about the connection: passed to the caller as they are. */
function aboutTheMessage(error: unknown): boolean {
  return error instanceof DeliveryError || error instanceof NotFoundError || error instanceof UsageError
}

/** 60000 → "60s", 1500 → "1.5s": as the flag was given. */
function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done)
  })

export class ResilientDriver implements Driver {
  private current!: Driver
  private epoch = 0
  private recovery: Promise<void> | undefined
  private failure: RecoveryFailedError | undefined
  private closed = false
  private readonly pending = new Set<PendingPublish>()
  private readonly subscriptions = new Set<Resubscribe>()
  /** Queues this driver created itself (declare through it): declared again after a reconnect. */
  private readonly declared = new Map<string, QueueSpec>()

  private constructor(private readonly s: ResilientSetup) {}

  static async create(setup: ResilientSetup): Promise<ResilientDriver> {
    const driver = new ResilientDriver(setup)
    driver.current = await setup.make()
    return driver
  }

  get backend() {
    return this.current.backend
  }
  get features() {
    return this.current.features
  }
  get displayUrl() {
    return this.current.displayUrl
  }

  /** The first connection is not retried: a wrong URL or a broker that is down fails at once. */
  connect(): Promise<void> {
    return this.current.connect()
  }

  async close(): Promise<void> {
    this.closed = true
    for (const sub of this.subscriptions) sub.end({kind: 'cancelled'})
    await this.recovery?.catch(() => {})
    await this.current.close()
  }

  declare(spec: QueueSpec): Promise<DeclareResult> {
    this.declared.set(spec.name, spec)
    return this.call((d) => d.declare(spec))
  }
  delete(name: string): Promise<void> {
    this.declared.delete(name)
    return this.call((d) => d.delete(name))
  }
  purge(name: string): Promise<number> {
    return this.call((d) => d.purge(name))
  }
  inspect(names: string[], options?: InspectOptions): Promise<InspectResult> {
    return this.call((d) => d.inspect(names, options))
  }
  async serverInfo(): Promise<Record<string, string>> {
    return this.call(async (d) => (d.serverInfo ? d.serverInfo() : {}))
  }

  publish(queue: string, message: OutgoingMessage): Promise<void> {
    return new Promise((resolve, reject) => this.publishCallback(queue, message, resolve, reject))
  }

  publishCallback(queue: string, message: OutgoingMessage, confirmed: () => void, failed: (error: Error) => void): void {
    if (this.failure) {
      failed(this.failure)
      return
    }
    if (this.recovery) {
      // Not sent yet: it waits for the new connection (or fails with the recovery).
      this.recovery.then(
        () => this.publishCallback(queue, message, confirmed, failed),
        (error: Error) => failed(error),
      )
      return
    }
    const entry: PendingPublish = {epoch: this.epoch, done: false, confirmed, failed}
    this.pending.add(entry)
    const driver = this.current
    const onConfirmed = () => {
      if (entry.done) return
      entry.done = true
      this.pending.delete(entry)
      confirmed()
    }
    const onFailed = (error: Error) => {
      if (entry.done) return
      if (aboutTheMessage(error)) {
        entry.done = true
        this.pending.delete(entry)
        return failed(error)
      }
      // The connection's failure: this publish and every other one on the wire are in doubt.
      this.lost(error, entry.epoch)
    }
    if (driver.publishCallback) driver.publishCallback(queue, message, onConfirmed, onFailed)
    else driver.publish(queue, message).then(onConfirmed, onFailed)
  }

  async consume(queue: string, options: ConsumeOptions, handler: MessageHandler): Promise<Subscription> {
    if (this.recovery) await this.recovery
    const inner = await this.current.consume(queue, options, handler)
    let end!: (reason: EndReason) => void
    const ended = new Promise<EndReason>((resolve) => (end = resolve))
    const sub: Resubscribe = {queue, options, handler, inner, cancelled: false, end}
    this.subscriptions.add(sub)
    void ended.then(() => this.subscriptions.delete(sub))
    this.watch(sub, inner, this.epoch)
    return {
      ended,
      cancel: async () => {
        sub.cancelled = true
        await sub.inner?.cancel()
        end({kind: 'cancelled'})
      },
      uncommitted: () => sub.inner?.uncommitted?.() ?? 0,
    }
  }

  private watch(sub: Resubscribe, inner: Subscription, epoch: number): void {
    void inner.ended.then((reason) => {
      if (sub.cancelled || this.closed) return
      if (reason.kind === 'connection-lost') this.lost(new ConnectionError(reason.message), epoch)
      else if (epoch === this.epoch) sub.end(reason)
    })
  }

  /** Admin work: a lost connection is recovered from and the work tried once more on the new one. */
  private async call<T>(work: (driver: Driver) => Promise<T>): Promise<T> {
    if (this.failure) throw this.failure
    if (this.recovery) await this.recovery
    const epoch = this.epoch
    try {
      return await work(this.current)
    } catch (error) {
      if (aboutTheMessage(error) || !(error instanceof ConnectionError) || this.closed) throw error
      this.lost(error, epoch)
      await this.recovery
      return work(this.current)
    }
  }

  /** The connection of `epoch` failed: fail its publishes as in doubt and start reconnecting (once). */
  private lost(error: unknown, epoch: number): void {
    if (epoch !== this.epoch || this.closed || this.failure) return
    this.epoch++
    const message = isMqkitError(error) || error instanceof Error ? error.message : String(error)
    const s = this.s
    s.onEvent({kind: 'connection-lost', atMs: s.clockMs(), role: s.role, index: s.index, message})
    const inDoubt = [...this.pending].filter((p) => p.epoch === epoch)
    for (const p of inDoubt) {
      p.done = true
      this.pending.delete(p)
    }
    const old = this.current
    void old.close().catch(() => {})
    this.recovery = this.reconnect(performance.now()).finally(() => {
      this.recovery = undefined
    })
    // A recovery that gives up is reported through publishes, calls and subscriptions, not here.
    this.recovery.catch(() => {})
    // Only now, with the recovery under way: a caller that publishes again from this callback
    // waits for the new connection instead of writing to the dead one (which would fail at once
    // and start a second recovery).
    const unknown = new OutcomeUnknownError(`connection lost before the broker confirmed (${message})`, {cause: error})
    for (const p of inDoubt) p.failed(unknown)
  }

  private async reconnect(lostAtMs: number): Promise<void> {
    const s = this.s
    const first = s.policy.firstDelayMs ?? 100
    const max = s.policy.maxDelayMs ?? 1000
    let attempts = 0
    let lastError: unknown
    while (!this.closed) {
      attempts++
      let driver: Driver | undefined
      try {
        driver = await s.make()
        await driver.connect()
        const redeclared = await this.restore(driver)
        this.current = driver
        s.onEvent({kind: 'reconnected', atMs: s.clockMs(), role: s.role, index: s.index, attempts, ...(redeclared.length > 0 ? {redeclared} : {})})
        return
      } catch (error) {
        lastError = error
        await driver?.close().catch(() => {})
      }
      const outageMs = performance.now() - lostAtMs
      const remainingMs = s.policy.budgetMs - outageMs
      if (!curable(lastError) || remainingMs <= 0 || s.signal?.aborted) break
      const delayMs = Math.min(max, first * 2 ** (attempts - 1)) * (0.8 + 0.4 * Math.random())
      await sleep(Math.min(delayMs, remainingMs), s.signal)
    }
    if (this.closed) return
    const outageMs = performance.now() - lostAtMs
    const why = lastError instanceof Error ? lastError.message : String(lastError ?? 'closed')
    const reason = s.signal?.aborted
      ? 'interrupted'
      : curable(lastError)
        ? `no connection within --recover-timeout ${formatSeconds(s.policy.budgetMs)}`
        : 'an error reconnecting cannot cure'
    this.failure = new RecoveryFailedError(
      `${s.role} ${s.index}: gave up reconnecting after ${(outageMs / 1000).toFixed(1)} s and ${attempts} attempt${attempts === 1 ? '' : 's'} (${reason}): ${why}`,
      {
        role: s.role,
        attempts,
        outageMs,
        cause: lastError,
      },
    )
    s.onEvent({kind: 'gave-up', atMs: s.clockMs(), role: s.role, index: s.index, message: this.failure.message})
    for (const sub of this.subscriptions) sub.end({kind: 'connection-lost', message: this.failure.message})
    throw this.failure
  }

  /** On a new connection: the run's queues declared again, then every live subscription renewed. Returns the queues that had to be created. */
  private async restore(driver: Driver): Promise<string[]> {
    const redeclared: string[] = []
    const specs = new Map(this.s.topology.map((spec) => [spec.name, spec]))
    for (const [name, spec] of this.declared) specs.set(name, spec)
    for (const spec of specs.values()) {
      const result = await driver.declare(spec)
      if (result.created) redeclared.push(spec.name)
    }
    const epoch = this.epoch
    for (const sub of this.subscriptions) {
      if (sub.cancelled) continue
      sub.inner = await driver.consume(sub.queue, sub.options, sub.handler)
      this.watch(sub, sub.inner, epoch)
    }
    return redeclared
  }
}
