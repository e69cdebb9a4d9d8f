// The capacity flags of `bench` (--find-max, --sweep, --slo and the search settings), turned into a
// CapacityPlan once, where they enter.
import type {BenchOptions} from '../bench/options.js'
import {UsageError} from '../errors.js'
import {parseDurationMs, parseNumber} from '../options/parse.js'
import {SEARCH_DEFAULTS} from './criteria.js'
import type {CapacityPlan} from './run.js'
import {defaultSearchSettings} from './search.js'
import {parseSlo} from './slo.js'
import {parseSweep} from './sweep.js'

export interface CapacityFlagValues {
  'find-max'?: boolean
  sweep?: string
  slo?: string[]
  'step-duration'?: string
  settle?: string
  'start-rate'?: string
  'max-rate'?: string
  precision?: string
  rate?: string
  count?: string
  duration?: string
  warmup?: string
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

/** "5%" or "0.05". */
function parsePrecision(raw: string): number {
  const text = raw.trim()
  return text.endsWith('%') ? parseNumber('precision', text.slice(0, -1), {min: 0.1, max: 50}) / 100 : parseNumber('precision', text, {min: 0.001, max: 0.5})
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
  const stepMs = flags['step-duration'] === undefined ? SEARCH_DEFAULTS.stepMs : parseDurationMs('step-duration', flags['step-duration'])
  if (stepMs < 500) throw new UsageError(`--step-duration must be at least 500ms, got "${flags['step-duration']}"`)
  const settleMs = flags.settle === undefined ? SEARCH_DEFAULTS.settleMs : parseDurationMs('settle', flags.settle)
  const startRate = flags['start-rate'] === undefined ? undefined : parseNumber('start-rate', flags['start-rate'].replace(/\/s$/, ''), {min: 0.1})
  const maxRate = flags['max-rate'] === undefined ? undefined : parseNumber('max-rate', flags['max-rate'].replace(/\/s$/, ''), {min: 0.1})
  const search = defaultSearchSettings({
    ...(startRate === undefined ? {} : {startRatePerSecond: startRate}),
    ...(maxRate === undefined ? {} : {maxRatePerSecond: maxRate}),
    ...(flags.precision === undefined ? {} : {precision: parsePrecision(flags.precision)}),
  })
  if (maxRate !== undefined && startRate !== undefined && startRate > maxRate) {
    throw new UsageError(`--start-rate (${startRate}) must not be above --max-rate (${maxRate})`)
  }
  const sweep = flags.sweep === undefined ? undefined : parseSweep(flags.sweep)
  return {
    base,
    findMax: flags['find-max'] === true,
    search,
    sweep,
    stepMs,
    settleMs,
    slos: (flags.slo ?? []).map((expression) => parseSlo(expression)),
  }
}
