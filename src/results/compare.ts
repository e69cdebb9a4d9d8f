// Two runs side by side: every headline figure of a baseline and a candidate with the change
// (absolute and relative), and the workload settings that differ. Pure: results in, a comparison
// document out (report/compare-render.ts draws it). Backends may differ (comparing RabbitMQ with
// Kafka is a fair question); the schema was checked on load.
import type {BenchResult} from './document.js'
import {REPORTED_PERCENTILES, type LatencySummary} from '../metrics/histogram.js'
import {settingDifferences} from './workload.js'

export const COMPARISON_SCHEMA = 'mqkit-bench-comparison'
export const COMPARISON_SCHEMA_VERSION = 1

export type FigureUnit = 'msg/s' | 'MB/s' | 'ms' | 'messages' | 'count'

export interface ComparedFigure {
  section: string
  name: string
  unit: FigureUnit
  /** Which direction is an improvement (e.g. lower latency, higher throughput). */
  better: 'lower' | 'higher'
  baseline: number | null
  candidate: number | null
  /** candidate − baseline; null when either side lacks the figure. */
  change: number | null
  /** change / baseline × 100; null when the baseline is 0 or missing. */
  changePercent: number | null
}

export interface RunLabel {
  label: string
  url: string
  backend: string
  startedAt: string
  mode: string
}

/** A workload setting the two runs differ in (its flag, and each run's value as shown). */
export interface ComparedSetting {
  field: string
  flag: string
  baseline: string
  candidate: string
}

export interface Comparison {
  schema: typeof COMPARISON_SCHEMA
  schemaVersion: typeof COMPARISON_SCHEMA_VERSION
  baseline: RunLabel
  candidate: RunLabel
  /** The workload settings that differ (empty: the same workload), so a change is read knowing why. */
  settings: ComparedSetting[]
  figures: ComparedFigure[]
}

const LATENCY_FIGURES: ReadonlyArray<readonly [keyof LatencySummary, string]> = [['mean', 'mean'], ...REPORTED_PERCENTILES]

const LATENCY_SECTIONS: Array<[string, (r: BenchResult) => LatencySummary | null]> = [
  ['publish latency', (r) => r.latency.publish],
  ['end-to-end latency', (r) => r.latency.endToEnd],
  ['end-to-end from intended send', (r) => r.latency.endToEndCorrected],
  ['publish delay', (r) => r.latency.publishDelay],
  ['handling time', (r) => r.handling],
]

function figure(
  section: string,
  name: string,
  unit: FigureUnit,
  better: 'lower' | 'higher',
  baseline: number | null,
  candidate: number | null,
): ComparedFigure {
  const change = baseline === null || candidate === null ? null : candidate - baseline
  const changePercent = change === null || baseline === 0 ? null : (change / Math.abs(baseline!)) * 100
  return {section, name, unit, better, baseline, candidate, change, changePercent}
}

function runLabel(result: BenchResult, label: string): RunLabel {
  return {label, url: result.meta.url, backend: result.meta.backend, startedAt: result.meta.startedAt, mode: result.workload.mode}
}

export function compareResults(baseline: BenchResult, candidate: BenchResult, labels: [string, string] = ['baseline', 'candidate']): Comparison {
  const figures: ComparedFigure[] = []
  for (const side of ['published', 'consumed'] as const) {
    const pick = (r: BenchResult) => r.throughput[side]
    figures.push(figure('throughput', `${side} msg/s`, 'msg/s', 'higher', pick(baseline).perSecond, pick(candidate).perSecond))
    figures.push(figure('throughput', `${side} MB/s`, 'MB/s', 'higher', pick(baseline).bytesPerSecond / 1e6, pick(candidate).bytesPerSecond / 1e6))
  }
  for (const [section, pick] of LATENCY_SECTIONS) {
    const a = pick(baseline)
    const b = pick(candidate)
    if (a === null && b === null) continue
    for (const [key, name] of LATENCY_FIGURES) figures.push(figure(section, name, 'ms', 'lower', a?.[key] ?? null, b?.[key] ?? null))
  }
  figures.push(figure('queue length', 'mean', 'messages', 'lower', baseline.queueLength.mean, candidate.queueLength.mean))
  figures.push(figure('queue length', 'max', 'messages', 'lower', baseline.queueLength.max, candidate.queueLength.max))
  for (const key of ['lost', 'duplicates', 'outOfOrder', 'leftInQueue', 'publishErrors'] as const) {
    figures.push(figure('integrity', key, 'count', 'lower', baseline.integrity[key], candidate.integrity[key]))
  }
  return {
    schema: COMPARISON_SCHEMA,
    schemaVersion: COMPARISON_SCHEMA_VERSION,
    baseline: runLabel(baseline, labels[0]),
    candidate: runLabel(candidate, labels[1]),
    settings: settingDifferences(baseline, candidate).map((d) => ({field: d.field, flag: d.flag, baseline: d.values[0], candidate: d.values[1]})),
    figures,
  }
}
