// The latency-vs-rate curve: one step per rate, in ascending order, and its knee — where the
// corrected p99 leaves its low-load value (criteria.ts) or the backlog starts to grow.
import {UsageError} from '../errors.js'
import {parseNumber} from '../flag-grammars.js'
import {KNEE_MIN_RISE_MS, KNEE_P99_FACTOR} from './criteria.js'
import {roundRate} from './search.js'
import type {CurvePoint, Knee} from '../results/capacity.js'

/** A point: an absolute rate (msg/s), or a share of the maximum a search finds (`75%` → 0.75). */
export type SweepPoint = {kind: 'rate'; perSecond: number} | {kind: 'share'; share: number}

/** `10%,50%,100%` (shares of the found maximum) and/or `1000,2000` (msg/s). */
export function parseSweep(raw: string): SweepPoint[] {
  const parts = raw.split(',').map((part) => part.trim())
  if (parts.some((part) => part === ''))
    throw new UsageError(`--sweep must be a comma-separated list of rates or percentages, e.g. 25%,50%,100% or 1000,2000, got "${raw}"`)
  const points = parts.map((part): SweepPoint => {
    if (part.endsWith('%')) {
      const percent = parseNumber('sweep', part.slice(0, -1), {min: 0.1, max: 1000})
      return {kind: 'share', share: percent / 100}
    }
    return {kind: 'rate', perSecond: parseNumber('sweep', part.replace(/\/s$/, ''), {min: 0.1})}
  })
  if (points.length > 50) throw new UsageError(`--sweep takes at most 50 points, got ${points.length}`)
  return points
}

export function sweepNeedsMax(points: readonly SweepPoint[]): boolean {
  return points.some((p) => p.kind === 'share')
}

export interface ResolvedPoint {
  perSecond: number
  /** The share of the maximum it was given as, if any. */
  share: number | null
}

/** Absolute rates, ascending, duplicates merged. */
export function resolveSweep(points: readonly SweepPoint[], maxRate: number | null): ResolvedPoint[] {
  const resolved = points.map((p): ResolvedPoint => {
    if (p.kind === 'rate') return {perSecond: roundRate(p.perSecond), share: null}
    if (maxRate === null) throw new UsageError('--sweep with percentages needs a maximum rate, and the search found none')
    return {perSecond: roundRate(p.share * maxRate), share: p.share}
  })
  resolved.sort((a, b) => a.perSecond - b.perSecond)
  return resolved.filter((p, i) => i === 0 || p.perSecond !== resolved[i - 1].perSecond)
}

/**
 * Marks the knee on `points` (ascending) and describes it; null when the curve has none. The knee
 * is where the curve turns up for good: the first point from which every higher rate departs from
 * the low-load p99 or grows a backlog, so one noisy point below the turn is not taken for it.
 */
export function findKnee(points: CurvePoint[]): Knee | null {
  const baseP99Ms = points.find((p) => p.latency !== null)?.latency?.p99Ms ?? null
  const growth = (p: CurvePoint) => p.reasons.find((r) => r.startsWith('backlog grew'))
  const departs = (p: CurvePoint) => {
    const p99 = p.latency?.p99Ms
    return baseP99Ms !== null && p99 !== undefined && p99 > KNEE_P99_FACTOR * baseP99Ms && p99 - baseP99Ms >= KNEE_MIN_RISE_MS
  }
  let kneeIndex = -1
  for (let i = points.length - 1; i >= 0 && (growth(points[i]) !== undefined || departs(points[i])); i--) kneeIndex = i
  if (kneeIndex === -1) return null
  const point = points[kneeIndex]
  point.knee = true
  const grew = growth(point)
  const p99 = point.latency?.p99Ms ?? Number.NaN
  const reason =
    departs(point) || grew === undefined
      ? `p99 ${p99.toFixed(2)} ms is ${(p99 / baseP99Ms!).toFixed(1)}× the ${baseP99Ms!.toFixed(2)} ms at the lowest rate`
      : grew
  return {perSecond: point.targetPerSecond, reason, baseP99Ms}
}
