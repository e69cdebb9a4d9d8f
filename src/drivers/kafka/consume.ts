// One kafkajs consumer (and one group member) per subscription. Manual commits only: ack() marks
// a message done and the partition's position is committed once every earlier delivery on it is
// acked too (offsets.ts). kafkajs has no prefetch credit, so eachMessage waits for a permit
// (heartbeating meanwhile) before handing over a delivery: at most `prefetch` unacked at once.
import {randomBytes} from 'node:crypto'
import type {Admin, Consumer, EachMessagePayload, Kafka} from 'kafkajs'
import {TimeoutError, UnsupportedError, UsageError} from '../../errors.js'
import type {ConsumeOptions, Delivery, EndReason, MessageHandler, Subscription} from '../types.js'
import {withDeadline} from '../deadline.js'
import {describeTopic, requireTopic} from './admin.js'
import type {AdminRunner} from './clients.js'
import {RETRY} from './config.js'
import {kafkaErrorType, toMqkitError} from './errors.js'
import {headersFromRecord} from './headers.js'
import {AssignmentAcks} from './offsets.js'
import {resolveStart} from './position.js'
import {Permits} from './permits.js'

/**
 * Group timings tuned for interactive use and tests: kafkajs defaults (30 s session, 60 s
 * rebalance, 5 s max fetch wait) make joins and hand-overs slow. heartbeatInterval must stay well
 * under sessionTimeout.
 */
export const GROUP_TIMINGS = {sessionTimeout: 10_000, rebalanceTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 100} as const

/** @default 100 (DriverContract ConsumeOptions.prefetch) */
const DEFAULT_PREFETCH = 100
/** Consecutive crashes (without a successful join between them) before we give up. */
const MAX_RESTARTS = 5
/** Commit errors meaning "this assignment is gone": the messages will be redelivered, not lost. */
const REBALANCE_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR', 'FENCED_INSTANCE_ID'])

export interface ConsumeDeps {
  kafka: Kafka
  admin: Admin
  withAdmin: AdminRunner
  brokers: string
  joinTimeoutMs: number
}

/** A live subscription as the driver sees it: for inspect's inFlight figure. */
export interface LocalSubscription extends Subscription {
  readonly topic: string
  readonly groupId: string
  /** Deliveries handed to the handler and not yet acked/nacked. */
  unsettled(): number
}

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
  const positioned = new Set<number>()
  /** Highest offset handed out per partition by this subscription: seeing it again = redelivery. */
  const highestDelivered = new Map<number, number>()
  let cancelled = false
  let restarts = 0
  let unsettled = 0
  let endResolve!: (reason: EndReason) => void
  const ended = new Promise<EndReason>((resolve) => (endResolve = resolve))
  let endedWith: EndReason | undefined
  const end = (reason: EndReason) => {
    if (endedWith) return
    endedWith = reason
    permits.close()
    endResolve(reason)
  }

  const consumer: Consumer = deps.kafka.consumer({
    groupId,
    ...GROUP_TIMINGS,
    allowAutoTopicCreation: false,
    retry: {
      ...RETRY,
      // kafkajs restarts a crashed consumer forever by default; we restart a few times (a
      // broker restart, a leader move) and otherwise end the subscription with the reason.
      restartOnFailure: async (error) => {
        if (cancelled) return false
        if (kafkaErrorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION' && !(await topicExists())) return false
        return ++restarts <= MAX_RESTARTS
      },
    },
  })

  const topicExists = async () => {
    try {
      return (await describeTopic(deps.admin, topic)) !== undefined
    } catch {
      return true // cannot tell: not "deleted"
    }
  }

  // ---- commits: coalesced per event-loop turn; each ack() settles with the commit after it
  let commitScheduled = false
  let waiting: Array<{resolve: () => void; reject: (error: Error) => void}> = []
  const scheduleCommit = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      waiting.push({resolve, reject})
      if (commitScheduled) return
      commitScheduled = true
      setImmediate(() => void commitNow())
    })
  const commitNow = async () => {
    commitScheduled = false
    const settling = waiting
    waiting = []
    const tracker = acks
    const due = tracker.due()
    try {
      if (due.length > 0) {
        await consumer.commitOffsets(due.map(([partition, position]) => ({topic, partition, offset: String(position)})))
        tracker.markCommitted(due)
      }
      for (const w of settling) w.resolve()
    } catch (error) {
      if (REBALANCE_ERRORS.has(kafkaErrorType(error) ?? '')) {
        // The assignment moved on; these messages will be delivered again (redelivered=true).
        for (const w of settling) w.resolve()
        return
      }
      const mapped = toMqkitError(error, {action: `commit offsets of topic "${topic}" for group "${groupId}"`, topic, brokers: deps.brokers})
      for (const w of settling) w.reject(mapped)
    }
  }

  // ---- positions and assignment generations
  const joined = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, ({payload}) => {
      restarts = 0
      acks = new AssignmentAcks() // a new generation: earlier deliveries can no longer commit
      for (const partition of payload.memberAssignment[topic] ?? []) {
        if (positioned.has(partition)) continue
        positioned.add(partition)
        const offset = start.seeks.get(partition)
        if (offset !== undefined) consumer.seek({topic, partition, offset})
      }
      resolve()
    })
  })
  consumer.on(consumer.events.CRASH, ({payload}) => {
    if (payload.restart) return
    if (cancelled) return end({kind: 'cancelled'})
    void (async () => {
      if (!(await topicExists())) return end({kind: 'deleted', message: `topic "${topic}" was deleted`})
      const mapped = toMqkitError(payload.error, {action: `consume from topic "${topic}"`, topic, brokers: deps.brokers})
      end({kind: 'connection-lost', message: mapped.message})
    })()
  })

  const eachMessage = async ({partition, message, heartbeat}: EachMessagePayload): Promise<void> => {
    if (!autoAck) {
      // Heartbeat while waiting so a slow handler does not get this member evicted. A heartbeat
      // that reports a rebalance throws, and kafkajs rejoins: the message is fetched again.
      while (!(await permits.acquire(GROUP_TIMINGS.heartbeatInterval))) {
        if (cancelled || endedWith) return
        await heartbeat()
      }
      if (cancelled || endedWith) {
        permits.release()
        return
      }
    }
    const offset = Number(message.offset)
    const previous = highestDelivered.get(partition)
    const redelivered = previous !== undefined && offset <= previous
    if (!redelivered) highestDelivered.set(partition, offset)
    const tracker = acks
    tracker.partition(partition).deliver(offset)
    let settled = false
    unsettled++
    const settle = (): Promise<void> => {
      if (settled) return Promise.resolve()
      settled = true
      unsettled--
      if (!autoAck) permits.release()
      tracker.partition(partition).ack(offset)
      return tracker === acks ? scheduleCommit() : Promise.resolve()
    }
    const received = headersFromRecord(message.headers)
    const delivery: Delivery = {
      queue: topic,
      body: message.value ?? Buffer.alloc(0),
      key: message.key === null ? undefined : message.key.toString(),
      headers: received.headers,
      messageId: received.messageId,
      correlationId: received.correlationId,
      contentType: received.contentType,
      redelivered,
      deliveryCount: redelivered ? 2 : 1,
      timestampMs: Number(message.timestamp) || 0,
      partition,
      offset: message.offset,
      ack: () => (autoAck ? Promise.resolve() : settle()),
      nack: (requeue: boolean) => {
        if (autoAck || settled) return Promise.resolve()
        // Kafka cannot put one message back; dropping it (requeue=false) = moving past it.
        if (requeue) return Promise.reject(new UnsupportedError('nack with requeue is not supported on kafka:// (a log cannot put one message back)'))
        return settle()
      },
    }
    if (autoAck) void settle()
    try {
      // Not awaited: the handler may ack later; prefetch bounds how many are outstanding.
      void Promise.resolve(handler(delivery)).catch(() => {})
    } catch {
      // a throwing handler leaves the message unacked: it is redelivered to the next member
    }
  }

  try {
    await consumer.connect()
    await consumer.subscribe({topics: [topic], fromBeginning: start.fromBeginning})
    await consumer.run({autoCommit: false, eachMessage})
    await withDeadline(
      joined,
      deps.joinTimeoutMs,
      () => new TimeoutError(`timed out after ${deps.joinTimeoutMs} ms joining consumer group "${groupId}" for topic "${topic}" (${info.partitions.length} partitions)`),
    )
  } catch (error) {
    cancelled = true
    await consumer.disconnect().catch(() => {})
    throw toMqkitError(error, {action: `consume from topic "${topic}"`, topic, brokers: deps.brokers})
  }

  let cancelling: Promise<void> | undefined
  const cancel = (): Promise<void> =>
    (cancelling ??= (async () => {
      cancelled = true
      permits.close() // unblock eachMessage so kafkajs can stop
      if (!endedWith) await commitNow().catch(() => {}) // acked-but-uncommitted positions first
      await consumer.disconnect().catch(() => {})
      end({kind: 'cancelled'})
    })())

  return {cancel, ended, topic, groupId, unsettled: () => unsettled}
}
