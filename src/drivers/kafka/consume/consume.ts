// One kafkajs consumer (and one group member) per subscription. Manual commits only: ack() marks
// a message done and the partition's position is committed once every earlier delivery on it is
// acked too (offsets.ts, committer.ts). kafkajs has no prefetch credit, so eachMessage waits for a
// permit (heartbeating meanwhile) before handing over a delivery: at most `prefetch` unacked.
import {randomBytes} from 'node:crypto'
import type {Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage} from 'kafkajs'
import {TimeoutError, UsageError} from '../../../errors.js'
import {DEFAULT_PREFETCH} from '../../defaults.js'
import type {ConsumeOptions, EndReason, MessageHandler, Subscription} from '../../types.js'
import {withDeadline} from '../../deadline.js'
import {describeTopic, partitionOffsets, requireTopic} from '../admin/admin.js'
import type {AdminRunner} from '../clients.js'
import {Committer} from './committer.js'
import {RETRY} from '../config.js'
import {EndOfLog} from './end-of-log.js'
import {kafkaErrorType, toMqkitError} from '../errors.js'
import {KafkaDelivery, type DeliverySource, type PartitionHome} from './delivery.js'
import {committedOffsets} from '../admin/group-offsets.js'
import {CommitLedger} from './ledger.js'
import {Lane} from './lane.js'
import {AssignmentAcks, type PartitionAcks} from './offsets.js'
import {resolveStart} from './position.js'
import {Permits} from './permits.js'

/**
 * Group timings tuned for interactive use and tests: kafkajs defaults (30 s session, 60 s
 * rebalance, 5 s max fetch wait) make joins and hand-overs slow. heartbeatInterval must stay well
 * under sessionTimeout.
 */
export const GROUP_TIMINGS = {sessionTimeout: 10_000, rebalanceTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 100} as const

/**
 * @default 5000 — longest a refetched message waits for its first delivery (still with the
 * handler) to settle; a handler that holds it longer gets it again, marked redelivered.
 */
const REDELIVERY_WAIT_MS = 5000
/** @default 5000 — longest wait for the broker while closing (leave group) or checking a topic during a crash. */
const CLOSE_TIMEOUT_MS = 5000

export interface ConsumeDeps {
  kafka: Kafka
  admin: Admin
  withAdmin: AdminRunner
  brokers: string
  joinTimeoutMs: number
  /**
   * How long a crashed consumer keeps restarting (a broker restart, a leader move) before the
   * subscription ends with connection-lost. Counted from the first crash since the last join.
   */
  reconnectWindowMs: number
}

/** A live subscription as the driver sees it: for inspect's inFlight figure. */
export interface LocalSubscription extends Subscription {
  readonly topic: string
  readonly groupId: string
  /** Deliveries handed to the handler and not yet acked/nacked. */
  unsettled(): number
}

const SETTLED = Promise.resolve()
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())

export function ephemeralGroup(): string {
  return `mqkit-${process.pid}-${randomBytes(4).toString('hex')}`
}

export async function startSubscription(deps: ConsumeDeps, topic: string, options: ConsumeOptions, handler: MessageHandler): Promise<LocalSubscription> {
  const prefetch = options.prefetch ?? DEFAULT_PREFETCH
  if (!Number.isInteger(prefetch) || prefetch < 1) throw new UsageError(`prefetch must be an integer ≥ 1, got ${prefetch}`)
  const info = await requireTopic(deps.admin, topic, 'consume')
  const groupId = options.group ?? ephemeralGroup()
  const start = await deps.withAdmin(topic, (admin) => resolveStart(admin, topic, options.from ?? {kind: 'default'}, options.group))
  const autoAck = options.autoAck ?? false
  const permits = new Permits(prefetch)

  let acks = new AssignmentAcks()
  const ledger = new CommitLedger()
  const positioned = new Set<number>()
  let cancelled = false
  /** Joined, and not crashed or stopped since. */
  let live = false
  let crashStreakStartMs: number | undefined
  let unsettled = 0
  let endResolve!: (reason: EndReason) => void
  const ended = new Promise<EndReason>((resolve) => (endResolve = resolve))
  let endedWith: EndReason | undefined
  const end = (reason: EndReason) => {
    if (endedWith) return
    endedWith = reason
    permits.close()
    committer.close()
    endOfLog?.close()
    endResolve(reason)
  }

  const consumer: Consumer = deps.kafka.consumer({
    groupId,
    ...GROUP_TIMINGS,
    allowAutoTopicCreation: false,
    retry: {
      ...RETRY,
      // kafkajs restarts a crashed consumer forever by default; we keep restarting for a bounded
      // window (a broker restart, a leader move) and then end the subscription with the reason.
      restartOnFailure: async (error) => {
        if (cancelled) return false
        if (kafkaErrorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION' && !(await topicExists())) return false
        crashStreakStartMs ??= Date.now()
        return Date.now() - crashStreakStartMs <= deps.reconnectWindowMs
      },
    },
  })

  const topicExists = async () => {
    try {
      const described = await withDeadline(describeTopic(deps.admin, topic), CLOSE_TIMEOUT_MS, () => new TimeoutError('describe topic'))
      return described !== undefined
    } catch {
      return true // cannot tell: not "deleted"
    }
  }

  const committer = new Committer({
    consumer,
    topic,
    groupId,
    brokers: deps.brokers,
    ledger,
    tracker: () => acks,
    live: () => live,
    afterCommit: () => maybeEnd(),
    intervalMs: options.commitIntervalMs,
  })

  // ---- exitAtEnd: end once everything assigned is read, settled and its commit confirmed
  const endOfLog = options.exitAtEnd
    ? new EndOfLog(
        {
          endOffsets: () => deps.withAdmin(topic, (admin) => partitionOffsets(admin, topic)),
          committed: () => deps.withAdmin(topic, (admin) => committedOffsets(admin, groupId, topic)),
          fromBeginning: start.fromBeginning,
        },
        () => maybeEnd(),
      )
    : undefined
  const maybeEnd = () => {
    if (!endOfLog || endedWith || cancelled || unsettled > 0 || committer.busy) return
    if (!endOfLog.reached((partition) => ledger.confirmed(partition))) return
    if (ledger.uncommitted(endOfLog.partitions) > 0) return
    end({kind: 'end'})
    void cancel() // an ended subscription holds no group membership
  }

  // ---- positions and assignment generations
  const joined = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, ({payload}) => {
      live = true
      crashStreakStartMs = undefined
      acks = new AssignmentAcks() // a new generation: earlier deliveries can no longer commit
      const assigned = payload.memberAssignment[topic] ?? []
      const seeked = new Map<number, number>()
      for (const partition of assigned) {
        if (positioned.has(partition)) continue
        positioned.add(partition)
        const offset = start.seeks.get(partition)
        if (offset === undefined) continue
        consumer.seek({topic, partition, offset})
        seeked.set(partition, Number(offset))
      }
      endOfLog?.assigned(assigned, seeked)
      resolve()
    })
  })
  consumer.on(consumer.events.STOP, () => (live = false))
  consumer.on(consumer.events.CRASH, ({payload}) => {
    live = false
    if (payload.restart) return
    if (cancelled) return end({kind: 'cancelled'})
    void (async () => {
      if (!(await topicExists())) return end({kind: 'deleted', message: `topic "${topic}" was deleted`})
      const mapped = toMqkitError(payload.error, {action: `consume from topic "${topic}"`, topic, brokers: deps.brokers})
      end({kind: 'connection-lost', message: mapped.message})
    })()
  })

  /** Per partition: what this subscription handed out and acked (across group generations). */
  const homes = new Map<number, PartitionHome>()
  const homeOf = (partition: number) => {
    let home = homes.get(partition)
    if (!home) homes.set(partition, (home = {partition, lane: new Lane(), book: ledger.book(partition)}))
    return home
  }
  /** Who waits for an in-flight delivery to settle (a refetch after a rejoin; rare, so kept apart). */
  const settleWaiters = new Map<KafkaDelivery, Array<() => void>>()
  const settledSignal = (original: KafkaDelivery) =>
    new Promise<void>((resolve) => {
      const waiting = settleWaiters.get(original)
      if (waiting) waiting.push(resolve)
      else settleWaiters.set(original, [resolve])
    })
  /** Wait for `settledSignal` up to `limitMs`, heartbeating meanwhile; false when the subscription ends first. */
  const awaitSettled = async (settled: Promise<void>, limitMs: number, heartbeat: () => Promise<void>): Promise<boolean> => {
    const deadline = Date.now() + limitMs
    for (;;) {
      const done = await Promise.race([settled.then(() => true), delay(GROUP_TIMINGS.heartbeatInterval).then(() => false)])
      if (done) return true
      if (cancelled || endedWith) return false
      if (Date.now() >= deadline) return true
      await heartbeat()
    }
  }

  /** A delivery was acked (or dropped): free its permit, advance its partition's position, commit. */
  const settle = (delivery: KafkaDelivery): Promise<void> => {
    if (!delivery.markSettled()) return SETTLED
    unsettled--
    const home = delivery.home
    const offset = delivery.offsetNumber
    if (!autoAck) {
      home.lane.remove(delivery)
      const waiting = settleWaiters.size > 0 ? settleWaiters.get(delivery) : undefined
      if (waiting) {
        settleWaiters.delete(delivery)
        for (const wake of waiting) wake()
      }
      permits.release()
    }
    const acked = delivery.tracker
    acked.ack(offset)
    home.book.acked(offset, acked.committable)
    if (acked.generation !== acks) return SETTLED // revoked: left to whoever gets the partition
    return committer.schedule()
  }
  const ignore = () => {}
  const source: DeliverySource = {topic, autoAck, settle}

  /**
   * Hands one fetched record to the handler, or settles it at once when it was already written
   * here. The slow path: a record that may be a refetch after a rejoin, or one that must wait for a
   * permit. False when the subscription ended meanwhile (the record was not handed out).
   */
  const offerSlowly = async (home: PartitionHome, offset: number, message: KafkaMessage, heartbeat: () => Promise<void>): Promise<boolean> => {
    const {partition, lane} = home
    const seenBefore = offset <= lane.highest
    const original = autoAck || !seenBefore ? undefined : lane.find(offset)
    // Refetched after a rejoin while the first delivery is still with the handler (written but
    // not yet acked): wait for it, so that an acked one is not handed out a second time.
    if (original && !(await awaitSettled(settledSignal(original), REDELIVERY_WAIT_MS, heartbeat))) return false
    if (seenBefore && ledger.alreadySettled(partition, offset)) {
      // Redelivered after a rejoin because its commit did not get through (a broker restart): it
      // was written and acked here already, so it is settled again without a second delivery.
      const tracker = acks.partition(partition)
      tracker.deliver(offset)
      tracker.ack(offset)
      void committer.schedule().catch(ignore)
      return true
    }
    // Wait for a permit, heartbeating so a slow handler does not get this member evicted; a
    // heartbeat that reports a rebalance throws, and kafkajs rejoins: the record is fetched again.
    if (!autoAck && !permits.tryAcquire()) {
      while (!(await permits.acquire(GROUP_TIMINGS.heartbeatInterval))) {
        if (cancelled || endedWith) return false
        await heartbeat()
      }
      if (cancelled || endedWith) {
        permits.release()
        return false
      }
    }
    // lane.highest read after the waits: the first delivery may have been handed out meanwhile
    handOut(home, acks.partition(partition), offset, message, offset <= lane.highest)
    return true
  }

  /** Gives the handler a delivery for a record that holds a permit (or needs none: autoAck). */
  const handOut = (home: PartitionHome, tracker: PartitionAcks, offset: number, message: KafkaMessage, redelivered: boolean) => {
    if (!redelivered) home.lane.highest = offset
    tracker.deliver(offset)
    unsettled++
    const delivery = new KafkaDelivery(source, home, tracker, offset, message, redelivered)
    if (autoAck) void settle(delivery).catch(ignore)
    else home.lane.add(delivery)
    try {
      // Not awaited: the handler may ack later; prefetch bounds how many are outstanding.
      const handled = handler(delivery)
      if (handled !== undefined) void handled.then(undefined, ignore)
    } catch {
      // a throwing handler leaves the message unacked: it is redelivered to the next member
    }
  }

  // A whole fetched batch per call: the records go to the handler in one synchronous run while
  // permits last (no promise or extra turn per record), and kafkajs's per-record bookkeeping of
  // eachMessage (a seek check, an offset resolved with 64-bit arithmetic, a heartbeat check) is
  // left out. The batch's position is resolved once, after its last record was handed out; a
  // batch left early (the subscription ended, a seek) resolves only what was handed out, as
  // eachMessage does, so kafkajs fetches the rest again.
  const eachBatch = async ({batch, heartbeat, resolveOffset, isStale}: EachBatchPayload): Promise<void> => {
    const partition = batch.partition
    const home = homeOf(partition)
    const lane = home.lane
    let tracker = acks.partition(partition)
    let handedOut: string | undefined
    let stale = false
    for (const message of batch.messages) {
      if (cancelled || endedWith || stale) break
      const offset = Number(message.offset)
      // The hot path: an offset above every one handed out here is new (only one at or below may
      // be a refetch after a rejoin), and a free permit is taken at once.
      if (offset > lane.highest && (autoAck || permits.tryAcquire())) handOut(home, tracker, offset, message, false)
      else {
        if (!(await offerSlowly(home, offset, message, heartbeat))) break
        tracker = acks.partition(partition) // a rejoin during the wait starts a new generation
        stale = isStale() // a seek during the wait (a rejoin's start position) replaces the rest of this batch
      }
      handedOut = message.offset
    }
    if (handedOut !== undefined) resolveOffset(handedOut)
  }

  try {
    await consumer.connect()
    await consumer.subscribe({topics: [topic], fromBeginning: start.fromBeginning})
    await consumer.run({autoCommit: false, eachBatchAutoResolve: false, eachBatch})
    await withDeadline(
      joined,
      deps.joinTimeoutMs,
      () =>
        new TimeoutError(
          `timed out after ${deps.joinTimeoutMs} ms joining consumer group "${groupId}" for topic "${topic}" (${info.partitions.length} partitions)`,
        ),
    )
  } catch (error) {
    cancelled = true
    endOfLog?.close()
    committer.close()
    await consumer.disconnect().catch(() => {})
    throw toMqkitError(error, {action: `consume from topic "${topic}"`, topic, brokers: deps.brokers})
  }

  let cancelling: Promise<void> | undefined
  const cancel = (): Promise<void> =>
    (cancelling ??= (async () => {
      cancelled = true
      permits.close() // unblock eachMessage so kafkajs can stop
      await committer.flush() // acked-but-uncommitted positions first (deferred if the consumer is down)
      committer.close()
      endOfLog?.close()
      // Leaving the group needs the broker; a dead one must not hold up the caller.
      await withDeadline(consumer.disconnect(), CLOSE_TIMEOUT_MS, () => new TimeoutError('disconnect')).catch(() => {})
      end({kind: 'cancelled'})
    })())

  return {cancel, ended, topic, groupId, unsettled: () => unsettled, uncommitted: () => ledger.uncommitted()}
}
