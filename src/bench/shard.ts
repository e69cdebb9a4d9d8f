// bench --shard I/N: one of N processes (on as many hosts) that together run one workload, each
// started by a scheduler (a Kubernetes Indexed Job, a CI matrix). A shard runs its share of the
// producers, consumers, queues, --count and --rate, on queues of its own (`<queue>-s<I>`, on
// Kafka topics of its own), so every end-to-end latency is taken on one host's clock and its
// integrity is complete without the other shards: the merged integrity is the sum
// (results/shards.ts). With --shared-queues every shard uses the run's ONE set of queues, each
// producer and consumer on the queue its run-wide index gets in one process, so the shards
// together make exactly the one-process workload; latencies are then on the hosts' wall clocks
// and integrity is judged by the merge from every shard's receipts (results/receipts.ts).
// Producer ids are numbered run-wide, attempt-major: a retried shard's producers never share an
// id with an earlier attempt's, whose messages may still be queued.
import {UsageError} from '../errors.js'
import {parseInteger} from '../flag-grammars.js'
import type {BenchOptions, ShardPlan, ShardSpec} from './options.js'

/** Raw flag values, as typed (environment fallbacks already applied by oclif). */
export interface ShardFlagValues {
  shard?: string
  shards?: string
  'run-id'?: string
  'start-at'?: string
  attempt?: string
  'shared-queues'?: boolean
}

/** @default 1024 — more shards than this is a mistake, not a plan. */
const MAX_SHARDS = 1024
/** Producer ids are u32 in the stamp. */
const PRODUCER_ID_LIMIT = 2 ** 32
const RUN_ID = /^[A-Za-z0-9._-]{1,64}$/

/**
 * The shard this process is, or undefined for an ordinary run. `--shard I/N`, or `--shards N` with
 * the index from JOB_COMPLETION_INDEX (set by Kubernetes in each pod of an Indexed Job).
 */
export function parseShard(flags: ShardFlagValues, env: NodeJS.ProcessEnv = process.env, nowMs = Date.now()): ShardSpec | undefined {
  const sharded = flags.shard !== undefined || flags.shards !== undefined
  if (!sharded) {
    for (const flag of ['run-id', 'start-at', 'attempt', 'shared-queues'] as const) {
      if (flags[flag] !== undefined && flags[flag] !== false)
        throw new UsageError(`--${flag} belongs to a sharded run: give --shard I/N (or --shards N in an Indexed Job) too`)
    }
    return undefined
  }
  let index: number
  let count: number
  if (flags.shard !== undefined) {
    const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(flags.shard)
    if (!match) throw new UsageError(`--shard must be INDEX/COUNT with the index from 0, e.g. 0/4, got "${flags.shard}"`)
    index = Number(match[1])
    count = Number(match[2])
    if (count < 1 || count > MAX_SHARDS) throw new UsageError(`--shard count must be from 1 to ${MAX_SHARDS}, got "${flags.shard}"`)
    if (index >= count) throw new UsageError(`--shard index must be below the count (indexes run from 0), got "${flags.shard}"`)
    if (flags.shards !== undefined && parseInteger('shards', flags.shards) !== count) {
      throw new UsageError(`--shards ${flags.shards} disagrees with --shard ${flags.shard}`)
    }
  } else {
    count = parseInteger('shards', flags.shards!, {min: 1, max: MAX_SHARDS})
    const fromEnv = env.JOB_COMPLETION_INDEX
    if (fromEnv === undefined || fromEnv === '') {
      throw new UsageError(`--shards ${count} needs this shard's index: give --shard INDEX/${count}, or run in a Kubernetes Indexed Job (JOB_COMPLETION_INDEX)`)
    }
    if (!/^\d+$/.test(fromEnv.trim()) || Number(fromEnv) >= count) {
      throw new UsageError(`JOB_COMPLETION_INDEX must be a whole number below --shards (${count}), got "${fromEnv}"`)
    }
    index = Number(fromEnv)
  }
  const runId = flags['run-id']
  if (runId === undefined || runId === '') throw new UsageError('--shard needs --run-id ID (or MQKIT_RUN_ID), the same for every shard of the run')
  if (!RUN_ID.test(runId)) throw new UsageError(`--run-id must be 1 to 64 letters, digits, ".", "_" or "-" (it names the queues), got "${runId}"`)
  const attempt = flags.attempt === undefined || flags.attempt === '' ? 0 : parseInteger('attempt', flags.attempt, {min: 0})
  const sharedQueues = flags['shared-queues'] === true
  // Shared queues: the stamps carry wall-clock ns since --start-at, so every shard needs the same one.
  if (sharedQueues && flags['start-at'] === undefined)
    throw new UsageError('--shared-queues needs --start-at TIME, the same for every shard: the shards time their messages from it')
  const startAtMs = flags['start-at'] === undefined ? nowMs : parseStartAt(flags['start-at'])
  return {runId, index, count, attempt, startAtMs, sharedQueues}
}

/** Seconds (or ms) since the epoch, or an ISO 8601 time. A bare number below 10^11 is seconds (`date +%s`), above it milliseconds (`Date.now()`). */
export function parseStartAt(raw: string): number {
  const text = raw.trim()
  if (/^\d+(\.\d+)?$/.test(text)) {
    const value = Number(text)
    return value < 1e11 ? Math.round(value * 1000) : Math.round(value)
  }
  // A bare date would be read as midnight UTC: ask for a time.
  const ms = /\d[T ]\d/.test(text) ? Date.parse(text) : Number.NaN
  if (Number.isNaN(ms))
    throw new UsageError(`--start-at must be seconds since the epoch (date +%s), milliseconds, or an ISO time such as 2026-05-01T12:00:00Z, got "${raw}"`)
  return ms
}

/**
 * Flags a sharded run did not give are read as one per shard: `--shard 0/4` alone means 4
 * producers and 4 consumers in all (a shard's own defaults), not 1 that three shards lack.
 */
export function withShardDefaults<O extends {producers?: number; consumers?: number}>(given: O, shard: ShardSpec | undefined): O {
  if (!shard) return given
  return {...given, producers: given.producers ?? shard.count, consumers: given.consumers ?? shard.count}
}

/** Split `total` into `parts` near-equal shares (the first ones get the remainder). */
export function shares(total: number, parts: number): number[] {
  return Array.from({length: parts}, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0))
}

/**
 * Base name of the shard's queues: `<queue or mqkit-bench-<run id>>-s<index>` (then `-1`, `-2`…
 * with several); with shared queues the run's own name, the same for every shard.
 */
export function shardQueueBase(options: Pick<BenchOptions, 'queueName'>, shard: Pick<ShardSpec, 'runId' | 'index' | 'sharedQueues'>): string {
  const base = options.queueName ?? `mqkit-bench-${shard.runId}`
  return shard.sharedQueues ? base : `${base}-s${shard.index}`
}

/**
 * The shard's share of the whole workload `options`. Producers, consumers and queues are dealt
 * out as evenly as they go; --count and each --rate step follow the producers, exactly as one
 * process gives them to its producers, so the shards' producers together send what one process's
 * would. Every shard needs a producer, a queue of its own and (unless 0) a consumer for it.
 */
export function shardOptions(options: BenchOptions, shard: ShardSpec): BenchOptions {
  const n = shard.count
  const o = options
  if (o.producers < n) throw new UsageError(`--producers must be at least the shard count (${n}): every shard produces, got "${o.producers}"`)
  if (shard.sharedQueues && o.consumers < n)
    throw new UsageError(
      `--shared-queues: --consumers must be at least the shard count (${n}): every shard consumes from the shared queues, got "${o.consumers}"`,
    )
  if (o.consumers > 0 && o.consumers < n)
    throw new UsageError(`--consumers must be 0 or at least the shard count (${n}): every shard consumes its own queues, got "${o.consumers}"`)
  if (shard.sharedQueues && o.workers > 1)
    throw new UsageError(`--shared-queues runs each shard in one thread: it cannot be combined with --workers ${o.workers}`)
  const producerShares = shares(o.producers, n)
  const producerBase = producerShares.slice(0, shard.index).reduce((a, b) => a + b, 0)
  const producers = producerShares[shard.index]
  const consumerShares = shares(o.consumers, n)
  const consumerBase = consumerShares.slice(0, shard.index).reduce((a, b) => a + b, 0)
  const consumers = consumerShares[shard.index]
  // Shared: the run's queues, all of them. Own: fewer queues than shards still gives each shard
  // one of its own (its latencies and integrity stay local).
  const queues = shard.sharedQueues ? o.queues : Math.max(1, shares(o.queues, n)[shard.index])
  let count: number | undefined
  if (o.count !== undefined) {
    count = shares(o.count, o.producers)
      .slice(producerBase, producerBase + producers)
      .reduce((a, b) => a + b, 0)
    if (count === 0)
      throw new UsageError(
        `--count ${o.count} is fewer messages than shard ${shard.index} of ${n} has producers to send them: give --count at least --producers (${o.producers})`,
      )
  }
  if ((shard.attempt + 1) * o.producers > PRODUCER_ID_LIMIT) {
    throw new UsageError(`--attempt ${shard.attempt} with ${o.producers} producers runs out of 32-bit producer ids: attempts × producers must stay below 2^32`)
  }
  const plan: ShardPlan = {...shard, totalProducers: o.producers, producerBase, consumerBase}
  return {
    ...o,
    producers,
    consumers,
    queues,
    queueName: shardQueueBase(o, shard),
    count,
    rate: o.rate?.map((step) => ({...step, perSecond: (step.perSecond * producers) / o.producers})),
    shard: plan,
  }
}

/**
 * Run-wide producer id of a shard's `localIndex`-th producer: attempt-major, then the run-wide
 * producer index. Distinct for every (shard, attempt, producer) of a run: attempt a's ids fill
 * [a·P, (a+1)·P) and the shards' producer ranges split each such block without overlap.
 */
export function producerIdOf(plan: Pick<ShardPlan, 'attempt' | 'totalProducers' | 'producerBase'> | undefined, localIndex: number): number {
  return plan === undefined ? localIndex : plan.attempt * plan.totalProducers + plan.producerBase + localIndex
}

/**
 * Where a shard's producers and consumers sit in the run's queue layout: with shared queues their
 * run-wide indexes (each on the queue one process would give it), else the shard's own indexes
 * on the shard's own queues.
 */
export function queueSlotBase(plan: Pick<ShardPlan, 'sharedQueues' | 'producerBase' | 'consumerBase'> | undefined): {producer: number; consumer: number} {
  return plan?.sharedQueues ? {producer: plan.producerBase, consumer: plan.consumerBase} : {producer: 0, consumer: 0}
}

/** Resolve when the wall clock reaches `atMs` (or at once if it has); stops early on `signal`. */
export async function waitForWallClock(atMs: number, signal?: AbortSignal): Promise<void> {
  // setTimeout to just short of it, then short hops: a long timer alone can fire ms late.
  const remaining = () => atMs - (performance.timeOrigin + performance.now())
  while (remaining() > 20 && !signal?.aborted) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(remaining() - 10, 1000))
      function done() {
        signal?.removeEventListener('abort', done)
        clearTimeout(timer)
        resolve()
      }
      signal?.addEventListener('abort', done, {once: true})
    })
  }
  while (remaining() > 0 && !signal?.aborted) await new Promise<void>((resolve) => setTimeout(resolve, 1))
}
