// file:PATH — the durable local store: the memory:// broker's semantics on a SQLite file that
// several processes share (see store.ts and schema.ts). Each driver instance is one connection
// with its own lease owner id: it owns its consumers' leases, extends them by heartbeat while it
// lives, and releases them on close() for immediate redelivery. A connection that dies without
// closing (SIGKILL) stops heartbeating, and its messages come back after the lease timeout.
//
// URL: file:./queues.db, file:/abs/q.db, file:~/q.db; file: alone is the default store
// (defaultStorePath). Query options: ?lease=30s (lease timeout, e.g. 500ms, 5s, 1m; bare
// number = ms), ?sync=normal|full (full fsyncs every commit; see schema.ts).
import {randomUUID} from 'node:crypto'
import {statSync} from 'node:fs'
import {ConnectionError, MqkitError, NotFoundError, UnsupportedError, UsageError} from '../../errors.js'
import type {ParsedUrl} from '../../url.js'
import type {ConsumeOptions, DeclareResult, Driver, DriverContext, InspectResult, MessageHandler, OutgoingMessage, QueueSpec, Subscription} from '../types.js'
import {DEFAULT_PREFETCH, withFeatureDefaults} from '../defaults.js'
import {LocalConsumer} from './consumer.js'
import type {StoredProps} from './enqueue.js'
import {resolveStorePath} from './paths.js'
import {BUSY_TIMEOUT_MS, type SyncMode} from './schema.js'
import {assertSameSettings, type QueueSettings, settingsExtras, settingsFromSpec} from './spec.js'
import {acquireStore, type Store} from './store.js'

export {defaultStorePath} from './paths.js'

export const LOCAL_FEATURES = withFeatureDefaults({
  priority: true,
  ttl: true,
  messageTtl: true,
  deadLetter: true,
  maxLength: true,
  requeue: true,
  deliveryCount: true,
  ordering: 'queue',
  partitions: false,
  persistence: true,
  competingConsumers: true,
  exchanges: false,
  redeliverOnClose: true,
  crossProcess: true,
  missingQueueOnPublish: 'not-found',
  endsOnDelete: true,
})

/** @default 30000 ms — how long a message stays leased to a consumer that stopped heartbeating. */
export const DEFAULT_LEASE_MS = 30_000
/** Shortest accepted lease: heartbeats run every third of it. */
const MIN_LEASE_MS = 100
/**
 * @default 500 ms — once the run is interrupted, how long cancelling and closing wait for another
 * process's lock (blocking) to delete consumer rows and release leases; past it the leases lapse
 * and the messages come back after the lease timeout.
 */
const INTERRUPTED_CLEANUP_WAIT_MS = 500

export function createLocalDriver(url: ParsedUrl, context: DriverContext): Driver {
  const known = new Set(['lease', 'sync'])
  for (const key of url.query.keys()) {
    if (!known.has(key)) throw new UsageError(`--url "${url.redacted}" has unknown option "?${key}"; file: URLs take ?lease=30s and ?sync=normal|full`)
  }
  const leaseText = url.query.get('lease')
  const leaseMs = leaseText === null ? DEFAULT_LEASE_MS : parseLeaseMs(leaseText, url.redacted)
  const syncText = (url.query.get('sync') ?? 'normal').toLowerCase()
  if (syncText !== 'normal' && syncText !== 'full') throw new UsageError(`--url "${url.redacted}" has ?sync=${syncText}; use normal or full`)
  return new LocalDriver(resolveStorePath(url.path), url.redacted, leaseMs, syncText, context.signal)
}

function parseLeaseMs(text: string, redacted: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(text.trim())
  const leaseMs = match ? Number(match[1]) * (match[2] === 's' ? 1000 : match[2] === 'm' ? 60_000 : 1) : Number.NaN
  if (!(leaseMs >= MIN_LEASE_MS)) {
    throw new UsageError(`--url "${redacted}" has ?lease=${text}; use a duration ≥ ${MIN_LEASE_MS}ms such as 500ms, 5s or 1m`)
  }
  return Math.round(leaseMs)
}

class LocalDriver implements Driver {
  readonly backend = 'local' as const
  readonly features = LOCAL_FEATURES
  /** This connection's lease owner id (also shown as the consumers' owner). */
  private readonly owner = `${process.pid}-${randomUUID()}`
  private store: Store | undefined
  private readonly consumers = new Set<LocalConsumer>()
  private heartbeat: NodeJS.Timeout | undefined
  /** A heartbeat's write is waiting for the lock: the next beat skips rather than queue behind it. */
  private beating = false
  /** Consumed at least once: close() has leases and consumer rows to give back. */
  private consumed = false
  private readonly forgetConsumer = (consumer: LocalConsumer) => this.consumers.delete(consumer)
  /** Once interrupted, cleanup writes (cancel, close) wait only briefly for another process's lock. */
  private readonly cleanupWaitMs = () => (this.signal?.aborted ? INTERRUPTED_CLEANUP_WAIT_MS : BUSY_TIMEOUT_MS)

  constructor(
    readonly storePath: string,
    readonly displayUrl: string,
    private readonly leaseMs: number,
    private readonly sync: SyncMode,
    /** Aborted on SIGINT/SIGTERM: lock waits stop (see store.ts). */
    private readonly signal: AbortSignal | undefined,
  ) {}

  async connect(): Promise<void> {
    this.store ??= acquireStore(this.storePath, this.sync)
  }

  async close(): Promise<void> {
    const store = this.store
    if (store === undefined) return
    this.store = undefined
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat)
    this.heartbeat = undefined
    for (const consumer of [...this.consumers]) consumer.end({kind: 'cancelled'})
    // Publishes and settles already made count; then whatever this connection still holds goes back at once.
    store.flushPending()
    for (const consumer of this.consumers) consumer.forget()
    this.consumers.clear()
    try {
      if (this.consumed) {
        const queues = store.write(() => {
          store.statements.deleteOwnerConsumers.run(this.owner)
          return new Set(store.statements.releaseLeases.all(this.owner).map((row) => row.queue))
        }, this.cleanupWaitMs())
        for (const queue of queues) store.wake(queue)
      }
    } catch (error) {
      // Locked by another process past the wait: the leases lapse instead, and the messages come
      // back after the lease timeout (at-least-once either way).
      if (!(error instanceof MqkitError && error.retriable)) throw error
    } finally {
      store.release()
    }
  }

  async declare(spec: QueueSpec): Promise<DeclareResult> {
    const settings = settingsFromSpec(spec)
    const store = this.connected()
    return store.writeWaiting((writer) => {
      const existing = writer.settings(spec.name)
      if (existing !== undefined) {
        assertSameSettings(spec.name, existing, settings)
        return {created: false}
      }
      store.statements.insertQueue.run(spec.name, JSON.stringify(settings), writer.nowMs)
      return {created: true}
    }, this.signal)
  }

  async delete(name: string): Promise<void> {
    const store = this.connected()
    store.flushPending()
    await store.writeWaiting((writer) => {
      this.mustExist(writer.settings(name), name)
      store.statements.deleteQueueMessages.run(name)
      store.statements.deleteQueueConsumers.run(name)
      store.statements.deleteQueue.run(name)
    }, this.signal)
    store.announceDeleted(name)
  }

  async purge(name: string): Promise<number> {
    const store = this.connected()
    store.flushPending()
    return store.writeWaiting((writer) => {
      this.mustExist(writer.settings(name), name)
      store.housekeep(writer) // dead consumers' messages are ready again, expired ones dead-lettered
      return store.statements.purge.run(name).changes
    }, this.signal)
  }

  async publish(queue: string, message: OutgoingMessage): Promise<void> {
    const store = this.connected()
    if (message.exchange !== undefined) throw new UnsupportedError('the local store (file:) has no exchanges; publish to a queue')
    if (message.partition !== undefined) throw new UnsupportedError('local store (file:) queues have no partitions')
    if (!Buffer.isBuffer(message.body)) throw new UsageError('message body must be a Buffer')
    const {expirationMs} = message
    if (expirationMs !== undefined && !(expirationMs >= 0)) throw new UsageError(`message expiration must be ≥ 0 ms, got ${expirationMs}`)
    const props: StoredProps = {p: message.priority, mid: message.messageId, cid: message.correlationId, ct: message.contentType}
    return store.publish(queue, {
      body: message.body,
      key: message.key,
      headers: message.headers ?? {},
      props,
      enqueuedMs: Date.now(),
      expirationMs,
    })
  }

  async consume(queue: string, options: ConsumeOptions, handler: MessageHandler): Promise<Subscription> {
    const store = this.connected()
    const prefetch = options.prefetch ?? DEFAULT_PREFETCH
    if (!Number.isInteger(prefetch) || prefetch < 0) throw new UsageError(`prefetch must be a whole number ≥ 0, got ${prefetch}`)
    if (store.statements.queueSpec.get(queue) === undefined) throw this.notFound(queue)
    const consumer = new LocalConsumer(
      store,
      queue,
      {prefetch, autoAck: options.autoAck ?? false, owner: this.owner, leaseMs: this.leaseMs, cleanupWaitMs: this.cleanupWaitMs},
      handler,
      this.forgetConsumer,
    )
    this.consumers.add(consumer)
    this.consumed = true
    try {
      await consumer.start(this.signal)
    } catch (error) {
      this.consumers.delete(consumer)
      throw error
    }
    this.startHeartbeat()
    return {
      ended: consumer.ended,
      async cancel() {
        consumer.end({kind: 'cancelled'})
      },
    }
  }

  async inspect(names: string[]): Promise<InspectResult> {
    const store = this.connected()
    store.flushPending()
    const {statements} = store
    const queues = await store.writeWaiting((writer) => {
      store.housekeep(writer) // so the figures do not count expired messages or dead consumers
      const listed = names.length === 0 ? statements.queueNames.all().map((row) => row.name) : names
      return listed.map((name) => {
        const settings: QueueSettings = this.mustExist(writer.settings(name), name)
        return {
          name,
          ready: statements.readyCount.get(name)!.n,
          inFlight: statements.inFlightCount.get(name)!.n,
          consumers: statements.consumerCount.get(name, writer.nowMs)!.n,
          extras: settingsExtras(settings),
        }
      })
    }, this.signal)
    const dbBytes = fileBytes(store.path)
    const walBytes = fileBytes(`${store.path}-wal`)
    return {
      queues,
      source: `local store ${store.path}`,
      extras: {
        path: store.path,
        sizeBytes: dbBytes + walBytes,
        dbBytes,
        walBytes,
        queues: statements.queueNames.all().length,
        leaseMs: this.leaseMs,
        synchronous: this.sync,
      },
    }
  }

  /** Extend this connection's leases and consumer rows while it lives (a third of the lease). */
  private startHeartbeat(): void {
    if (this.heartbeat !== undefined) return
    this.heartbeat = setInterval(
      () => {
        const store = this.store
        if (store === undefined || this.beating) return
        this.beating = true
        store
          .writeWaiting(
            () => {
              // The lease runs from the commit, not from the beat: the wait for the lock may have been long.
              const untilMs = Date.now() + this.leaseMs
              store.statements.extendLeases.run(untilMs, this.owner)
              store.statements.refreshConsumers.run(untilMs, this.owner)
            },
            undefined,
            false,
          )
          .catch(() => {
            // Busy: the next beat retries; a lease lost meanwhile means a duplicate, never a loss.
          })
          .finally(() => (this.beating = false))
      },
      Math.max(1, Math.floor(this.leaseMs / 3)),
    )
    this.heartbeat.unref()
  }

  private mustExist(settings: QueueSettings | undefined, name: string): QueueSettings {
    if (settings === undefined) throw this.notFound(name)
    return settings
  }

  private notFound(name: string): NotFoundError {
    return new NotFoundError(`queue "${name}" does not exist in the local store ${this.storePath}`)
  }

  private connected(): Store {
    if (this.store === undefined) throw new ConnectionError(`${this.displayUrl} is not connected (connect() first, or it was closed)`)
    return this.store
  }
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}
