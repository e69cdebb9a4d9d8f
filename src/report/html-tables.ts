// The report's tables as HTML, drawn from the same result fields as the terminal tables
// (src/bench/render/render.ts). Every value from the result is escaped; numbers use the shared formatters.
import type {BenchResult} from '../results/document.js'
import {formatAssertionValue} from '../results/assert.js'
import {REPORTED_PERCENTILES, type LatencySummary} from '../metrics/histogram.js'
import {
  formatBytes,
  formatCount,
  formatDecimal,
  formatLambdaW,
  formatMegabytesPerSecond,
  formatMillis,
  formatPercent,
  formatQuantity,
  formatRate,
} from '../output/format.js'
import {headerFacts, inDoubtLine, integrityColumns} from '../bench/render/render.js'
import {KIND_LABELS} from './charts.js'
import type {Comparison} from '../results/compare.js'
import {formatChange, formatFigure, verdict} from './compare-render.js'
import {escapeHtml} from './escape.js'
import {isMerged} from '../results/merge.js'

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

export function metadataTable(result: BenchResult): string {
  const m = result.meta
  const w = result.workload
  const size = w.maxSizeBytes === w.sizeBytes ? formatBytes(w.sizeBytes) : `${formatBytes(w.sizeBytes)}–${formatBytes(w.maxSizeBytes)}`
  const rows: Cell[][] = [
    ['backend', m.backend],
    ['URL (redacted)', m.url],
    ['queues', m.queues.join(', ')],
    ['mode', headerFacts(result)[3]],
    [
      'workload',
      `${headerFacts(result)[1]}, ${size}${w.count === undefined ? '' : `, ${formatQuantity(w.count, 'message')}`}, prefetch ${formatCount(w.prefetch)}`,
    ],
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
    return [side, formatCount(f.count), formatRate(f.perSecond), formatMegabytesPerSecond(f.bytesPerSecond), formatMillis(f.elapsedMs)]
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
  const wall = result.latency.clock === 'wall'
  const caption = `Latency and handling time${wall ? ", end-to-end on the hosts' wall clocks (depends on their clock sync)" : ''}${negatives > 0 ? ` (${formatCount(negatives)} negative clock samples counted, ${wall ? 'recorded as 0' : 'not recorded'})` : ''}`
  return htmlTable(caption, ['', 'count', 'mean', ...PERCENTILES.map(([, label]) => label)], rows)
}

export function queueTable(result: BenchResult): string {
  const q = result.queueLength
  const ll = result.littlesLaw
  return htmlTable(
    "Queue length and Little's law",
    ['sampled', 'samples', 'mean', 'max', 'L (measured)', 'λW (predicted; W: confirm→ack settled)', 'error'],
    [
      [
        `every ${formatMillis(q.sampleIntervalMs)}`,
        formatCount(q.samples),
        formatDecimal(q.mean),
        formatCount(q.max),
        formatDecimal(ll.L),
        formatLambdaW(ll),
        ll.relativeError === null ? '-' : formatPercent(ll.relativeError),
      ],
    ],
  )
}

export function integrityTable(result: BenchResult): string {
  const columns = integrityColumns(result)
  const table = htmlTable(
    'Integrity',
    ['', ...columns.map((col) => col.head)],
    [['messages', ...columns.map((col): Cell => (col.bad ? {html: escapeHtml(col.text), className: 'bad'} : col.text))]],
  )
  const doubt = inDoubtLine(result)
  return doubt ? `${table}\n<p class="muted">${escapeHtml(doubt)}</p>` : table
}

export function healthSection(result: BenchResult): string {
  const h = result.health
  const line = `CPU ${formatPercent(h.cpuPercent / 100, 0)}, event-loop delay p50 ${formatMillis(h.eventLoopDelay.p50Ms)} p99 ${formatMillis(h.eventLoopDelay.p99Ms)} max ${formatMillis(h.eventLoopDelay.maxMs)}${h.scheduleLagP99Ms === null ? '' : `, schedule lag p99 ${formatMillis(h.scheduleLagP99Ms)}`}`
  const warnings = h.warnings.map((w) => `<li class="warning">${escapeHtml(w)}</li>`).join('\n')
  return `<p class="health">Load generator: ${escapeHtml(line)}</p>${warnings ? `\n<ul class="warnings">${warnings}</ul>` : ''}`
}

export function assertionsTable(result: BenchResult): string {
  if (result.assertions.length === 0) return '<p class="muted">No assertions (--assert) were given.</p>'
  const rows: Cell[][] = result.assertions.map((a) => [
    a.expression,
    formatAssertionValue(a.metric, a.actual),
    a.passed ? {html: 'pass', className: 'good'} : {html: 'FAIL', className: 'bad'},
  ])
  return htmlTable('Assertions', ['', 'actual', 'result'], rows)
}

export function sourcesTable(result: BenchResult): string {
  if (!isMerged(result)) return ''
  const rows: Cell[][] = result.merged.sources.map((s) => [
    s.label,
    s.url,
    s.hostname,
    s.startedAt,
    formatCount(s.published),
    formatCount(s.consumed),
    formatDecimal(s.queueLength.mean),
    formatCount(s.queueLength.max),
  ])
  return htmlTable('Merged load generators', ['source', 'URL', 'host', 'started', 'published', 'consumed', 'queue mean', 'queue max'], rows)
}

export function comparisonTable(comparison: Comparison): string {
  const rows: Cell[][] = comparison.figures.map((f) => {
    const mark = verdict(f)
    return [
      `${f.section}: ${f.name}`,
      formatFigure(f.baseline, f.unit),
      formatFigure(f.candidate, f.unit),
      {html: escapeHtml(formatChange(f)), className: mark === 'same' ? '' : mark === 'better' ? 'good' : 'bad'},
    ]
  })
  const figures = htmlTable(
    `Comparison: ${comparison.baseline.label} → ${comparison.candidate.label}`,
    ['figure', comparison.baseline.label, comparison.candidate.label, 'change'],
    rows,
    'comparison',
  )
  // Older comparison documents have no settings.
  const differing = comparison.settings ?? []
  const settings =
    differing.length === 0
      ? '<p class="muted">The two runs have the same workload settings.</p>'
      : htmlTable(
          'Workload settings that differ',
          ['setting', comparison.baseline.label, comparison.candidate.label],
          differing.map((d) => [d.flag, d.baseline, d.candidate]),
          'settings',
        )
  return `${settings}\n${figures}`
}
