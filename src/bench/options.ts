// Every bench option with its default, in one place. The command maps its typed flags onto
// `benchOptionsFrom`; tests and perf scripts build `BenchOptions` directly.
import {readFileSync, statSync} from 'node:fs'
import {DEFAULT_CONFIRM_WINDOW} from '../drivers/confirm-window.js'
import {DEFAULT_PREFETCH} from '../drivers/defaults.js'
import {UsageError} from '../errors.js'
import {parseBytes, parseDurationMs, parseNumber} from '../flag-grammars.js'
import {STAMP_BYTES} from './message/stamp.js'
import type {FaultSpec} from './faults/fault.js'

/** The shard of a run this process is, as the flags and the scheduler gave it. */
export interface ShardSpec {
  /** Shared by every shard of one run (letters, digits, `.`, `_`, `-`): names the queues, checked by merge. */
  runId: string
  /** 0 … count−1. */
  index: number
  count: number
  /** Retries of one index count up from 0 (`--attempt`, MQKIT_ATTEMPT). @default 0 */
  attempt: number
  /** Wall clock (ms since the epoch) every shard waits for before it produces. @default now */
  startAtMs: number
  /**
   * --shared-queues: every shard uses the run's one set of queues, its consumers read any shard's
   * messages, latencies are taken on the hosts' wall clocks (clock.ts wallClockOffsetNs) and
   * integrity is judged by `report merge` from every shard's receipts. @default false (queues of its own)
   */
  sharedQueues: boolean
}

/** A shard's place in the whole workload: what its runner needs besides its share of the options. */
export interface ShardPlan extends ShardSpec {
  /** The whole run's producers (the producer-id space of one attempt). */
  totalProducers: number
  /** Run-wide index of this shard's first producer. */
  producerBase: number
  /** Run-wide index of this shard's first consumer. */
  consumerBase: number
}

/** One step of an open-loop schedule: `perSecond` for `durationMs` (the last step may be open-ended). */
export interface RateStep {
  perSecond: number
  durationMs?: number
}

/** Simulated consumer handling time per message. */
export type WorkSpec = {kind: 'none'} | {kind: 'fixed'; ms: number} | {kind: 'uniform'; minMs: number; maxMs: number} | {kind: 'exponential'; meanMs: number}

/** How simulated work passes the time (see work.ts). */
export type WorkMode = 'sleep' | 'spin'

export interface BenchOptions {
  /** Worker threads the producers and consumers are spread over (network backends). @default 1 */
  workers: number
  /** Producer connections, each with its own publish loop. @default 1 */
  producers: number
  /** Consumer connections, each with one subscription. 0 = publish only. @default 1 */
  consumers: number
  /** Queues; producer i publishes to and consumer j reads from queue (index mod queues). @default 1 */
  queues: number
  /** Message body size in bytes, including the 40-byte timing stamp. @default 1024 */
  sizeBytes: number
  /** Upper bound for a uniform size range (`--size 512-4KiB`); equals sizeBytes when fixed. */
  maxSizeBytes: number
  /** Total messages over all producers (warmup included). Exclusive with durationMs. */
  count?: number
  /** Production time after warmup. @default 10000 when neither count nor timed rate steps are given */
  durationMs?: number
  /** Leading period whose events are excluded from the results. @default 0 */
  warmupMs: number
  /** Open loop: the schedule (total over all producers). Undefined = closed loop. */
  rate?: RateStep[]
  /** Open-loop inter-arrival distribution. @default 'uniform' */
  arrivals: 'uniform' | 'poisson'
  /** Simulated handling time per message, passed as `workMode` says. @default none */
  work: WorkSpec
  /** `sleep`: a timer wait, handlers overlap (IO-bound; concurrency studies). `spin`: a busy-wait
   *  to the exact deadline, one handler at a time (CPU-bound; known ground truth). @default 'sleep' */
  workMode: WorkMode
  /** Unconfirmed publishes one producer may have outstanding. Large enough to hide a broker round
   *  trip at high rates, small enough to bound memory and closed-loop queueing.
   *  @default 1000 (confirm-window.ts DEFAULT_CONFIRM_WINDOW) */
  confirmWindow: number
  /** Unacked deliveries per consumer. @default 100 */
  prefetch: number
  /** Persistent (durable) messages. @default false */
  persistent: boolean
  /** Per-message priority (queue declared with maxPriority = this value). */
  priority?: number
  /** Keep the queues after the run instead of deleting them. @default false */
  keep: boolean
  /** Tick (progress, --ndjson, per-interval series) period. @default 1000 */
  intervalMs: number
  /** Queue-length sampling period (driver.inspect). @default 100 */
  sampleIntervalMs: number
  /** After production ends, wait this long at most for consumers to receive the rest. @default 10000 */
  drainTimeoutMs: number
  /** Queue name (or prefix when queues > 1). @default `mqkit-bench-<random id>` */
  queueName?: string
  /** Payload bytes from this file, behind the 40-byte stamp (sizeBytes = 40 + file size). @default random bytes */
  payloadFile?: string
  /**
   * Where the timing stamp travels: the body's first 40 bytes, or a `mqkit-stamp` header with the
   * body left to the payload alone (message/stamp-header.ts). @default header on kafka://, body elsewhere
   */
  stamp?: 'body' | 'header'
  /** One record key for every message (Kafka: one partition). */
  key?: string
  /** Keys `key-0` … `key-(N−1)` in turn per producer (Kafka: spread over partitions); order is judged per key. */
  keys?: number
  /** RabbitMQ queue type for the bench queues (quorum and stream queues are durable). @default broker default (classic) */
  queueType?: 'classic' | 'quorum' | 'stream'
  /** RabbitMQ: acknowledge with multiple=true every N messages (PerfTest --multi-ack-every). @default each message */
  multiAck?: number
  /** RabbitMQ: publish mandatory, so a message the broker cannot route comes back and counts as a
   *  publish error (PerfTest --flag mandatory). Off by default: the bench declared its queues, and
   *  a message lost anyway shows in the integrity counts. @default false */
  mandatory?: boolean
  /** Kafka: partitions per bench topic. @default broker default */
  partitions?: number
  /** Kafka: acknowledgements a publish waits for. @default broker/driver default (all) */
  acks?: 'all' | 'leader' | 'none'
  /** --shard: this process runs one shard's share (shard.ts shardOptions); the result says which in
   *  `meta.shard`, not in `workload`. @default none (the whole workload) */
  shard?: ShardPlan
  /**
   * --recover: ride out a lost connection, reconnecting with backoff for up to this long per
   * outage (drivers/resilient.ts), and account for every message. @default off (a lost
   * connection ends the run, exit 3)
   */
  recoverMs?: number
  /** --fault-at/--fault-cmd: shell commands run at set times of the run (faults/fault.ts). @default none */
  faults?: FaultSpec[]
}

/** Kafka `acks` codes for BenchOptions.acks. */
export const ACKS_CODES = {all: -1, leader: 1, none: 0} as const

/** The key a message with this sequence number carries, and its index (for the stamp); undefined for none. */
export function keyOf(options: Pick<BenchOptions, 'key' | 'keys'>, sequence: number): {key: string; index: number} | undefined {
  if (options.key !== undefined) return {key: options.key, index: 0}
  if (options.keys !== undefined) {
    const index = sequence % options.keys
    return {key: `key-${index}`, index}
  }
  return undefined
}

/** The payload file's bytes (read when the run starts). */
export function readPayloadFile(file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (error) {
    throw new UsageError(`--payload ${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
}

export const BENCH_DEFAULTS = {
  workers: 1,
  producers: 1,
  consumers: 1,
  queues: 1,
  sizeBytes: 1024,
  durationMs: 10_000,
  warmupMs: 0,
  arrivals: 'uniform',
  workMode: 'sleep',
  confirmWindow: DEFAULT_CONFIRM_WINDOW,
  prefetch: DEFAULT_PREFETCH,
  persistent: false,
  keep: false,
  intervalMs: 1000,
  sampleIntervalMs: 100,
  drainTimeoutMs: 10_000,
} as const

export function defaultBenchOptions(overrides: Partial<BenchOptions> = {}): BenchOptions {
  const options: BenchOptions = {
    workers: BENCH_DEFAULTS.workers,
    producers: BENCH_DEFAULTS.producers,
    consumers: BENCH_DEFAULTS.consumers,
    queues: BENCH_DEFAULTS.queues,
    sizeBytes: BENCH_DEFAULTS.sizeBytes,
    maxSizeBytes: overrides.sizeBytes ?? BENCH_DEFAULTS.sizeBytes,
    warmupMs: BENCH_DEFAULTS.warmupMs,
    arrivals: BENCH_DEFAULTS.arrivals,
    work: {kind: 'none'},
    workMode: BENCH_DEFAULTS.workMode,
    confirmWindow: BENCH_DEFAULTS.confirmWindow,
    prefetch: BENCH_DEFAULTS.prefetch,
    persistent: BENCH_DEFAULTS.persistent,
    keep: BENCH_DEFAULTS.keep,
    intervalMs: BENCH_DEFAULTS.intervalMs,
    sampleIntervalMs: BENCH_DEFAULTS.sampleIntervalMs,
    drainTimeoutMs: BENCH_DEFAULTS.drainTimeoutMs,
    ...overrides,
  }
  if (options.count === undefined && options.durationMs === undefined && !rateStepsAreTimed(options.rate)) {
    options.durationMs = BENCH_DEFAULTS.durationMs
  }
  return options
}

/** Largest --payload file: bodies are held in memory by the thousand. */
const MAX_PAYLOAD_FILE_BYTES = 64 * 1024 * 1024

/**
 * The options a run was given (typed flag values, src/flags.ts; absent = the default) → complete,
 * checked options. Checks what no single flag can: combinations, and the --payload file.
 */
export function benchOptionsFrom(given: Partial<BenchOptions>): BenchOptions {
  const o: Partial<BenchOptions> = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined))
  if (o.payloadFile !== undefined) {
    if (o.sizeBytes !== undefined) throw new UsageError('--payload and --size cannot be used together (the file sets the size)')
    o.sizeBytes = o.maxSizeBytes = STAMP_BYTES + payloadFileBytes(o.payloadFile)
  }
  if (o.key !== undefined && o.keys !== undefined) throw new UsageError('--key and --keys cannot be used together')
  if (o.faults?.length === 0) delete o.faults
  if ((o.recoverMs !== undefined || o.faults) && o.workers !== undefined && o.workers > 1) {
    throw new UsageError(`--${o.recoverMs !== undefined ? 'recover' : 'fault-at'} runs in one process: it cannot be combined with --workers ${o.workers}`)
  }
  if (o.count !== undefined && o.durationMs !== undefined) throw new UsageError('--count and --duration cannot be used together')
  if (o.arrivals === 'poisson' && o.rate === undefined) throw new UsageError('--arrivals poisson needs --rate (open loop)')
  const options = defaultBenchOptions(o)
  validate(options)
  return options
}

function payloadFileBytes(file: string): number {
  let bytes: number
  try {
    const stat = statSync(file)
    if (!stat.isFile()) throw new UsageError(`--payload ${file}: not a file`)
    bytes = stat.size
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(`--payload ${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
  if (bytes > MAX_PAYLOAD_FILE_BYTES) throw new UsageError(`--payload ${file}: ${bytes} bytes is more than the ${MAX_PAYLOAD_FILE_BYTES} allowed`)
  return bytes
}

function validate(options: BenchOptions): void {
  if (options.consumers > 0 && options.consumers < options.queues) {
    throw new UsageError(`--consumers must be 0 or at least --queues (${options.queues}), got "${options.consumers}"`)
  }
  if (options.producers < options.queues) {
    throw new UsageError(`--producers must be at least --queues (${options.queues}), got "${options.producers}"`)
  }
}

function positiveDuration(flag: string, raw: string): number {
  const ms = parseDurationMs(flag, raw)
  if (ms <= 0) throw new UsageError(`--${flag} must be longer than 0, got "${raw}"`)
  return ms
}

/** "1KiB" or a uniform range "512-4KiB". Every size must hold the timing stamp. */
export function parseSize(raw: string): {sizeBytes: number; maxSizeBytes: number} {
  const [low, high] = raw.split('-')
  const sizeBytes = parseBytes('size', low, {min: STAMP_BYTES})
  const maxSizeBytes = high === undefined ? sizeBytes : parseBytes('size', high, {min: STAMP_BYTES})
  if (maxSizeBytes < sizeBytes) throw new UsageError(`--size range must go from small to large, got "${raw}"`)
  return {sizeBytes, maxSizeBytes}
}

/** "5000" (constant) or steps "1000:30s,5000:30s"; only the last step may omit its duration. */
export function parseRateSteps(raw: string): RateStep[] {
  const parts = raw.split(',').map((part) => part.trim())
  return parts.map((part, index) => {
    const [rateText, durationText] = part.split(':')
    const perSecond = parseNumber('rate', rateText, {min: 0.001})
    if (durationText === undefined) {
      if (index !== parts.length - 1) throw new UsageError(`--rate steps need a duration except the last, e.g. 1000:30s,5000:30s, got "${raw}"`)
      return {perSecond}
    }
    return {perSecond, durationMs: positiveDuration('rate', durationText)}
  })
}

export function rateStepsAreTimed(steps: RateStep[] | undefined): boolean {
  return steps?.every((step) => step.durationMs !== undefined) ?? false
}

/** "2ms" fixed, "1ms-3ms" uniform, "exp:2ms" exponential with that mean, "0" none. */
export function parseWork(raw: string): WorkSpec {
  const text = raw.trim()
  if (text === '0' || text === 'none') return {kind: 'none'}
  if (text.startsWith('exp:')) return {kind: 'exponential', meanMs: parseDurationMs('work', text.slice(4), 'unit')}
  const range = /^([^-]+)-([^-]+)$/.exec(text)
  if (range) {
    const minMs = parseDurationMs('work', range[1], 'unit')
    const maxMs = parseDurationMs('work', range[2], 'unit')
    if (maxMs < minMs) throw new UsageError(`--work range must go from short to long, got "${raw}"`)
    return {kind: 'uniform', minMs, maxMs}
  }
  const ms = parseDurationMs('work', text, 'unit')
  return ms === 0 ? {kind: 'none'} : {kind: 'fixed', ms}
}

/** Total production time after warmup, when known up front (ms). */
export function plannedDurationMs(options: BenchOptions): number | undefined {
  if (options.durationMs !== undefined) return options.durationMs
  if (options.count === undefined && rateStepsAreTimed(options.rate)) {
    return options.rate!.reduce((sum, step) => sum + step.durationMs!, 0) - options.warmupMs
  }
  return undefined
}
