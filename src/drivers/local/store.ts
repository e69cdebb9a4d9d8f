// One open store file per process, shared by every connection (driver instance) on it: one
// SQLite handle, so connections in one process never contend for the file lock among themselves;
// publish and settle batching (all calls made in one event-loop turn go into ONE transaction, so
// a confirm window of 1000 costs one commit, not 1000); and in-process wake-ups, so a publish
// reaches a consumer in the same process at once instead of at its next poll. Other processes
// find new messages by polling (SQLite has no cross-process notification).
//
// Waiting for another process's write lock: SQLite waits inside the call (busy timeout), which
// blocks the event loop, so no timer or signal handler runs meanwhile. The batched publish and
// settle commits wait so (up to BUSY_TIMEOUT_MS); everything that can wait asynchronously
// (declare, inspect, delete, purge, a consumer's start, heartbeats) does so in slices of
// LOCK_SLICE_MS on a timer, and gives up when its AbortSignal fires (SIGINT/SIGTERM); a
// consumer's claim and the sweep try for one slice and retry on their own timers.
import type Database from 'better-sqlite3'
import {setTimeout as sleep} from 'node:timers/promises'
import {ConnectionError, MqkitError} from '../../errors.js'
import {type DeadLetterReason, type NewMessage, Writer} from './enqueue.js'
import {BUSY_TIMEOUT_MS, type MessageRow, openDatabase, prepareStatements, type Statements, type SyncMode} from './schema.js'

/** @default 250 ms — how often each process looks for expired messages, dead consumers' leases and stale consumer rows. */
const SWEEP_INTERVAL_MS = 250
/** @default 50 ms — the longest one lock wait blocks the event loop on the paths that wait on a timer. */
export const LOCK_SLICE_MS = 50

export interface QueueListener {
  /** Something may be ready on the queue (published, requeued, released). */
  wake(): void
  /** The queue was deleted through this process. */
  deleted(message: string): void
}

/** unclaim: hand back a claimed row that was never delivered (its delivery count is restored). */
export type SettleOutcome = 'ack' | 'requeue' | 'reject' | 'unclaim'

interface PendingPublish {
  queue: string
  message: NewMessage
  resolve: () => void
  reject: (error: unknown) => void
}

interface PendingSettle {
  id: number
  owner: string
  deliveryCount: number
  outcome: SettleOutcome
  done: () => void
}

const stores = new Map<string, Store>()

/** The process's store for `storePath` (absolute), opened on first use; pair with release(). */
export function acquireStore(storePath: string, sync: SyncMode): Store {
  let store = stores.get(storePath)
  if (store === undefined) {
    store = new Store(storePath, sync)
    stores.set(storePath, store)
  }
  store.references++
  return store
}

export class Store {
  references = 0
  readonly db: Database.Database
  readonly statements: Statements
  private readonly listeners = new Map<string, Set<QueueListener>>()
  private publishes: PendingPublish[] = []
  private settles: PendingSettle[] = []
  private publishFlush: NodeJS.Immediate | undefined
  private settleFlush: NodeJS.Immediate | undefined
  private readonly sweepTimer: NodeJS.Timeout

  constructor(
    readonly path: string,
    readonly sync: SyncMode,
  ) {
    this.db = openDatabase(path, sync)
    this.statements = prepareStatements(this.db)
    this.sweepTimer = setInterval(() => this.sweepIfNeeded(), SWEEP_INTERVAL_MS)
    this.sweepTimer.unref()
  }

  get displayName(): string {
    return `the local store ${this.path}`
  }

  /** Drop one reference; the last one flushes pending work and closes the file. */
  release(): void {
    if (--this.references > 0) return
    this.flushPending()
    clearInterval(this.sweepTimer)
    stores.delete(this.path)
    this.db.close()
  }

  /**
   * Run `work` in one IMMEDIATE transaction (takes the write lock up front, so it never fails
   * half-way on a lock upgrade), then wake in-process consumers of the queues it filled. Waits
   * for another process's lock for up to `waitMs`, blocking; then throws a retriable ConnectionError.
   */
  write<T>(work: (writer: Writer) => T, waitMs = BUSY_TIMEOUT_MS): T {
    const writer = new Writer(this.statements, Date.now())
    let result: T
    if (waitMs !== BUSY_TIMEOUT_MS) this.db.pragma(`busy_timeout = ${waitMs}`)
    try {
      result = this.db.transaction(() => work(writer)).immediate()
    } catch (error) {
      throw this.wrap(error)
    } finally {
      if (waitMs !== BUSY_TIMEOUT_MS) this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    }
    for (const queue of writer.touched) this.wake(queue)
    return result
  }

  /**
   * write(), waiting for another process's lock in slices of LOCK_SLICE_MS with the event loop
   * free in between: up to BUSY_TIMEOUT_MS in all, or until `signal` aborts (rejects with its
   * reason). `keepAlive: false` for background work (heartbeats) that must not hold the process open.
   */
  async writeWaiting<T>(work: (writer: Writer) => T, signal?: AbortSignal, keepAlive = true): Promise<T> {
    const deadlineMs = Date.now() + BUSY_TIMEOUT_MS
    for (;;) {
      signal?.throwIfAborted()
      try {
        return this.write(work, LOCK_SLICE_MS)
      } catch (error) {
        if (!(error instanceof MqkitError && error.retriable) || Date.now() >= deadlineMs) throw error
      }
      try {
        await sleep(LOCK_SLICE_MS, undefined, {signal, ref: keepAlive})
      } catch (error) {
        throw signal?.aborted ? signal.reason : error
      }
    }
  }

  /** Resolves once the message is committed; batched with every publish made in the same turn. */
  publish(queue: string, message: NewMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.publishes.push({queue, message, resolve, reject})
      this.publishFlush ??= setImmediate(() => this.flushPublishes())
    })
  }

  /** Ack, requeue or reject a leased message; `done` runs after the commit (or the failure). */
  settle(id: number, owner: string, deliveryCount: number, outcome: SettleOutcome, done: () => void): void {
    this.settles.push({id, owner, deliveryCount, outcome, done})
    this.settleFlush ??= setImmediate(() => this.flushSettles())
  }

  /**
   * Commit queued publishes and settles now, so that what this process already asked for is what
   * inspect, purge and delete see (memory:// applies them synchronously).
   */
  flushPending(): void {
    this.flushPublishes()
    this.flushSettles()
  }

  /** Settles queued but not yet committed are committed now (close() calls this first). */
  flushSettles(): void {
    if (this.settleFlush !== undefined) clearImmediate(this.settleFlush)
    this.settleFlush = undefined
    const batch = this.settles
    if (batch.length === 0) return
    this.settles = []
    const {ack, requeue, unclaim, leased} = this.statements
    try {
      this.write((writer) => {
        for (const item of batch) {
          // A lease that was lost (expired and reclaimed) no longer matches: the settle is a no-op.
          if (item.outcome === 'ack') ack.run(item.id, item.owner, item.deliveryCount)
          else if (item.outcome === 'requeue' || item.outcome === 'unclaim') {
            const row = leased.get(item.id, item.owner, item.deliveryCount)
            if (row !== undefined) {
              ;(item.outcome === 'requeue' ? requeue : unclaim).run(item.id, item.owner, item.deliveryCount)
              writer.touched.add(row.queue)
            }
          } else {
            const row = leased.get(item.id, item.owner, item.deliveryCount)
            if (row !== undefined) writer.deadLetter(row, 'rejected')
          }
        }
      })
    } catch {
      // The store is locked past the busy timeout: the leases stay, so the messages come back
      // after the lease timeout (at-least-once), and the consumer's credit is freed either way.
    }
    for (const item of batch) item.done()
  }

  /** Move expired ready messages of `queue` (or of every queue) to their dead-letter targets. */
  expire(writer: Writer, queue?: string): void {
    const rows = queue === undefined ? this.statements.expiredAll.all(writer.nowMs) : this.statements.expiredIn.all(writer.nowMs, queue)
    for (const row of rows) writer.deadLetter(row as MessageRow, 'expired' satisfies DeadLetterReason)
  }

  /** Reclaim dead consumers' leases, expire messages, forget stale consumer rows. */
  housekeep(writer: Writer): void {
    this.statements.reclaim.run(writer.nowMs)
    this.expire(writer)
    this.statements.pruneConsumers.run(writer.nowMs)
  }

  listen(queue: string, listener: QueueListener): void {
    let set = this.listeners.get(queue)
    if (set === undefined) this.listeners.set(queue, (set = new Set()))
    set.add(listener)
  }

  unlisten(queue: string, listener: QueueListener): void {
    const set = this.listeners.get(queue)
    set?.delete(listener)
    if (set?.size === 0) this.listeners.delete(queue)
  }

  wake(queue: string): void {
    const set = this.listeners.get(queue)
    if (set !== undefined) for (const listener of [...set]) listener.wake()
  }

  announceDeleted(queue: string): void {
    const set = this.listeners.get(queue)
    if (set !== undefined) for (const listener of [...set]) listener.deleted(`queue "${queue}" was deleted`)
  }

  /** Library errors become ours; a lock held past the busy timeout is a retriable ConnectionError. */
  wrap(error: unknown): MqkitError {
    if (error instanceof MqkitError) return error
    const code = (error as {code?: string}).code ?? ''
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return new ConnectionError(`${this.displayName} stayed locked by another process for over ${BUSY_TIMEOUT_MS} ms`, {cause: error})
    }
    return new ConnectionError(`${this.displayName}: ${(error as Error).message ?? String(error)}`, {cause: error, retriable: false})
  }

  private flushPublishes(): void {
    if (this.publishFlush !== undefined) clearImmediate(this.publishFlush)
    this.publishFlush = undefined
    const batch = this.publishes
    if (batch.length === 0) return
    this.publishes = []
    const failures = new Map<PendingPublish, unknown>()
    try {
      this.write((writer) => {
        for (const item of batch) {
          // Per-message refusals (missing queue, full under reject-publish) are raised before
          // anything is written for that message, so the rest of the batch commits.
          try {
            writer.publish(item.queue, item.message, this.displayName)
          } catch (error) {
            if (!(error instanceof MqkitError)) throw error
            failures.set(item, error)
          }
        }
      })
    } catch (error) {
      for (const item of batch) item.reject(error)
      return
    }
    for (const item of batch) {
      const failure = failures.get(item)
      if (failure === undefined) item.resolve()
      else item.reject(failure)
    }
  }

  private sweepIfNeeded(): void {
    const nowMs = Date.now()
    try {
      if (!this.statements.sweepNeeded.get(nowMs, nowMs, nowMs)?.needed) return
      this.write((writer) => this.housekeep(writer), LOCK_SLICE_MS)
    } catch {
      // Busy: the next sweep (or a consumer's claim) does it.
    }
  }
}
