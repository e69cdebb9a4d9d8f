// Merging the results of one sharded run (bench --shard I/N): one file per shard, from as many
// hosts. The figures merge as any load generators' do (merge.ts: HDR add, sums, union window);
// integrity is the sum because each shard consumed only its own queues, so every message's fate
// is known to exactly one shard. What is particular to shards is checked here: every file must
// belong to one run (else a usage error: no merge), and the merged result says which indexes are
// missing or came twice (a retried shard: the latest attempt is kept), and how far apart the
// shards started (start skew, from each shard's first send on its host's wall clock, so it
// includes the hosts' clock offsets) and how late each was against --start-at.
import {wallClockWarning} from '../bench/render/render-warnings.js'
import {UsageError} from '../errors.js'
import type {BenchResult, ShardMeta} from './document.js'
import {mergeResults, type MergedResult, type MergeOptions} from './merge.js'
import {mergedIntegrity} from './receipts.js'

/** @default 100 — a shard whose first send came this long after --start-at is reported as late. */
export const SHARD_LATE_MS = 100

export interface ShardEntry {
  label: string
  index: number
  attempt: number
  /** First send, wall clock ms (the shard's host clock); null when it sent nothing. */
  firstSendAt: number | null
  /** firstSendAt − startAt, ms; null when it sent nothing. */
  lateMs: number | null
}

export interface ShardsSummary {
  runId: string
  count: number
  /** --start-at of the run (wall clock ms); the earliest when shards disagree. */
  startAt: number
  /** The shards merged, by index. */
  shards: ShardEntry[]
  missing: number[]
  /** Indexes given more than once, and the files left out for them. */
  duplicated: Array<{index: number; kept: string; dropped: string[]}>
  /** Latest minus earliest first send over the merged shards, ms (null with fewer than two that sent). */
  startSkewMs: number | null
  /** The shards ran with --shared-queues: integrity from their receipts, latencies on wall clocks. */
  sharedQueues?: true
  /** Sum of the shards' negative wall-clock latency readings (shared queues). */
  negativeClockSamples?: number
}

export type ShardMergedResult = MergedResult & {merged: MergedResult['merged'] & {shards: ShardsSummary}}

export function isShardResult(result: BenchResult): result is BenchResult & {meta: {shard: ShardMeta}} {
  return result.meta.shard !== undefined
}

/**
 * Merge one sharded run's results. Refuses (usage error, one line) files without `meta.shard`,
 * of different run ids or shard counts. Warns, in `health.warnings`, about missing and
 * duplicated indexes and shards that started late.
 */
export function mergeShardResults(results: BenchResult[], labels: string[], options: MergeOptions = {}): ShardMergedResult {
  if (results.length === 0) throw new UsageError('nothing to merge: give the shards’ result files')
  const plain = results.findIndex((r) => !isShardResult(r))
  if (plain >= 0)
    throw new UsageError(`${labels[plain]} is not a shard's result (no meta.shard; written by mqkit bench --shard I/N --json): merge shards of one run only`)
  const metas = results.map((r) => r.meta.shard!)
  const runIds = [...new Set(metas.map((m) => m.runId))]
  if (runIds.length > 1) {
    throw new UsageError(
      `cannot merge shards of different runs: ${runIds.map((id) => `run ${id} (${labels.filter((_, i) => metas[i].runId === id).join(', ')})`).join(', ')}`,
    )
  }
  const counts = [...new Set(metas.map((m) => m.count))]
  if (counts.length > 1)
    throw new UsageError(
      `cannot merge shards of run ${runIds[0]} split different ways: ${counts.map((n) => `${n} shards (${labels.filter((_, i) => metas[i].count === n).join(', ')})`).join(', ')}`,
    )
  const count = counts[0]
  const shared = metas.map((m) => m.sharedQueues === true)
  if (shared.includes(true) && shared.includes(false)) {
    const named = (on: boolean) => labels.filter((_, i) => shared[i] === on).join(', ')
    throw new UsageError(`cannot merge shards of run ${runIds[0]} that ran with --shared-queues (${named(true)}) and without it (${named(false)})`)
  }
  const noReceipts = results.findIndex((r, i) => shared[i] && r.receipts === undefined)
  if (noReceipts >= 0) throw new UsageError(`${labels[noReceipts]} ran with --shared-queues but carries no receipts: it cannot be merged`)

  // One file per index: the latest attempt (a retry ran the index's whole share again); for a
  // file given twice, the first.
  const byIndex = new Map<number, number[]>()
  for (const [i, m] of metas.entries()) byIndex.set(m.index, [...(byIndex.get(m.index) ?? []), i])
  const kept: number[] = []
  const duplicated: ShardsSummary['duplicated'] = []
  for (const [index, members] of [...byIndex].sort(([a], [b]) => a - b)) {
    const keep = members.reduce((best, i) => (metas[i].attempt > metas[best].attempt ? i : best), members[0])
    kept.push(keep)
    if (members.length > 1) duplicated.push({index, kept: labels[keep], dropped: members.filter((i) => i !== keep).map((i) => labels[i])})
  }
  const missing = Array.from({length: count}, (_, i) => i).filter((i) => !byIndex.has(i))

  const startAt = Math.min(...kept.map((i) => metas[i].startAt))
  const shards: ShardEntry[] = kept.map((i) => {
    const m = metas[i]
    return {label: labels[i], index: m.index, attempt: m.attempt, firstSendAt: m.firstSendAt, lateMs: m.firstSendAt === null ? null : m.firstSendAt - m.startAt}
  })
  const sends = shards.map((s) => s.firstSendAt).filter((t): t is number => t !== null)
  const startSkewMs = sends.length < 2 ? null : Math.max(...sends) - Math.min(...sends)

  const merged = mergeResults(
    kept.map((i) => results[i]),
    kept.map((i) => labels[i]),
    options,
  )
  const summary: ShardsSummary = {
    runId: runIds[0],
    count,
    startAt,
    shards,
    missing,
    duplicated,
    startSkewMs,
    ...(shared[0] ? {sharedQueues: true as const, negativeClockSamples: merged.latency.negativeClockSamples} : {}),
  }
  if (shared[0]) {
    // One set of queues: every message's fate is spread over the shards' receipts, the earlier
    // attempts' included (they took messages from the queues too). Summed counts would not do.
    // A file given twice is one shard's receipts once.
    const attempts = new Map(metas.map((m, i) => [`${m.index}/${m.attempt}`, i] as const).reverse())
    merged.integrity = mergedIntegrity([...attempts.values()].map((i) => results[i].receipts!))
    if (missing.length > 0)
      merged.integrity.lostUnknown = `shard ${missing.join(', ')} of ${count} missing: what it received looks lost, so lost (${merged.integrity.lost}) is only an upper bound`
    merged.latency.clock = 'wall'
    // The run says it once for all shards (shardWarnings), with the negative readings summed.
    const perShard = new Set(kept.map((i) => `${labels[i]}: ${wallClockWarning(results[i].latency.negativeClockSamples)}`))
    merged.health.warnings = merged.health.warnings.filter((w) => !perShard.has(w))
  }
  merged.health.warnings.push(...shardWarnings(summary))
  return {...merged, merged: {...merged.merged, shards: summary}}
}

/** Merge results as they come: a sharded run's files with the shard checks, any others as load generators of one run. */
export function mergeRunResults(results: BenchResult[], labels: string[], options: MergeOptions = {}): MergedResult {
  return results.some((r) => isShardResult(r)) ? mergeShardResults(results, labels, options) : mergeResults(results, labels, options)
}

/** The shard warnings of a merged result, for the command to say on stderr too (none for other merges). */
export function shardWarningsOf(result: BenchResult): string[] {
  const shards = (result as Partial<ShardMergedResult>).merged?.shards
  return shards ? shardWarnings(shards) : []
}

/** What makes the merged result less than the whole run, or its shards not simultaneous. */
export function shardWarnings(summary: ShardsSummary): string[] {
  const warnings: string[] = []
  const n = summary.count
  if (summary.missing.length > 0) {
    warnings.push(
      `run ${summary.runId}: ${summary.missing.length === 1 ? 'shard' : 'shards'} ${summary.missing.join(', ')} of ${n} missing (indexes from 0): the merged result covers ${n - summary.missing.length} of ${n} shards' workload`,
    )
  }
  for (const d of summary.duplicated)
    warnings.push(`run ${summary.runId}: shard ${d.index} given more than once: kept ${d.kept} (its latest attempt), left out ${d.dropped.join(', ')}`)
  const late = summary.shards.filter((s) => s.lateMs !== null && s.lateMs > SHARD_LATE_MS)
  if (late.length > 0) {
    warnings.push(
      `run ${summary.runId}: ${late.map((s) => `shard ${s.index} started ${Math.round(s.lateMs!)} ms`).join(', ')} after --start-at: the shards did not all load the broker together`,
    )
  }
  for (const s of summary.shards.filter((x) => x.firstSendAt === null)) warnings.push(`run ${summary.runId}: shard ${s.index} sent nothing`)
  if (summary.sharedQueues && summary.missing.length > 0)
    warnings.push(
      `run ${summary.runId}: with --shared-queues the run's integrity needs every shard's receipts: messages the missing ${summary.missing.length === 1 ? 'shard' : 'shards'} received look lost, so lost is only an upper bound`,
    )
  if (summary.sharedQueues) warnings.push(`run ${summary.runId}: ${wallClockWarning(summary.negativeClockSamples ?? 0)}`)
  return warnings
}
