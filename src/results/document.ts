// The versioned JSON result document: what `run()` returns, what --json prints, what the tables
// are drawn from, and what `report` (later) re-reads and merges. Change the shape only with a
// schemaVersion bump. All durations are milliseconds unless a name says otherwise.
import os from 'node:os'
import type {EncodedHistogram, LatencySummary} from '../metrics/histogram.js'
import {littlesLaw, timeInQueueMs, type LittlesLaw} from '../metrics/littles-law.js'
import type {QueueLengthSampler} from '../metrics/queue-length.js'
import {rate} from '../metrics/throughput.js'
import {clientVersions} from '../drivers/package-version.js'
import type {IntegrityFigures} from '../bench/integrity.js'
import type {AvailabilityFigures} from './availability.js'
import {LATENCY_KINDS, type IntervalStats, type LatencyKind, type Measurements} from '../bench/measurements.js'
import type {BenchOptions} from '../bench/options.js'
import {producerIdOf} from '../bench/shard.js'
import type {EncodedReceipts} from './receipts.js'

export const RESULT_SCHEMA = 'mqkit-bench-result'
export const RESULT_SCHEMA_VERSION = 1

export interface ThroughputFigures {
  count: number
  bytes: number
  /** Measured window the rate is over: from the end of warmup to the last event. */
  elapsedMs: number
  perSecond: number
  bytesPerSecond: number
}

export interface AssertionOutcome {
  expression: string
  metric: string
  operator: string
  /** Threshold in the metric's unit (ms for latencies, msg/s, counts). */
  threshold: number
  actual: number
  passed: boolean
}

export interface HealthFigures {
  eventLoopDelay: {meanMs: number; p50Ms: number; p99Ms: number; maxMs: number}
  /** Load-generator CPU time over wall time (100 = one core busy). */
  cpuPercent: number
  /** Share of wall time (%) in which sleep-mode handlers spun the event loop to their exact
   *  deadlines (work.ts): part of cpuPercent that is waiting, not load. Optional in the type:
   *  results saved before it was added lack it. */
  precisionWaitPercent?: number
  /** Open loop: how late sends left versus their schedule (p99, ms); null in closed loop. */
  scheduleLagP99Ms: number | null
  ackErrors: number
  queueSampleErrors: number
  /** Why the figures may describe mqkit rather than the broker. */
  warnings: string[]
}

/** What a shard's result says about its place in the run (`bench --shard`; merged by results/shards.ts). */
export interface ShardMeta {
  runId: string
  index: number
  count: number
  attempt: number
  /** --start-at, wall clock ms since the epoch. */
  startAt: number
  /** Wall clock (ms since the epoch, this host's clock) of the shard's first send; null if it sent nothing. */
  firstSendAt: number | null
  /** The producer ids this shard stamped: [first, first + count). Distinct across shards and attempts. */
  producerIds: {first: number; count: number}
  /** --shared-queues: the shards used one set of queues (absent: each its own). */
  sharedQueues?: true
}

export interface BenchResult {
  schema: typeof RESULT_SCHEMA
  schemaVersion: typeof RESULT_SCHEMA_VERSION
  meta: {
    mqkitVersion: string
    node: string
    backend: string
    /** Redacted: never carries a password. */
    url: string
    /** Broker and client-library versions where the driver can tell (Driver.serverInfo), else null.
     *  Optional in the type: results saved before it was added (and merged ones) lack it. */
    server?: Record<string, string> | null
    /** The installed client libraries and their versions ({amqplib, kafkajs, better-sqlite3}), as
     *  mqkit --version names them. Optional in the type: results saved before it was added lack it. */
    clients?: Record<string, string>
    queues: string[]
    host: {hostname: string; platform: string; arch: string; cpus: number; cpuModel: string; totalMemoryBytes: number}
    startedAt: string
    finishedAt: string
    /** Wall time of the whole run (warmup and drain included). */
    elapsedMs: number
    /** Length of the measured window (after warmup, until production ended). */
    measuredMs: number
    interrupted: boolean
    /** Set when the run was one shard of several (bench --shard). */
    shard?: ShardMeta
  }
  workload: BenchOptions & {mode: 'closed-loop' | 'open-loop'}
  throughput: {published: ThroughputFigures; consumed: ThroughputFigures; targetPerSecond: number | null}
  latency: {
    /** send → broker confirm */
    publish: LatencySummary
    /** send → consumer receipt (monotonic ns clock, one host) */
    endToEnd: LatencySummary
    /** intended send time → consumer receipt: corrected for coordinated omission (open loop only) */
    endToEndCorrected: LatencySummary | null
    /** actual − intended send time (open loop only) */
    publishDelay: LatencySummary | null
    /** Samples with a negative clock difference: counted here, never made absolute; on the monotonic
     *  clock not recorded, on the wall clock recorded as 0 (measurements.ts recordNegativeAsZero). */
    negativeClockSamples: number
    /**
     * The clock end-to-end latencies were taken on: 'wall' (--shared-queues: send time on the
     * sender's host, receipt on the receiver's, so they include the hosts' clock offset). Absent:
     * one host's monotonic clock.
     */
    clock?: 'wall'
  }
  /** Consumer handling time per message, receipt → ack; mean is the exact ΣTᵢ/n. */
  handling: LatencySummary
  queueLength: {sampleIntervalMs: number; samples: number; mean: number; max: number; series: Array<[tMs: number, length: number]>}
  /** ackSettleMs: the part of W from ack to settled ack (Kafka: until the commit after it landed), mean;
   *  optional in the type: results saved before it was added lack it. */
  littlesLaw: LittlesLaw & {ackSettleMs?: number}
  integrity: IntegrityFigures
  /** A --shared-queues shard's receipts, from which `report merge` judges the run's integrity (receipts.ts). */
  receipts?: EncodedReceipts
  /** Broker failures seen by the run (bench --recover, --fault-cmd); absent when neither was on. */
  availability?: AvailabilityFigures
  health: HealthFigures
  intervals: IntervalStats[]
  histograms: Record<LatencyKind, EncodedHistogram>
  assertions: AssertionOutcome[]
}

export interface ResultInputs {
  options: BenchOptions
  mqkitVersion: string
  backend: string
  url: string
  server: Record<string, string> | null
  queues: string[]
  startedAt: Date
  finishedAt: Date
  elapsedMs: number
  /** clock.ts nanoseconds */
  measureStartNs: number
  productionEndNs: number
  /** ms on the sampler's clock (since run start) where the measured window begins / ends. */
  measureStartMs: number
  measureEndMs: number
  measurements: Measurements
  sampler: QueueLengthSampler | undefined
  integrity: IntegrityFigures
  availability?: AvailabilityFigures
  health: HealthFigures
  interrupted: boolean
  /** Wall clock (ms since the epoch) of the first send; null when nothing was sent. */
  firstSendAtMs?: number | null
}

function windowMs(fromNs: number, toNs: number): number {
  return toNs > fromNs ? (toNs - fromNs) / 1e6 : 0
}

export function buildResult(input: ResultInputs): BenchResult {
  const m = input.measurements
  const {shard, ...o} = input.options
  const openLoop = o.rate !== undefined
  const publishedTotals = m.published.totals(windowMs(input.measureStartNs, m.lastConfirmNs))
  const consumedTotals = m.consumed.totals(windowMs(input.measureStartNs, m.lastReceiveNs))
  const queue = input.sampler?.figures(input.measureStartMs, input.measureEndMs) ?? {samples: 0, mean: 0, max: 0}
  const publishLatency = m.total.publish.summary()
  const ackSettleMs = m.ackSettleMeanMs
  const wMs = timeInQueueMs(m.sojournCount > 0 ? m.sojournSumNs / m.sojournCount / 1e6 : 0, publishLatency.count > 0 ? publishLatency.mean : 0, ackSettleMs)
  const target = o.rate && o.rate.length === 1 ? o.rate[0].perSecond : null
  const cpus = os.cpus()
  return {
    schema: RESULT_SCHEMA,
    schemaVersion: RESULT_SCHEMA_VERSION,
    meta: {
      mqkitVersion: input.mqkitVersion,
      node: process.version,
      backend: input.backend,
      url: input.url,
      server: input.server,
      clients: clientVersions(),
      queues: input.queues,
      host: {
        hostname: os.hostname(),
        platform: os.platform(),
        arch: os.arch(),
        cpus: cpus.length,
        cpuModel: cpus[0]?.model ?? 'unknown',
        totalMemoryBytes: os.totalmem(),
      },
      startedAt: input.startedAt.toISOString(),
      finishedAt: input.finishedAt.toISOString(),
      elapsedMs: input.elapsedMs,
      measuredMs: windowMs(input.measureStartNs, input.productionEndNs),
      interrupted: input.interrupted,
      ...(shard ? {shard: shardMeta(shard, input.firstSendAtMs ?? null, o.producers)} : {}),
    },
    workload: {...o, mode: openLoop ? 'open-loop' : 'closed-loop'},
    throughput: {
      published: {...publishedTotals, perSecond: rate(publishedTotals.count, publishedTotals.elapsedMs)},
      consumed: consumedTotals,
      targetPerSecond: target,
    },
    latency: {
      publish: publishLatency,
      endToEnd: m.total.endToEnd.summary(),
      endToEndCorrected: openLoop ? m.total.endToEndCorrected.summary() : null,
      publishDelay: openLoop ? m.total.publishDelay.summary() : null,
      negativeClockSamples: m.negativeSamples,
      ...(shard?.sharedQueues ? {clock: 'wall' as const} : {}),
    },
    handling: m.total.handling.summary(),
    queueLength: {
      sampleIntervalMs: o.sampleIntervalMs,
      samples: queue.samples,
      mean: queue.mean,
      max: queue.max,
      series: (input.sampler?.series ?? []).map((p) => [Math.round(p.tMs * 1000) / 1000, p.length]),
    },
    littlesLaw: {...littlesLaw(queue.mean, consumedTotals.perSecond, wMs), ackSettleMs},
    integrity: input.integrity,
    ...(input.availability ? {availability: input.availability} : {}),
    health: input.health,
    intervals: m.intervals,
    histograms: Object.fromEntries(LATENCY_KINDS.map((kind) => [kind, m.total[kind].encode()])) as Record<LatencyKind, EncodedHistogram>,
    assertions: [],
  }
}

function shardMeta(plan: NonNullable<BenchOptions['shard']>, firstSendAt: number | null, producers: number): ShardMeta {
  return {
    runId: plan.runId,
    index: plan.index,
    count: plan.count,
    attempt: plan.attempt,
    startAt: plan.startAtMs,
    firstSendAt: firstSendAt === null ? null : Math.round(firstSendAt * 1000) / 1000,
    producerIds: {first: producerIdOf(plan, 0), count: producers},
    ...(plan.sharedQueues ? {sharedQueues: true as const} : {}),
  }
}
