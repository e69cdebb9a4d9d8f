// Two runs side by side: every headline figure of a baseline and a candidate with the change
// (absolute and relative). Pure: results in, a document or a table string out. Backends may
// differ (comparing RabbitMQ with Kafka is a fair question); the schema was checked on load.
import type {ChalkInstance} from 'chalk'
import Table from 'cli-table3'
import type {BenchResult} from '../bench/result.js'
import {REPORTED_PERCENTILES, type LatencySummary} from '../metrics/histogram.js'
import {formatCount, formatDecimal, formatMegabytesPerSecond, formatMillis, formatPercent, formatRate} from '../output/format.js'
import {outputWidth, renderTable, wrapText} from '../output/table.js'
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

function figure(section: string, name: string, unit: FigureUnit, better: 'lower' | 'higher', baseline: number | null, candidate: number | null): ComparedFigure {
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

export function formatFigure(value: number | null, unit: FigureUnit): string {
  if (value === null) return '-'
  switch (unit) {
    case 'ms':
      return value < 0 ? `-${formatMillis(-value)}` : formatMillis(value)
    case 'msg/s':
      return value < 0 ? `-${formatRate(-value)}` : formatRate(value)
    case 'MB/s':
      return formatMegabytesPerSecond(value * 1e6)
    case 'messages':
      return Number.isInteger(value) ? formatCount(value) : formatDecimal(value)
    default:
      return formatCount(value)
  }
}

function signed(text: string, value: number): string {
  return value > 0 ? `+${text}` : text
}

export function formatChange(f: ComparedFigure): string {
  if (f.change === null) return '-'
  const absolute = signed(formatFigure(f.change, f.unit), f.change)
  const percent = f.changePercent === null ? '' : ` (${signed(formatPercent(f.changePercent / 100), f.changePercent)})`
  return `${absolute}${percent}`
}

/** Did the figure get better, worse, or stay the same? */
export function verdict(f: ComparedFigure): 'better' | 'worse' | 'same' {
  if (f.change === null || f.change === 0) return 'same'
  return (f.change < 0) === (f.better === 'lower') ? 'better' : 'worse'
}

export function renderComparison(comparison: Comparison, options: {colour?: ChalkInstance; width?: number} = {}): string {
  const c = options.colour
  const width = options.width ?? outputWidth()
  const {baseline: a, candidate: b} = comparison
  const table = new Table({head: ['Figure', a.label, b.label, 'change'], style: {head: [], border: []}, colAligns: ['left', 'right', 'right', 'right']})
  let section = ''
  for (const f of comparison.figures) {
    if (f.section !== section) {
      section = f.section
      table.push([{colSpan: 4, content: c ? c.bold(section) : section}])
    }
    const change = formatChange(f)
    const mark = verdict(f)
    const painted = c && mark !== 'same' ? (mark === 'better' ? c.green(change) : c.red(change)) : change
    table.push([`  ${f.name}`, formatFigure(f.baseline, f.unit), formatFigure(f.candidate, f.unit), painted])
  }
  const header = [`baseline  ${a.label}: ${a.url} (${a.backend}, ${a.mode}, ${a.startedAt})`, `candidate ${b.label}: ${b.url} (${b.backend}, ${b.mode}, ${b.startedAt})`].map((line) => wrapText(line, width))
  const settings =
    comparison.settings.length === 0
      ? 'the same workload settings'
      : renderTable({head: ['Setting (differs)', a.label, b.label], rows: comparison.settings.map((s) => [s.flag, s.baseline, s.candidate]), align: ['left', 'right', 'right']}, width)
  return `${header.join('\n')}\n${settings}\n${table.toString()}\n`
}
