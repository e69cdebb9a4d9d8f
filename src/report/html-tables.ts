// The report's tables as HTML, drawn from the same result fields as the terminal tables
// (src/bench/render.ts). Every value from the result is escaped; numbers use the shared formatters.
import type {BenchResult} from '../bench/result.js'
import {REPORTED_PERCENTILES, type LatencySummary} from '../metrics/histogram.js'
import {formatBytes, formatCount, formatLambdaW, formatMillis, formatRate} from '../output/format.js'
import {KIND_LABELS} from './charts.js'
import {type Comparison, formatChange, formatFigure, verdict} from './compare.js'
import {escapeHtml} from './escape.js'
import {isMerged} from './merge.js'

type Cell = string | {html: string; className?: string}

/** A table; plain-string cells are escaped, `{html}` cells are trusted markup built here. */
export function htmlTable(caption: string, head: string[], rows: Cell[][], className = ''): string {
  const cell = (c: Cell, tag: 'td' | 'th') =>
    typeof c === 'string' ? `<${tag}>${escapeHtml(c)}</${tag}>` : `<${tag}${c.className ? ` class="${c.className}"` : ''}>${c.html}</${tag}>`
  return [
    `<table class="${className}"><caption>${escapeHtml(caption)}</caption>`,
    `<thead><tr>${head.map((h) => cell(h, 'th')).join('')}</tr></thead>`,
    `<tbody>${rows.map((row) => `<tr>${row.map((c, i) => cell(c, i === 0 ? 'th' : 'td')).join('')}</tr>`).join('\n')}</tbody>`,
    '</table>',
  ].join('\n')
}

const PERCENTILES = REPORTED_PERCENTILES

function bad(n: number): Cell {
  return n > 0 ? {html: escapeHtml(formatCount(n)), className: 'bad'} : formatCount(n)
}

export function metadataTable(result: BenchResult): string {
  const m = result.meta
  const w = result.workload
  const size = w.maxSizeBytes === w.sizeBytes ? formatBytes(w.sizeBytes) : `${formatBytes(w.sizeBytes)}–${formatBytes(w.maxSizeBytes)}`
  const rows: Cell[][] = [
    ['backend', m.backend],
    ['URL (redacted)', m.url],
    ['queues', m.queues.join(', ')],
    ['mode', w.mode === 'open-loop' ? `open loop ${(w.rate ?? []).map((s) => `${s.perSecond}/s${s.durationMs ? ` for ${formatMillis(s.durationMs)}` : ''}`).join(', ')} (${w.arrivals})` : `closed loop, confirm window ${w.confirmWindow}`],
    ['workload', `${w.producers} producer(s), ${w.consumers} consumer(s), ${w.queues} queue(s), ${size}${w.count === undefined ? '' : `, ${formatCount(w.count)} messages`}, prefetch ${w.prefetch}${w.persistent ? ', persistent' : ''}`],
    ['work per message', w.work.kind === 'none' ? 'none' : JSON.stringify(w.work)],
    ['warmup / measured', `${w.warmupMs > 0 ? formatMillis(w.warmupMs) : 'none'} / ${formatMillis(m.measuredMs)}${m.interrupted ? ' (INTERRUPTED)' : ''}`],
    ['started / finished', `${m.startedAt} / ${m.finishedAt}`],
    ['versions', `mqkit ${m.mqkitVersion}, Node ${m.node}`],
    ['host', `${m.host.hostname} (${m.host.platform}/${m.host.arch}, ${m.host.cpus} × ${m.host.cpuModel}, ${formatBytes(m.host.totalMemoryBytes)})`],
  ]
  return htmlTable('Run', ['', ''], rows, 'meta')
}

export function throughputTable(result: BenchResult): string {
  const rows: Cell[][] = (['published', 'consumed'] as const).map((side) => {
    const f = result.throughput[side]
    return [side, formatCount(f.count), formatRate(f.perSecond), (f.bytesPerSecond / 1e6).toFixed(2), formatMillis(f.elapsedMs)]
  })
  if (result.throughput.targetPerSecond !== null) rows.push(['target', '', formatRate(result.throughput.targetPerSecond), '', ''])
  return htmlTable('Throughput', ['', 'messages', 'msg/s', 'MB/s', 'over'], rows)
}

export function latencyTable(result: BenchResult): string {
  const rows: Cell[][] = []
  const row = (label: string, s: LatencySummary | null) => {
    if (s !== null) rows.push([label, formatCount(s.count), formatMillis(s.mean), ...PERCENTILES.map(([key]) => formatMillis(s[key]))])
  }
  row(KIND_LABELS.publish, result.latency.publish)
  row(KIND_LABELS.endToEnd, result.latency.endToEnd)
  row(KIND_LABELS.endToEndCorrected, result.latency.endToEndCorrected)
  row(KIND_LABELS.publishDelay, result.latency.publishDelay)
  row(KIND_LABELS.handling, result.handling)
  const negatives = result.latency.negativeClockSamples
  const caption = `Latency and handling time${negatives > 0 ? ` (${formatCount(negatives)} negative clock samples counted, not recorded)` : ''}`
  return htmlTable(caption, ['', 'count', 'mean', ...PERCENTILES.map(([, label]) => label)], rows)
}

export function queueTable(result: BenchResult): string {
  const q = result.queueLength
  const ll = result.littlesLaw
  return htmlTable(
    "Queue length and Little's law",
    ['sampled', 'samples', 'mean', 'max', 'L (measured)', 'λW (predicted; W: confirm→ack settled)', 'error'],
    [[
      `every ${formatMillis(q.sampleIntervalMs)}`,
      formatCount(q.samples),
      q.mean.toFixed(1),
      formatCount(q.max),
      ll.L.toFixed(1),
      formatLambdaW(ll),
      ll.relativeError === null ? '-' : `${(ll.relativeError * 100).toFixed(1)} %`,
    ]],
  )
}

export function integrityTable(result: BenchResult): string {
  const i = result.integrity
  return htmlTable(
    'Integrity',
    ['', 'sent', 'confirmed', 'received', 'lost', 'duplicates', 'out of order', 'left in queue', 'publish errors'],
    [['messages', formatCount(i.sent), formatCount(i.confirmed), formatCount(i.received), bad(i.lost), bad(i.duplicates), bad(i.outOfOrder), formatCount(i.leftInQueue), bad(i.publishErrors)]],
  )
}

export function healthSection(result: BenchResult): string {
  const h = result.health
  const line = `CPU ${h.cpuPercent.toFixed(0)} %, event-loop delay p50 ${formatMillis(h.eventLoopDelay.p50Ms)} p99 ${formatMillis(h.eventLoopDelay.p99Ms)} max ${formatMillis(h.eventLoopDelay.maxMs)}${h.scheduleLagP99Ms === null ? '' : `, schedule lag p99 ${formatMillis(h.scheduleLagP99Ms)}`}`
  const warnings = h.warnings.map((w) => `<li class="warning">${escapeHtml(w)}</li>`).join('\n')
  return `<p class="health">Load generator: ${escapeHtml(line)}</p>${warnings ? `\n<ul class="warnings">${warnings}</ul>` : ''}`
}

export function assertionsTable(result: BenchResult): string {
  if (result.assertions.length === 0) return '<p class="muted">No assertions (--assert) were given.</p>'
  const rows: Cell[][] = result.assertions.map((a) => [
    a.expression,
    Number.isFinite(a.actual) ? (Number.isInteger(a.actual) ? String(a.actual) : a.actual.toFixed(3)) : 'n/a',
    a.passed ? {html: 'pass', className: 'good'} : {html: 'FAIL', className: 'bad'},
  ])
  return htmlTable('Assertions', ['', 'actual', 'result'], rows)
}

export function sourcesTable(result: BenchResult): string {
  if (!isMerged(result)) return ''
  const rows: Cell[][] = result.merged.sources.map((s) => [s.label, s.url, s.hostname, s.startedAt, formatCount(s.published), formatCount(s.consumed), s.queueLength.mean.toFixed(1), formatCount(s.queueLength.max)])
  return htmlTable('Merged load generators', ['source', 'URL', 'host', 'started', 'published', 'consumed', 'queue mean', 'queue max'], rows)
}

export function comparisonTable(comparison: Comparison): string {
  const rows: Cell[][] = comparison.figures.map((f) => {
    const mark = verdict(f)
    return [`${f.section}: ${f.name}`, formatFigure(f.baseline, f.unit), formatFigure(f.candidate, f.unit), {html: escapeHtml(formatChange(f)), className: mark === 'same' ? '' : mark === 'better' ? 'good' : 'bad'}]
  })
  return htmlTable(`Comparison: ${comparison.baseline.label} → ${comparison.candidate.label}`, ['figure', comparison.baseline.label, comparison.candidate.label, 'change'], rows, 'comparison')
}
