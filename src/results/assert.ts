// CI smoke-test thresholds: `--assert 'p99<50ms'`, `e2e.p99.9<200ms`, `throughput>=10000`,
// `lost=0`, `duplicates=0`, `confirmed-lost=0`, `unavailable<15s`. Parsed up front (a typo is a usage error before the run, not after),
// evaluated against the result at the end.
import {UsageError} from '../errors.js'
import type {LatencySummary} from '../metrics/histogram.js'
import {parseDurationMs} from '../flag-grammars.js'
import {formatCount, formatDecimal, formatMillis, formatRate} from '../output/format.js'
import type {AssertionOutcome, BenchResult} from './document.js'

export type Operator = '<' | '<=' | '>' | '>=' | '=' | '!='

export interface Assertion {
  expression: string
  metric: string
  operator: Operator
  /** In the metric's unit: ms for latencies, msg/s for rates, a count otherwise. */
  threshold: number
  read: (result: BenchResult) => number
}

const LATENCY_ALIASES: Record<string, keyof BenchResult['latency']> = {
  e2e: 'endToEnd',
  endtoend: 'endToEnd',
  corrected: 'endToEndCorrected',
  'e2e-corrected': 'endToEndCorrected',
  publish: 'publish',
  confirm: 'publish',
  delay: 'publishDelay',
}

const STATS: Record<string, keyof LatencySummary> = {
  mean: 'mean',
  min: 'min',
  max: 'max',
  stdev: 'stdev',
  p50: 'p50',
  p75: 'p75',
  p90: 'p90',
  p95: 'p95',
  p99: 'p99',
  'p99.9': 'p99_9',
  'p99.99': 'p99_99',
}

const COUNTS: Record<string, (r: BenchResult) => number> = {
  throughput: (r) => r.throughput.consumed.perSecond || r.throughput.published.perSecond,
  'published.rate': (r) => r.throughput.published.perSecond,
  'consumed.rate': (r) => r.throughput.consumed.perSecond,
  /** NaN (fails as n/a) when lost is only an upper bound (integrity.lostUnknown: a --shared-queues shard alone). */
  lost: (r) => knownLost(r),
  /** The same figure under the name of its category: confirmed by the broker, never delivered. */
  'confirmed-lost': (r) => knownLost(r),
  /** Sent, outcome unknown (the connection died before the confirm); 0 in results that predate it. */
  'in-doubt': (r) => r.integrity.inDoubt ?? 0,
  duplicates: (r) => r.integrity.duplicates,
  'out-of-order': (r) => r.integrity.outOfOrder,
  outoforder: (r) => r.integrity.outOfOrder,
  'publish-errors': (r) => r.integrity.publishErrors,
  'left-in-queue': (r) => r.integrity.leftInQueue,
  'queue.max': (r) => r.queueLength.max,
  'queue.mean': (r) => r.queueLength.mean,
  'negative-samples': (r) => r.latency.negativeClockSamples,
}

function knownLost(r: BenchResult): number {
  return r.integrity.lostUnknown === undefined ? r.integrity.lost : Number.NaN
}

/** Metrics that are durations other than latencies (ms). NaN when the result has no availability
 *  section (neither --recover nor --fault-cmd): the assertion then fails as "n/a", since a CI
 *  check that cannot be checked must not pass. */
const DURATIONS: Record<string, (r: BenchResult) => number> = {
  unavailable: (r) => r.availability?.unavailableMs ?? Number.NaN,
  'unavailable.total': (r) => r.availability?.totalUnavailableMs ?? Number.NaN,
}

/** Metrics that are rates (msg/s); queue.mean is a mean length, the other COUNTS are counts. */
const RATES = new Set(['throughput', 'published.rate', 'consumed.rate'])

/** The unit of a metric's value and threshold: ms for latencies, msg/s for rates, else a count. */
export function assertionUnit(metric: string): 'ms' | 'msg/s' | 'count' {
  if (RATES.has(metric)) return 'msg/s'
  return Object.hasOwn(COUNTS, metric) ? 'count' : 'ms'
}

/** A metric's value with its unit, as the tables show it: "12.4 ms", "1500 /s", "0". */
export function formatAssertionValue(metric: string, value: number): string {
  if (!Number.isFinite(value)) return 'n/a'
  switch (assertionUnit(metric)) {
    case 'ms':
      return formatMillis(value)
    case 'msg/s':
      return formatRate(value)
    default:
      return Number.isInteger(value) ? formatCount(value) : formatDecimal(value)
  }
}

const PATTERN = /^\s*([a-z][a-z0-9.-]*)\s*(<=|>=|!=|==|<|>|=)\s*(\S+)\s*$/i

/** One `--assert` expression; `flag` is the flag named in a refusal (bench --find-max's `--slo` takes the same syntax). */
export function parseAssertion(expression: string, flag = 'assert'): Assertion {
  const match = PATTERN.exec(expression)
  if (!match) throw new UsageError(`--${flag} must look like p99<50ms, throughput>=10000 or lost=0, got "${expression}"`)
  const metric = match[1].toLowerCase()
  const operator = (match[2] === '==' ? '=' : match[2]) as Operator
  const value = match[3]
  const count = Object.hasOwn(COUNTS, metric) ? COUNTS[metric] : undefined
  if (count) {
    const threshold = Number(value.replace(/\/s$/, ''))
    if (!Number.isFinite(threshold)) throw new UsageError(`--${flag} ${metric} needs a number, got "${value}" in "${expression}"`)
    return {expression, metric, operator, threshold, read: count}
  }
  const duration = Object.hasOwn(DURATIONS, metric) ? DURATIONS[metric] : undefined
  const latency = duration ?? parseLatencyMetric(metric)
  if (!latency) {
    throw new UsageError(
      `--${flag}: unknown metric "${match[1]}" in "${expression}" (use p99, e2e.p99.9, publish.p50, handling.mean, throughput, lost, confirmed-lost, in-doubt, unavailable, duplicates, out-of-order…)`,
    )
  }
  const threshold = parseDurationMs(`${flag} ${metric}`, value, 'ms')
  return {expression, metric, operator, threshold, read: latency}
}

function parseLatencyMetric(metric: string): ((r: BenchResult) => number) | undefined {
  // "p99" alone means end-to-end; "kind.stat" picks the kind; handling time is its own section.
  const firstDot = metric.indexOf('.')
  const head = firstDot === -1 ? metric : metric.slice(0, firstDot)
  const own = <V>(table: Record<string, V>, key: string): V | undefined => (Object.hasOwn(table, key) ? table[key] : undefined)
  if (own(STATS, metric)) {
    const stat = STATS[metric]
    return (r) => r.latency.endToEnd[stat]
  }
  const stat = own(STATS, metric.slice(firstDot + 1))
  if (firstDot === -1 || !stat) return undefined
  if (head === 'handling') return (r) => r.handling[stat]
  const kind = own(LATENCY_ALIASES, head)
  if (!kind || kind === 'negativeClockSamples') return undefined
  return (r) => {
    const summary = r.latency[kind] as LatencySummary | null
    return summary === null ? Number.NaN : summary[stat]
  }
}

function compare(actual: number, operator: Operator, threshold: number): boolean {
  switch (operator) {
    case '<':
      return actual < threshold
    case '<=':
      return actual <= threshold
    case '>':
      return actual > threshold
    case '>=':
      return actual >= threshold
    case '=':
      return actual === threshold
    case '!=':
      return actual !== threshold
  }
}

/** NaN (metric absent, e.g. corrected latency in closed loop) fails: an assertion must be checkable. */
export function evaluateAssertions(assertions: Assertion[], result: BenchResult): AssertionOutcome[] {
  return assertions.map((a) => {
    const actual = a.read(result)
    return {
      expression: a.expression,
      metric: a.metric,
      operator: a.operator,
      threshold: a.threshold,
      actual,
      passed: Number.isFinite(actual) && compare(actual, a.operator, a.threshold),
    }
  })
}
