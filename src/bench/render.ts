// Pure rendering: a BenchResult in, the report tables out (cli-table3). The same facts as
// --json, nothing computed here beyond formatting. Colour comes from the caller (colourFor),
// so a pipe or NO_COLOR gets plain text.
import type {ChalkInstance} from 'chalk'
import Table from 'cli-table3'
import {REPORTED_PERCENTILES, type LatencySummary} from '../metrics/histogram.js'
import {formatBytes, formatCount, formatLambdaW, formatMillis, formatRate} from '../output/format.js'
import type {BenchResult} from './result.js'

export interface RenderOptions {
  colour?: ChalkInstance
}

const PLAIN_STYLE = {head: [] as string[], border: [] as string[]}

function table(head: string[]): Table.Table {
  return new Table({head, style: PLAIN_STYLE})
}

const PERCENTILES = REPORTED_PERCENTILES

export function renderResult(result: BenchResult, options: RenderOptions = {}): string {
  const c = options.colour
  const bold = (s: string) => (c ? c.bold(s) : s)
  const sections: string[] = []
  const w = result.workload
  const size = w.maxSizeBytes === w.sizeBytes ? formatBytes(w.sizeBytes) : `${formatBytes(w.sizeBytes)}–${formatBytes(w.maxSizeBytes)}`
  const mode = w.rate ? `open loop ${w.rate.map((s) => `${s.perSecond}/s${s.durationMs ? ` for ${formatMillis(s.durationMs)}` : ''}`).join(', ')} (${w.arrivals})` : `closed loop, confirm window ${w.confirmWindow}`
  const knobs = [
    w.queueType && `${w.queueType} queue`,
    w.stamp === 'header' && 'stamp in a header',
    w.partitions && `${w.partitions} partitions`,
    w.keys && `${w.keys} keys`,
    w.acks && `acks ${w.acks}`,
    w.persistent && 'persistent',
    w.multiAck && `multi-ack ${w.multiAck}`,
    w.mandatory && 'mandatory',
  ].filter(Boolean)
  sections.push(
    `${bold('mqkit bench')} ${result.meta.url} · ${w.producers} producer(s), ${w.consumers} consumer(s), ${w.queues} queue(s)${knobs.map((k) => `, ${k}`).join('')} · ${size} · ${mode} · measured ${formatMillis(result.meta.measuredMs)}${result.meta.interrupted ? ' · INTERRUPTED' : ''}`,
  )

  const tp = table(['Throughput', 'messages', 'msg/s', 'MB/s'])
  for (const [label, f] of [['published', result.throughput.published], ['consumed', result.throughput.consumed]] as const) {
    tp.push([label, formatCount(f.count), formatRate(f.perSecond), (f.bytesPerSecond / 1e6).toFixed(2)])
  }
  if (result.throughput.targetPerSecond !== null) tp.push(['target', '', formatRate(result.throughput.targetPerSecond), ''])
  sections.push(tp.toString())

  const lat = table(['Latency', 'count', 'mean', ...PERCENTILES.map(([, label]) => label)])
  const row = (label: string, s: LatencySummary | null) => {
    if (s === null) return
    lat.push([label, formatCount(s.count), formatMillis(s.mean), ...PERCENTILES.map(([key]) => formatMillis(s[key]))])
  }
  row('publish (send→confirm)', result.latency.publish)
  row('end-to-end (send→receive)', result.latency.endToEnd)
  row('end-to-end from intended send', result.latency.endToEndCorrected)
  row('publish delay (actual−intended)', result.latency.publishDelay)
  row('handling time (receive→ack)', result.handling)
  sections.push(lat.toString())

  const q = table(['Queue length', 'samples', 'mean', 'max', "Little's law L", 'λW (W: confirm→ack settled)', 'error'])
  const ll = result.littlesLaw
  q.push([
    `every ${formatMillis(result.queueLength.sampleIntervalMs)}`,
    formatCount(result.queueLength.samples),
    result.queueLength.mean.toFixed(1),
    formatCount(result.queueLength.max),
    ll.L.toFixed(1),
    formatLambdaW(ll),
    ll.relativeError === null ? '-' : `${(ll.relativeError * 100).toFixed(1)} %`,
  ])
  sections.push(q.toString())

  const i = result.integrity
  const integrity = table(['Integrity', 'sent', 'confirmed', 'received', 'lost', 'duplicates', 'out of order', 'left in queue', 'publish errors'])
  const flag = (n: number) => (n > 0 && c ? c.red(formatCount(n)) : formatCount(n))
  integrity.push(['', formatCount(i.sent), formatCount(i.confirmed), formatCount(i.received), flag(i.lost), flag(i.duplicates), flag(i.outOfOrder), formatCount(i.leftInQueue), flag(i.publishErrors)])
  sections.push(integrity.toString())

  const h = result.health
  sections.push(
    `load generator: CPU ${h.cpuPercent.toFixed(0)} %, event-loop delay p50 ${formatMillis(h.eventLoopDelay.p50Ms)} p99 ${formatMillis(h.eventLoopDelay.p99Ms)} max ${formatMillis(h.eventLoopDelay.maxMs)}` +
      (h.scheduleLagP99Ms === null ? '' : `, schedule lag p99 ${formatMillis(h.scheduleLagP99Ms)}`),
  )
  for (const warning of h.warnings) sections.push(`${c ? c.yellow('warning:') : 'warning:'} ${warning}`)

  if (result.assertions.length > 0) {
    const a = table(['Assertion', 'actual', 'result'])
    for (const outcome of result.assertions) {
      const verdict = outcome.passed ? 'pass' : 'FAIL'
      a.push([outcome.expression, Number.isFinite(outcome.actual) ? formatActual(outcome.actual) : 'n/a', c ? (outcome.passed ? c.green(verdict) : c.red(verdict)) : verdict])
    }
    sections.push(a.toString())
  }
  return `${sections.join('\n')}\n`
}

function formatActual(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3)
}
