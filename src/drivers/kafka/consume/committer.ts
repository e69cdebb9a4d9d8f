// Commits a subscription's acked positions: coalesced per event-loop turn (and, with an interval,
// over at least that long since the last commit started), one commit request at a time (so a
// lower position can never land after a higher one), and each ack() settles with the commit after
// it. A commit counts only once the broker confirmed it (CommitLedger, fed by the
// consumer's COMMIT_OFFSETS event): kafkajs resolves commitOffsets without committing when its
// runner stopped meanwhile (a crash), and that must not pass for success.
// A commit that cannot be made now (the consumer is restarting after a broker restart, a
// rebalance moved the partition, a connection error) does not fail the ack: the message is
// written and the offsets stay due. A rejoin redelivers them (the subscription settles the
// already-acked ones without handing them out again) and commits then; if the subscription ends
// first, they are what Subscription.uncommitted() reports.
import type {Consumer} from 'kafkajs'
import {ConnectionError, TimeoutError} from '../../../errors.js'
import {kafkaErrorType, rootKafkaError, toMqkitError} from '../errors.js'
import type {CommitLedger} from './ledger.js'
import type {AssignmentAcks} from './offsets.js'

/** Commit errors meaning "this assignment is gone": the messages will be redelivered, not lost. */
const REBALANCE_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
])
/** @default 1000 — how soon a commit deferred by a transient error is tried again while the consumer is live. */
const RETRY_DEFERRED_MS = 1000

export interface CommitterOptions {
  consumer: Consumer
  topic: string
  groupId: string
  brokers: string
  ledger: CommitLedger
  /** The current generation's trackers. */
  tracker: () => AssignmentAcks
  /** Joined and not crashed since: commitOffsets would fail (or silently do nothing) otherwise. */
  live: () => boolean
  /** After every commit attempt (for the end-of-log check). */
  afterCommit: () => void
  /** ConsumeOptions.commitIntervalMs: least time between the starts of two scheduled commits. @default 0 */
  intervalMs?: number
}

/** The acks of one event-loop turn: they all settle with the same commit, so they share one promise. */
interface Turn {
  promise: Promise<void>
  resolve: () => void
  reject: (error: Error) => void
}

function newTurn(): Turn {
  const turn = {} as Turn
  turn.promise = new Promise<void>((resolve, reject) => {
    turn.resolve = resolve
    turn.reject = reject
  })
  return turn
}

export class Committer {
  private scheduled = false
  /** The turn whose acks the next commit settles; undefined when none waits. */
  private waiting: Turn | undefined
  private chain: Promise<void> = Promise.resolve()
  private running = 0
  private retryTimer: NodeJS.Timeout | undefined
  private closed = false
  /** When the last commit request was sent (performance.now()). */
  private lastStartMs = Number.NEGATIVE_INFINITY

  constructor(private readonly options: CommitterOptions) {
    options.consumer.on(options.consumer.events.COMMIT_OFFSETS, ({payload}) => {
      for (const t of payload.topics) {
        if (t.topic !== options.topic) continue
        for (const p of t.partitions) options.ledger.confirm(Number(p.partition), Number(p.offset))
      }
    })
  }

  /** A commit request is queued or in flight. */
  get busy(): boolean {
    return this.running > 0 || this.scheduled
  }

  /**
   * Commit on the next turn, or once `intervalMs` passed since the last commit started; resolves
   * once that commit was attempted. Calls before that commit starts get the same promise (one per
   * commit, not one per ack: the consumer's hot path).
   */
  schedule(): Promise<void> {
    const turn = (this.waiting ??= newTurn())
    if (!this.scheduled) {
      this.scheduled = true
      const waitMs = this.lastStartMs + (this.options.intervalMs ?? 0) - performance.now()
      const run = () => {
        this.scheduled = false
        void this.flush()
      }
      if (waitMs <= 0) setImmediate(run)
      else setTimeout(run, waitMs)
    }
    return turn.promise
  }

  /** Commit what is due now, after any commit in flight. Never rejects (waiters may). */
  flush(): Promise<void> {
    this.running++
    this.chain = this.chain
      .then(() => this.commitOnce())
      .finally(() => {
        this.running--
        this.options.afterCommit()
      })
    return this.chain
  }

  close(): void {
    this.closed = true
    clearTimeout(this.retryTimer)
  }

  private async commitOnce(): Promise<void> {
    const {consumer, topic, ledger} = this.options
    const settling = this.waiting
    this.waiting = undefined
    const tracker = this.options.tracker()
    const due = tracker.due()
    let failure: Error | undefined
    if (due.length > 0 && this.options.live()) {
      this.lastStartMs = performance.now()
      try {
        await consumer.commitOffsets(due.map(([partition, position]) => ({topic, partition, offset: String(position)})))
      } catch (error) {
        failure = this.fatal(error)
      }
    }
    const confirmed = due.filter(([partition, position]) => (ledger.confirmed(partition) ?? -1) >= position)
    tracker.markCommitted(confirmed)
    if (failure) {
      settling?.reject(failure)
      return
    }
    settling?.resolve()
    if (confirmed.length < due.length) this.retrySoon()
  }

  /** The error an ack should fail with, or undefined when the commit is merely deferred. */
  private fatal(error: unknown): Error | undefined {
    const {topic, groupId, brokers} = this.options
    if (!this.options.live() || REBALANCE_ERRORS.has(kafkaErrorType(error) ?? '')) return undefined
    // Retriable broker codes (a leader election after a restart, a coordinator moving) pass.
    if ((rootKafkaError(error) as {retriable?: unknown}).retriable === true) return undefined
    const mapped = toMqkitError(error, {action: `commit offsets of topic "${topic}" for group "${groupId}"`, topic, brokers})
    if (mapped instanceof ConnectionError || mapped instanceof TimeoutError || mapped.retriable) return undefined
    return mapped
  }

  private retrySoon(): void {
    if (this.closed || this.retryTimer) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      if (!this.closed && this.options.live() && this.options.tracker().due().length > 0) void this.flush()
    }, RETRY_DEFERRED_MS)
    this.retryTimer.unref()
  }
}
