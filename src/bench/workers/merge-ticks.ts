// Live progress under --workers: each worker thread ticks with its own IntervalStats; the
// coordinator merges the k-th tick of every worker into one line. Counts and rates add up
// exactly. Interval percentiles cannot be merged from summaries, so the merged p50/p99/max are
// the WORST of the workers' (an upper bound, shown live only; the final report merges the full
// histograms exactly) and the mean is count-weighted.
import type {IntervalStats} from '../measurements.js'

type Summary = IntervalStats['latency']['endToEnd']

function mergeSummaries(parts: Summary[]): Summary {
  const count = parts.reduce((sum, p) => sum + p.count, 0)
  const withData = parts.filter((p) => p.count > 0)
  if (withData.length === 0) return {count: 0, mean: 0, p50: 0, p99: 0, max: 0}
  return {
    count,
    mean: withData.reduce((sum, p) => sum + p.mean * p.count, 0) / count,
    p50: Math.max(...withData.map((p) => p.p50)),
    p99: Math.max(...withData.map((p) => p.p99)),
    max: Math.max(...withData.map((p) => p.max)),
  }
}

const sum = (ticks: IntervalStats[], pick: (t: IntervalStats) => number) => ticks.reduce((total, t) => total + pick(t), 0)

function activeSpan(ticks: IntervalStats[], key: 'publishedDurationMs' | 'consumedDurationMs'): Partial<IntervalStats> {
  if (ticks.every((t) => t[key] === undefined)) return {}
  return {[key]: Math.max(...ticks.map((t) => t[key] ?? t.durationMs))}
}

export function mergeTicks(ticks: IntervalStats[]): IntervalStats {
  const corrected = ticks.map((t) => t.latency.endToEndCorrected).filter((s): s is Summary => s !== null)
  const queueLengths = ticks.map((t) => t.queueLength).filter((q): q is number => q !== null)
  return {
    elapsedMs: Math.max(...ticks.map((t) => t.elapsedMs)),
    durationMs: Math.max(...ticks.map((t) => t.durationMs)),
    // The last ticks: rates over the longest part any worker was still publishing (consuming).
    ...activeSpan(ticks, 'publishedDurationMs'),
    ...activeSpan(ticks, 'consumedDurationMs'),
    warmup: ticks.some((t) => t.warmup),
    published: sum(ticks, (t) => t.published),
    consumed: sum(ticks, (t) => t.consumed),
    publishedPerSecond: sum(ticks, (t) => t.publishedPerSecond),
    consumedPerSecond: sum(ticks, (t) => t.consumedPerSecond),
    publishedBytesPerSecond: sum(ticks, (t) => t.publishedBytesPerSecond),
    consumedBytesPerSecond: sum(ticks, (t) => t.consumedBytesPerSecond),
    outstanding: sum(ticks, (t) => t.outstanding),
    // Every worker samples the same queues: the largest of their latest samples, not a sum.
    queueLength: queueLengths.length === 0 ? null : Math.max(...queueLengths),
    latency: {
      publish: mergeSummaries(ticks.map((t) => t.latency.publish)),
      endToEnd: mergeSummaries(ticks.map((t) => t.latency.endToEnd)),
      endToEndCorrected: corrected.length === 0 ? null : mergeSummaries(corrected),
    },
    eventLoopDelayP99Ms: Math.max(...ticks.map((t) => t.eventLoopDelayP99Ms)),
    totalPublished: sum(ticks, (t) => t.totalPublished),
    totalConsumed: sum(ticks, (t) => t.totalConsumed),
  }
}

/** Collects workers' ticks by index and hands on each index once every worker has sent it. */
export class TickMerger {
  private readonly pending = new Map<number, IntervalStats[]>()
  private readonly sent: number[]

  constructor(
    private readonly workers: number,
    private readonly emit: (merged: IntervalStats) => void,
  ) {
    this.sent = Array.from({length: workers}, () => 0)
  }

  add(worker: number, stats: IntervalStats): void {
    const index = this.sent[worker]++
    const parts = this.pending.get(index) ?? []
    parts.push(stats)
    if (parts.length < this.workers) {
      this.pending.set(index, parts)
      return
    }
    this.pending.delete(index)
    this.emit(mergeTicks(parts))
  }
}
