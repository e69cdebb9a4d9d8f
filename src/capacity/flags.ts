// The capacity flags of `bench` (--find-max, --sweep, --slo and the search settings), typed where
// they enter (src/flags.ts), checked together and turned into a CapacityPlan.
import type {BenchOptions} from '../bench/options.js'
import {UsageError} from '../errors.js'
import type {Assertion} from '../results/assert.js'
import {SEARCH_DEFAULTS} from './criteria.js'
import type {CapacityPlan} from './run.js'
import {defaultSearchSettings} from './search.js'
import type {SweepPoint} from './sweep.js'

/** The capacity flags of `bench`, typed (src/flags.ts). */
export interface CapacityFlagValues {
  'find-max'?: boolean
  sweep?: SweepPoint[]
  slo?: Assertion[]
  /** ms */
  'step-duration'?: number
  /** ms */
  settle?: number
  /** msg/s */
  'start-rate'?: number
  /** msg/s */
  'max-rate'?: number
  /** A share, 0.05 for 5%. */
  precision?: number
  /** The workload flags a search sets itself: only whether they were given matters. */
  rate?: unknown
  count?: unknown
  duration?: unknown
  warmup?: unknown
}

export function capacityRequested(flags: CapacityFlagValues): boolean {
  return flags['find-max'] === true || flags.sweep !== undefined
}

/** Search-only flags given without --find-max or --sweep are a mistake worth naming. */
export function refuseStrayCapacityFlags(flags: CapacityFlagValues): void {
  if (capacityRequested(flags)) return
  const stray = (['slo', 'step-duration', 'settle', 'start-rate', 'max-rate', 'precision'] as const).filter((name) => flags[name] !== undefined)
  if (stray.length > 0) throw new UsageError(`--${stray[0]} only applies with --find-max or --sweep (for a plain run use --assert)`)
}

export function capacityPlanFromFlags(flags: CapacityFlagValues, base: BenchOptions): CapacityPlan {
  for (const name of ['rate', 'count', 'duration', 'warmup'] as const) {
    if (flags[name] !== undefined) {
      const instead = {rate: '--start-rate/--max-rate (the search picks the rates)', count: '--step-duration', duration: '--step-duration', warmup: '--settle'}[
        name
      ]
      throw new UsageError(`--${name} cannot be used with --find-max or --sweep: use ${instead}`)
    }
  }
  const stepMs = flags['step-duration'] ?? SEARCH_DEFAULTS.stepMs
  const settleMs = flags.settle ?? SEARCH_DEFAULTS.settleMs
  const startRate = flags['start-rate']
  const maxRate = flags['max-rate']
  const search = defaultSearchSettings({
    ...(startRate === undefined ? {} : {startRatePerSecond: startRate}),
    ...(maxRate === undefined ? {} : {maxRatePerSecond: maxRate}),
    ...(flags.precision === undefined ? {} : {precision: flags.precision}),
  })
  if (maxRate !== undefined && startRate !== undefined && startRate > maxRate) {
    throw new UsageError(`--start-rate (${startRate}) must not be above --max-rate (${maxRate})`)
  }
  const sweep = flags.sweep
  return {
    base,
    findMax: flags['find-max'] === true,
    search,
    sweep,
    stepMs,
    settleMs,
    slos: flags.slo ?? [],
  }
}
