// Exact merge of results from several load generators run against the same backend at the same
// time: latency histograms are HDR-added (decode → add → encode), so merged percentiles equal
// those of one histogram that recorded every sample; counts and integrity figures are summed;
// throughput is the summed count over the union of the measured windows (wall clock). Queue
// length is a broker-side figure that generators sampling the same queue would double count, so
// each source's series is kept as it was (`merged.sources`), and the merged mean/max are built
// per distinct queue set (see queueLengthOf).
import type {IntervalStats, LatencyKind} from '../bench/measurements.js'
import {LATENCY_KINDS} from '../bench/measurements.js'
import type {BenchResult, ThroughputFigures} from './document.js'
import type {IntegrityFigures} from '../bench/integrity.js'
import {UsageError} from '../errors.js'
import {LatencyHistogram, type EncodedHistogram, type LatencySummary} from '../metrics/histogram.js'
import {littlesLaw} from '../metrics/littles-law.js'
import {rate} from '../metrics/throughput.js'
import {describeDifferences, mergeDifferences, type SettingDifference} from './workload.js'

/** One merged load generator, kept so per-source series stay readable. */
export interface MergeSource {
  label: string
  url: string
  hostname: string
  startedAt: string
  /** Where this source's clock (startedAt) lies after the merged startedAt, ms. */
  offsetMs: number
  queues: string[]
  published: number
  consumed: number
  queueLength: BenchResult['queueLength']
  intervals: IntervalStats[]
  health: BenchResult['health']
}

export type MergedResult = BenchResult & {
  merged: {
    sources: MergeSource[]
    /** Set when runs of different workloads were merged anyway (--force): what differed. */
    workloadDifferences?: SettingDifference[]
  }
}

export interface MergeOptions {
  /** Merge even runs whose workloads differ (report --force); the result says what differs. */
  force?: boolean
}

export function isMerged(result: BenchResult): result is MergedResult {
  return Array.isArray((result as Partial<MergedResult>).merged?.sources)
}

/** The wall-clock window a source measured in, ms since the epoch. The runner starts measuring
 *  when its warmup timer fires, i.e. about warmupMs after startedAt. */
function measuredWindow(result: BenchResult, figures: ThroughputFigures): [number, number] {
  const start = Date.parse(result.meta.startedAt) + (result.workload.warmupMs ?? 0)
  return [start, start + figures.elapsedMs]
}

function mergeThroughput(results: BenchResult[], pick: (r: BenchResult) => ThroughputFigures): ThroughputFigures {
  const windows = results.map((r) => measuredWindow(r, pick(r)))
  const elapsedMs = Math.max(...windows.map(([, end]) => end)) - Math.min(...windows.map(([start]) => start))
  const count = sum(results.map((r) => pick(r).count))
  const bytes = sum(results.map((r) => pick(r).bytes))
  return {count, bytes, elapsedMs, perSecond: rate(count, elapsedMs), bytesPerSecond: rate(bytes, elapsedMs)}
}

export function mergeHistograms(encoded: EncodedHistogram[]): LatencyHistogram {
  return LatencyHistogram.merge(encoded.map((e) => LatencyHistogram.decode(e)))
}

/** Counts summed: right for runs that each consumed what they produced (separate generators). */
function sumIntegrity(results: BenchResult[]): IntegrityFigures {
  const merged = {...results[0].integrity}
  const counts = merged as unknown as Record<string, number>
  for (const key of Object.keys(merged) as Array<keyof IntegrityFigures>) {
    if (typeof merged[key] === 'number') counts[key] = sum(results.map((r) => Number(r.integrity[key] ?? 0)))
  }
  // Drained only when every run drained: one counted figure makes the sum a count.
  if (merged.leftInQueueBy !== undefined) merged.leftInQueueBy = results.every((r) => r.integrity.leftInQueueBy === 'drained') ? 'drained' : 'counted'
  return merged
}

/**
 * Sources naming the same queues sampled the same broker queue: their samples are averaged
 * (sample-weighted) and the largest kept. Distinct queue sets add up: their step functions are
 * summed on the wall clock, giving the mean and the max of the total.
 */
function queueLengthOf(results: BenchResult[], offsets: number[]): BenchResult['queueLength'] {
  const groups = new Map<string, number[]>()
  results.forEach((r, i) => {
    const key = [...r.meta.queues].sort().join('\n')
    groups.set(key, [...(groups.get(key) ?? []), i])
  })
  const perGroup = [...groups.values()].map((members) => {
    const samples = sum(members.map((i) => results[i].queueLength.samples))
    const mean = samples === 0 ? 0 : sum(members.map((i) => results[i].queueLength.mean * results[i].queueLength.samples)) / samples
    const series = members.flatMap((i) => results[i].queueLength.series.map(([t, length]) => [t + offsets[i], length] as [number, number]))
    return {samples, mean, max: Math.max(0, ...members.map((i) => results[i].queueLength.max)), series: series.sort((a, b) => a[0] - b[0])}
  })
  // A re-merged result has no series of its own: the sum of maxima is then the best bound.
  const seriesMissing = perGroup.some((g) => g.samples > 0 && g.series.length === 0)
  const max = perGroup.length === 1 ? perGroup[0].max : seriesMissing ? sum(perGroup.map((g) => g.max)) : maxOfSum(perGroup.map((g) => g.series))
  return {
    sampleIntervalMs: Math.min(...results.map((r) => r.queueLength.sampleIntervalMs)),
    samples: sum(perGroup.map((g) => g.samples)),
    mean: sum(perGroup.map((g) => g.mean)),
    max,
    // The combined series lives per source (merged.sources); one list would mix queues.
    series: [],
  }
}

/** Max over time of the sum of step functions (each holds its last sample until the next). */
function maxOfSum(seriesList: Array<Array<[number, number]>>): number {
  const events = seriesList.flatMap((series, g) => series.map(([t, length]) => ({t, g, length}))).sort((a, b) => a.t - b.t)
  const current = seriesList.map(() => 0)
  let max = 0
  for (const e of events) {
    current[e.g] = e.length
    max = Math.max(max, sum(current))
  }
  return max
}

/** Each client library's versions over the sources, e.g. {kafkajs: '2.2.4'}; none when no source had them. */
function clientsOf(results: BenchResult[]): {clients?: Record<string, string>} {
  const names = [...new Set(results.flatMap((r) => Object.keys(r.meta.clients ?? {})))]
  if (names.length === 0) return {}
  return {
    clients: Object.fromEntries(names.map((name) => [name, distinct(results.map((r) => r.meta.clients?.[name]).filter((v): v is string => v !== undefined))])),
  }
}

function distinct(values: string[]): string {
  return [...new Set(values)].join(', ')
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0)
}

/** "a", "a and b", "a, b and c". */
function listed(labels: string[]): string {
  return labels.length < 2 ? labels.join('') : `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`
}

/**
 * Merge results (at least one) into one document. `labels` name the sources (e.g. file names).
 * Only runs of one workload merge: their settings must match except what load generators of one
 * run may differ in (workload.ts PER_GENERATOR_FIELDS); else a usage error names the settings,
 * unless `force`, when the merged result says in a warning what differs.
 */
export function mergeResults(results: BenchResult[], labels: string[] = results.map((_, i) => `source ${i + 1}`), options: MergeOptions = {}): MergedResult {
  if (results.length === 0) throw new UsageError('nothing to merge: give at least one result file')
  const first = results[0]
  results.forEach((r, i) => {
    if (r.schema !== first.schema || r.schemaVersion !== first.schemaVersion) {
      throw new UsageError(
        `cannot merge ${labels[i]} (schema ${r.schema} v${r.schemaVersion}) with ${labels[0]} (schema ${first.schema} v${first.schemaVersion})`,
      )
    }
    if (r.meta.backend !== first.meta.backend) {
      throw new UsageError(
        `cannot merge ${labels[i]} (backend ${r.meta.backend}) with ${labels[0]} (backend ${first.meta.backend}): merge results of one backend only`,
      )
    }
    if (r.workload.mode !== first.workload.mode) {
      throw new UsageError(
        `cannot merge ${labels[i]} (${r.workload.mode}) with ${labels[0]} (${first.workload.mode}): corrected latencies exist only in open loop`,
      )
    }
  })
  const differing = mergeDifferences(results)
  if (differing.length > 0 && !options.force) {
    throw new UsageError(
      `cannot merge ${listed(labels)}: not runs of one workload (${describeDifferences(differing, labels)}); merge the results of load generators that ran one workload together, compare two runs with --compare, or merge anyway with --force`,
    )
  }
  const forced =
    differing.length > 0
      ? [
          `merged with --force although the workloads differ (${describeDifferences(differing, labels)}): the figures mix them, and the settings shown are ${labels[0]}'s`,
        ]
      : []
  const startMs = Math.min(...results.map((r) => Date.parse(r.meta.startedAt)))
  const endMs = Math.max(...results.map((r) => Date.parse(r.meta.finishedAt)))
  const offsets = results.map((r) => Date.parse(r.meta.startedAt) - startMs)
  const histograms = Object.fromEntries(LATENCY_KINDS.map((kind) => [kind, mergeHistograms(results.map((r) => r.histograms[kind]))])) as Record<
    LatencyKind,
    LatencyHistogram
  >
  const openLoop = first.workload.mode === 'open-loop'
  const published = mergeThroughput(results, (r) => r.throughput.published)
  const consumed = mergeThroughput(results, (r) => r.throughput.consumed)
  const queueLength = queueLengthOf(results, offsets)
  // W and its ack→settled part: the consumed-count-weighted means of the sources'.
  const weightedByConsumed = (figure: (r: BenchResult) => number) =>
    consumed.count === 0 ? 0 : sum(results.map((r) => figure(r) * r.throughput.consumed.count)) / consumed.count
  const wMs = weightedByConsumed((r) => r.littlesLaw.wMs)
  const ackSettleMs = weightedByConsumed((r) => r.littlesLaw.ackSettleMs ?? 0)
  const targets = results.map((r) => r.throughput.targetPerSecond)
  const summary = (kind: LatencyKind): LatencySummary => histograms[kind].summary()
  const hosts = results.map((r) => r.meta.host)
  const health = mergeHealth(results, labels)

  return {
    schema: first.schema,
    schemaVersion: first.schemaVersion,
    meta: {
      mqkitVersion: distinct(results.map((r) => r.meta.mqkitVersion)),
      ...clientsOf(results),
      node: distinct(results.map((r) => r.meta.node)),
      backend: first.meta.backend,
      url: distinct(results.map((r) => r.meta.url)),
      queues: [...new Set(results.flatMap((r) => r.meta.queues))],
      host: {
        hostname: distinct(hosts.map((h) => h.hostname)),
        platform: distinct(hosts.map((h) => h.platform)),
        arch: distinct(hosts.map((h) => h.arch)),
        cpus: sum(hosts.map((h) => h.cpus)),
        cpuModel: distinct(hosts.map((h) => h.cpuModel)),
        totalMemoryBytes: sum(hosts.map((h) => h.totalMemoryBytes)),
      },
      startedAt: new Date(startMs).toISOString(),
      finishedAt: new Date(endMs).toISOString(),
      elapsedMs: endMs - startMs,
      measuredMs: Math.max(published.elapsedMs, consumed.elapsedMs),
      interrupted: results.some((r) => r.meta.interrupted),
    },
    workload: mergeWorkload(results),
    throughput: {published, consumed, targetPerSecond: targets.every((t) => t !== null) ? sum(targets as number[]) : null},
    latency: {
      publish: summary('publish'),
      endToEnd: summary('endToEnd'),
      endToEndCorrected: openLoop ? summary('endToEndCorrected') : null,
      publishDelay: openLoop ? summary('publishDelay') : null,
      negativeClockSamples: sum(results.map((r) => r.latency.negativeClockSamples)),
    },
    handling: summary('handling'),
    queueLength,
    littlesLaw: {...littlesLaw(queueLength.mean, consumed.perSecond, wMs), ackSettleMs},
    integrity: sumIntegrity(results),
    health: {...health, warnings: [...forced, ...health.warnings, ...overlapWarning(results, labels)]},
    // Interval series are per source (their ticks do not line up): see merged.sources.
    intervals: [],
    histograms: Object.fromEntries(LATENCY_KINDS.map((kind) => [kind, histograms[kind].encode()])) as Record<LatencyKind, EncodedHistogram>,
    // Assertions were judged per run against per-run figures; they do not carry over.
    assertions: [],
    merged: {sources: results.flatMap((r, i) => sourcesOf(r, labels[i], offsets[i])), ...(differing.length > 0 ? {workloadDifferences: differing} : {})},
  }
}

/** A merged result merged again keeps its own sources (shifted onto the new clock origin). */
function sourcesOf(result: BenchResult, label: string, offsetMs: number): MergeSource[] {
  if (isMerged(result)) return result.merged.sources.map((s) => ({...s, label: `${label}/${s.label}`, offsetMs: s.offsetMs + offsetMs}))
  return [
    {
      label,
      url: result.meta.url,
      hostname: result.meta.host.hostname,
      startedAt: result.meta.startedAt,
      offsetMs,
      queues: result.meta.queues,
      published: result.throughput.published.count,
      consumed: result.throughput.consumed.count,
      queueLength: result.queueLength,
      intervals: result.intervals,
      health: result.health,
    },
  ]
}

/** Generators that did not run at the same time add up to a rate nobody saw: say so. */
function overlapWarning(results: BenchResult[], labels: string[]): string[] {
  const windows = results.map((r) => measuredWindow(r, r.throughput.published))
  const latestStart = Math.max(...windows.map(([start]) => start))
  const earliestEnd = Math.min(...windows.map(([, end]) => end))
  if (results.length < 2 || latestStart < earliestEnd) return []
  return [`the measured windows of ${labels.join(', ')} do not overlap: merged throughput is over their union, idle gaps included`]
}

function mergeWorkload(results: BenchResult[]): BenchResult['workload'] {
  const first = results[0].workload
  const counts = results.map((r) => r.workload.count)
  const rates = results.map((r) => r.workload.rate)
  // Rate schedules add up step by step when every source ran the same step lengths.
  const sameSteps = rates.every((steps) => steps && steps.length === rates[0]!.length && steps.every((s, j) => s.durationMs === rates[0]![j].durationMs))
  return {
    ...first,
    producers: sum(results.map((r) => r.workload.producers)),
    consumers: sum(results.map((r) => r.workload.consumers)),
    queues: new Set(results.flatMap((r) => r.meta.queues)).size,
    count: counts.every((c) => c !== undefined) ? sum(counts as number[]) : undefined,
    rate: first.rate && sameSteps ? first.rate.map((step, j) => ({...step, perSecond: sum(rates.map((steps) => steps![j].perSecond))})) : first.rate,
  }
}

function mergeHealth(results: BenchResult[], labels: string[]): BenchResult['health'] {
  const worst = (pick: (h: BenchResult['health']) => number) => Math.max(...results.map((r) => pick(r.health)))
  const lags = results.map((r) => r.health.scheduleLagP99Ms).filter((lag): lag is number => lag !== null)
  return {
    // Per-generator figures: the merged one is the worst generator, which bounds them all.
    eventLoopDelay: {
      meanMs: worst((h) => h.eventLoopDelay.meanMs),
      p50Ms: worst((h) => h.eventLoopDelay.p50Ms),
      p99Ms: worst((h) => h.eventLoopDelay.p99Ms),
      maxMs: worst((h) => h.eventLoopDelay.maxMs),
    },
    cpuPercent: worst((h) => h.cpuPercent),
    scheduleLagP99Ms: lags.length > 0 ? Math.max(...lags) : null,
    ackErrors: sum(results.map((r) => r.health.ackErrors)),
    queueSampleErrors: sum(results.map((r) => r.health.queueSampleErrors)),
    warnings: results.flatMap((r, i) => r.health.warnings.map((w) => `${labels[i]}: ${w}`)),
  }
}

/** What only the coordinator of a --workers run knows, and the workers' own results cannot say. */
export interface WholeRunFacts {
  /** From the union of the workers' integrity bitsets (bench/integrity.ts unionSnapshots). */
  integrity: IntegrityFigures
  workload: BenchResult['workload']
  queues: string[]
  server: Record<string, string> | null
}

/** One run spread over worker threads: the workers' results merged exactly, with the whole run's facts. */
export function mergeWorkerResults(results: BenchResult[], whole: WholeRunFacts): BenchResult {
  const merged = mergeResults(
    results,
    results.map((_, i) => `worker ${i + 1}`),
  )
  return {
    ...merged,
    integrity: whole.integrity,
    workload: whole.workload,
    meta: {...merged.meta, queues: whole.queues, server: whole.server, ...shardOfWorkers(results, whole)},
  }
}

/** A shard run over worker threads is still one shard: its first send is the earliest worker's. */
function shardOfWorkers(results: BenchResult[], whole: WholeRunFacts): Pick<BenchResult['meta'], 'shard'> {
  const shards = results.map((r) => r.meta.shard).filter((s) => s !== undefined)
  if (shards.length === 0) return {}
  const sends = shards.map((s) => s.firstSendAt).filter((t): t is number => t !== null)
  const first = Math.min(...shards.map((s) => s.producerIds.first))
  return {shard: {...shards[0], firstSendAt: sends.length > 0 ? Math.min(...sends) : null, producerIds: {first, count: whole.workload.producers}}}
}
