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
  return localDriver(resolveStorePath(url.path), url.redacted, leaseMs, syncText, context.signal)
}

function parseLeaseMs(text: string, redacted: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(text.trim())
  const leaseMs = match ? Number(match[1]) * (match[2] === 's' ? 1000 : match[2] === 'm' ? 60_000 : 1) : Number.NaN
  if (!(leaseMs >= MIN_LEASE_MS)) {
    throw new UsageError(`--url "${redacted}" has ?lease=${text}; use a duration ≥ ${MIN_LEASE_MS}ms such as 500ms, 5s or 1m`)
  }
  return Math.round(leaseMs)
}

/**
 * One connection to the store at `storePath`. `signal` is aborted on SIGINT/SIGTERM: lock waits
 * stop (see store.ts).
 */
function localDriver(storePath: string, displayUrl: string, leaseMs: number, sync: SyncMode, signal: AbortSignal | undefined): Driver {
  /** This connection's lease owner id (also shown as the consumers' owner). */
  const owner = `${process.pid}-${randomUUID()}`
  let store: Store | undefined
  const consumers = new Set<LocalConsumer>()
  let heartbeat: NodeJS.Timeout | undefined
  /** A heartbeat's write is waiting for the lock: the next beat skips rather than queue behind it. */
  let beating = false
  /** Consumed at least once: close() has leases and consumer rows to give back. */
  let consumed = false
  const forgetConsumer = (consumer: LocalConsumer) => consumers.delete(consumer)
  /** Once interrupted, cleanup writes (cancel, close) wait only briefly for another process's lock. */
  const cleanupWaitMs = () => (signal?.aborted ? INTERRUPTED_CLEANUP_WAIT_MS : BUSY_TIMEOUT_MS)

  const connected = (): Store => {
    if (store === undefined) throw new ConnectionError(`${displayUrl} is not connected (connect() first, or it was closed)`)
    return store
  }
  const notFound = (name: string) => new NotFoundError(`queue "${name}" does not exist in the local store ${storePath}`)
  const mustExist = (settings: QueueSettings | undefined, name: string): QueueSettings => {
    if (settings === undefined) throw notFound(name)
    return settings
  }

  /** Extend this connection's leases and consumer rows while it lives (a third of the lease). */
  const startHeartbeat = (): void => {
    if (heartbeat !== undefined) return
    heartbeat = setInterval(
      () => {
        const current = store
        if (current === undefined || beating) return
        beating = true
        current
          .writeWaiting(
            () => {
              // The lease runs from the commit, not from the beat: the wait for the lock may have been long.
              const untilMs = Date.now() + leaseMs
              current.statements.extendLeases.run(untilMs, owner)
              current.statements.refreshConsumers.run(untilMs, owner)
            },
            undefined,
            false,
          )
          .catch(() => {
            // Busy: the next beat retries; a lease lost meanwhile means a duplicate, never a loss.
          })
          .finally(() => {
            beating = false
          })
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    )
    heartbeat.unref()
  }

  return {
    backend: 'local',
    features: LOCAL_FEATURES,
    displayUrl,

    async connect(): Promise<void> {
      store ??= acquireStore(storePath, sync)
    },

    async close(): Promise<void> {
      const current = store
      if (current === undefined) return
      store = undefined
      if (heartbeat !== undefined) clearInterval(heartbeat)
      heartbeat = undefined
      for (const consumer of [...consumers]) consumer.end({kind: 'cancelled'})
      // Publishes and settles already made count; then whatever this connection still holds goes back at once.
      current.flushPending()
      for (const consumer of consumers) consumer.forget()
      consumers.clear()
      try {
        if (consumed) {
          const queues = current.write(() => {
            current.statements.deleteOwnerConsumers.run(owner)
            return new Set(current.statements.releaseLeases.all(owner).map((row) => row.queue))
          }, cleanupWaitMs())
          for (const queue of queues) current.wake(queue)
        }
      } catch (error) {
        // Locked by another process past the wait: the leases lapse instead, and the messages come
        // back after the lease timeout (at-least-once either way).
        if (!(error instanceof MqkitError && error.retriable)) throw error
      } finally {
        current.release()
      }
    },

    async declare(spec: QueueSpec): Promise<DeclareResult> {
      const settings = settingsFromSpec(spec)
      const current = connected()
      return current.writeWaiting((writer) => {
        const existing = writer.settings(spec.name)
        if (existing !== undefined) {
          assertSameSettings(spec.name, existing, settings)
          return {created: false}
        }
        current.statements.insertQueue.run(spec.name, JSON.stringify(settings), writer.nowMs)
        return {created: true}
      }, signal)
    },

    async delete(name: string): Promise<void> {
      const current = connected()
      current.flushPending()
      await current.writeWaiting((writer) => {
        mustExist(writer.settings(name), name)
        current.statements.deleteQueueMessages.run(name)
        current.statements.deleteQueueConsumers.run(name)
        current.statements.deleteQueue.run(name)
      }, signal)
      current.announceDeleted(name)
    },

    async purge(name: string): Promise<number> {
      const current = connected()
      current.flushPending()
      return current.writeWaiting((writer) => {
        mustExist(writer.settings(name), name)
        current.housekeep(writer) // dead consumers' messages are ready again, expired ones dead-lettered
        return current.statements.purge.run(name).changes
      }, signal)
    },

    async publish(queue: string, message: OutgoingMessage): Promise<void> {
      const current = connected()
      if (message.exchange !== undefined) throw new UnsupportedError('the local store (file:) has no exchanges; publish to a queue')
      if (message.partition !== undefined) throw new UnsupportedError('local store (file:) queues have no partitions')
      if (!Buffer.isBuffer(message.body)) throw new UsageError('message body must be a Buffer')
      const {expirationMs} = message
      if (expirationMs !== undefined && !(expirationMs >= 0)) throw new UsageError(`message expiration must be ≥ 0 ms, got ${expirationMs}`)
      const props: StoredProps = {p: message.priority, mid: message.messageId, cid: message.correlationId, ct: message.contentType}
      return current.publish(queue, {
        body: message.body,
        key: message.key,
        headers: message.headers ?? {},
        props,
        enqueuedMs: Date.now(),
        expirationMs,
      })
    },

    async consume(queue: string, options: ConsumeOptions, handler: MessageHandler): Promise<Subscription> {
      const current = connected()
      const prefetch = options.prefetch ?? DEFAULT_PREFETCH
      if (!Number.isInteger(prefetch) || prefetch < 0) throw new UsageError(`prefetch must be a whole number ≥ 0, got ${prefetch}`)
      if (current.statements.queueSpec.get(queue) === undefined) throw notFound(queue)
      const consumer = new LocalConsumer(current, queue, {prefetch, autoAck: options.autoAck ?? false, owner, leaseMs, cleanupWaitMs}, handler, forgetConsumer)
      consumers.add(consumer)
      consumed = true
      try {
        await consumer.start(signal)
      } catch (error) {
        consumers.delete(consumer)
        throw error
      }
      startHeartbeat()
      return {
        ended: consumer.ended,
        async cancel() {
          consumer.end({kind: 'cancelled'})
        },
      }
    },

    async inspect(names: string[]): Promise<InspectResult> {
      const current = connected()
      current.flushPending()
      const {statements} = current
      const queues = await current.writeWaiting((writer) => {
        current.housekeep(writer) // so the figures do not count expired messages or dead consumers
        const listed = names.length === 0 ? statements.queueNames.all().map((row) => row.name) : names
        return listed.map((name) => {
          const settings: QueueSettings = mustExist(writer.settings(name), name)
          return {
            name,
            ready: statements.readyCount.get(name)!.n,
            inFlight: statements.inFlightCount.get(name)!.n,
            consumers: statements.consumerCount.get(name, writer.nowMs)!.n,
            extras: settingsExtras(settings),
          }
        })
      }, signal)
      const dbBytes = fileBytes(current.path)
      const walBytes = fileBytes(`${current.path}-wal`)
      return {
        queues,
        source: `local store ${current.path}`,
        extras: {
          path: current.path,
          sizeBytes: dbBytes + walBytes,
          dbBytes,
          walBytes,
          queues: statements.queueNames.all().length,
          leaseMs,
          synchronous: sync,
        },
      }
    },
  }
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}
