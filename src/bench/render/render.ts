// Pure rendering: a BenchResult in, the report tables out. The same facts as --json, nothing
// computed here beyond formatting. Colour comes from the caller (colourFor), so a pipe or NO_COLOR
// gets plain text; the width too (tables wider than it are stacked, prose is wrapped).
import type {ChalkInstance} from 'chalk'
import {REPORTED_PERCENTILES, type LatencySummary} from '../../metrics/histogram.js'
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
} from '../../output/format.js'
import {joinWrapped, outputWidth, renderTable, wrapText, type Align} from '../../output/table.js'
import {formatAssertionValue} from '../../results/assert.js'
import type {BenchResult} from '../../results/document.js'
import type {ShardMergedResult} from '../../results/shards.js'
import {renderAvailability} from './render-availability.js'

export interface RenderOptions {
  colour?: ChalkInstance
  /** Columns to fit. Default: outputWidth() of stdout (the terminal's, else COLUMNS, else 80). */
  width?: number
}

const PERCENTILES = REPORTED_PERCENTILES

/** `mqkit bench URL · 1 producer, …`: the run's setting, as facts separated by " · ". */
export function headerFacts(result: BenchResult): string[] {
  const w = result.workload
  const size = w.maxSizeBytes === w.sizeBytes ? formatBytes(w.sizeBytes) : `${formatBytes(w.sizeBytes)}–${formatBytes(w.maxSizeBytes)}`
  const mode = w.rate
    ? `open loop ${w.rate.map((s) => `${formatRate(s.perSecond)}${s.durationMs ? ` for ${formatMillis(s.durationMs)}` : ''}`).join(', ')} (${w.arrivals})`
    : `closed loop, confirm window ${formatCount(w.confirmWindow)}`
  const knobs = [
    w.queueType && `${w.queueType} queue`,
    w.stamp === 'header' && 'stamp in a header',
    w.partitions && formatQuantity(w.partitions, 'partition'),
    w.keys && formatQuantity(w.keys, 'key'),
    w.acks && `acks ${w.acks}`,
    w.persistent && 'persistent',
    w.multiAck && `multi-ack ${w.multiAck}`,
    w.mandatory && 'mandatory',
  ].filter((k): k is string => typeof k === 'string')
  const shape = [formatQuantity(w.producers, 'producer'), formatQuantity(w.consumers, 'consumer'), formatQuantity(w.queues, 'queue'), ...knobs].join(', ')
  const shard = result.meta.shard
  const sharding = shard ? [`shard ${shard.index}/${shard.count} of run ${shard.runId}${shard.attempt > 0 ? ` (attempt ${shard.attempt})` : ''}`] : []
  return [
    result.meta.url,
    ...sharding,
    shape,
    size,
    mode,
    `measured ${formatMillis(result.meta.measuredMs)}`,
    ...(result.meta.interrupted ? ['INTERRUPTED'] : []),
  ]
}

export interface IntegrityColumn {
  head: string
  text: string
  /** A count above 0 that is a fault (shown red). */
  bad: boolean
}

/**
 * The integrity table's columns. A result with the failure accounting (integrity.inDoubt set)
 * names lost by its category, "confirmed & lost", and adds "in doubt" beside it; the left-in-queue
 * count says how it was found (a final drain read each message, or the broker's count).
 */
export function integrityColumns(result: BenchResult): IntegrityColumn[] {
  const i = result.integrity
  const count = (head: string, n: number, bad = false): IntegrityColumn => ({head, text: formatCount(n), bad: bad && n > 0})
  const accounted = i.inDoubt !== undefined
  const left = count('left in queue', i.leftInQueue)
  if (i.leftInQueueBy) left.text += ` (${i.leftInQueueBy})`
  return [
    count('sent', i.sent),
    count('confirmed', i.confirmed),
    count('received', i.received),
    i.lostUnknown === undefined
      ? count(accounted ? 'confirmed & lost' : 'lost', i.lost, true)
      : {head: accounted ? 'confirmed & lost' : 'lost', text: `≤ ${formatCount(i.lost)} (unknown)`, bad: false},
    ...(accounted ? [count('in doubt', i.inDoubt ?? 0)] : []),
    count('duplicates', i.duplicates, true),
    count('out of order', i.outOfOrder, true),
    left,
    count('publish errors', i.publishErrors, true),
  ]
}

/**
 * "in doubt 12 (arrived 9, not arrived 3): …" when some messages' outcome is unknown, and why lost
 * is only an upper bound when it is; else ''.
 */
export function inDoubtLine(result: BenchResult): string {
  const {inDoubt, inDoubtArrived, lostUnknown} = result.integrity
  const lines: string[] = []
  if (lostUnknown !== undefined) lines.push(`lost unknown: ${lostUnknown}`)
  if (inDoubt) {
    const split = inDoubtArrived === undefined ? '' : ` (arrived ${formatCount(inDoubtArrived)}, not arrived ${formatCount(inDoubt - inDoubtArrived)})`
    lines.push(
      `in doubt ${formatCount(inDoubt)}${split}: sent but neither confirmed nor refused when the connection died, so the outcome is unknown; never counted as lost`,
    )
  }
  return lines.join('\n')
}

export function renderResult(result: BenchResult, options: RenderOptions = {}): string {
  const c = options.colour
  const width = options.width ?? outputWidth()
  const bold = (s: string) => (c ? c.bold(s) : s)
  const table = (head: string[], rows: string[][], align?: Align[]) => renderTable({head, rows, align}, width)
  const right = (n: number): Align[] => ['left', ...Array<Align>(n).fill('right')]
  const sections: string[] = []
  const [url, ...facts] = headerFacts(result)
  sections.push(joinWrapped([`${bold('mqkit bench')} ${url}`, ...facts], ' · ', width))

  const tp = [
    ['published', result.throughput.published],
    ['consumed', result.throughput.consumed],
  ] as const
  const throughputRows = tp.map(([label, f]) => [label, formatCount(f.count), formatRate(f.perSecond), formatMegabytesPerSecond(f.bytesPerSecond)])
  if (result.throughput.targetPerSecond !== null) throughputRows.push(['target', '', formatRate(result.throughput.targetPerSecond), ''])
  sections.push(table(['Throughput', 'messages', 'msg/s', 'MB/s'], throughputRows, right(3)))

  const latencyRows: string[][] = []
  const row = (label: string, s: LatencySummary | null) => {
    if (s !== null) latencyRows.push([label, formatCount(s.count), formatMillis(s.mean), ...PERCENTILES.map(([key]) => formatMillis(s[key]))])
  }
  row('publish (send→confirm)', result.latency.publish)
  row('end-to-end (send→receive)', result.latency.endToEnd)
  row('end-to-end from intended send', result.latency.endToEndCorrected)
  row('publish delay (actual−intended)', result.latency.publishDelay)
  row('handling time (receive→ack)', result.handling)
  sections.push(table(['Latency', 'count', 'mean', ...PERCENTILES.map(([, label]) => label)], latencyRows, right(2 + PERCENTILES.length)))

  const ll = result.littlesLaw
  sections.push(
    table(
      ['Queue length', 'samples', 'mean', 'max', "Little's law L", 'λW (W: confirm→ack settled)', 'error'],
      [
        [
          `every ${formatMillis(result.queueLength.sampleIntervalMs)}`,
          formatCount(result.queueLength.samples),
          formatDecimal(result.queueLength.mean),
          formatCount(result.queueLength.max),
          formatDecimal(ll.L),
          formatLambdaW(ll),
          ll.relativeError === null ? '-' : formatPercent(ll.relativeError),
        ],
      ],
      right(6),
    ),
  )

  const integrity = integrityColumns(result)
  sections.push(
    table(
      ['Integrity', ...integrity.map((col) => col.head)],
      [['messages', ...integrity.map((col) => (col.bad && c ? c.red(col.text) : col.text))]],
      right(integrity.length),
    ),
  )
  const doubt = inDoubtLine(result)
  if (doubt) sections.push(...doubt.split('\n').map((line) => wrapText(line, width)))
  sections.push(...renderAvailability(result, {colour: c, width}))

  const h = result.health
  sections.push(
    wrapText(
      `load generator: CPU ${formatPercent(h.cpuPercent / 100, 0)}, event-loop delay p50 ${formatMillis(h.eventLoopDelay.p50Ms)} p99 ${formatMillis(h.eventLoopDelay.p99Ms)} max ${formatMillis(h.eventLoopDelay.maxMs)}` +
        (h.scheduleLagP99Ms === null ? '' : `, schedule lag p99 ${formatMillis(h.scheduleLagP99Ms)}`),
      width,
    ),
  )
  const shards = (result as Partial<ShardMergedResult>).merged?.shards
  if (shards) {
    const merged = shards.count - shards.missing.length
    const late = Math.max(0, ...shards.shards.map((x) => x.lateMs ?? 0))
    sections.push(
      wrapText(
        `shards: run ${shards.runId}, ${merged} of ${shards.count} merged${shards.startSkewMs === null ? '' : `, start skew ${formatMillis(shards.startSkewMs)}`}, latest start ${formatMillis(late)} after --start-at (first sends on each host's clock)`,
        width,
      ),
    )
  }
  for (const warning of h.warnings) sections.push(wrapText(`${c ? c.yellow('warning:') : 'warning:'} ${warning}`, width))

  if (result.assertions.length > 0) {
    const rows = result.assertions.map((outcome) => {
      const verdict = outcome.passed ? 'pass' : 'FAIL'
      return [outcome.expression, formatAssertionValue(outcome.metric, outcome.actual), c ? (outcome.passed ? c.green(verdict) : c.red(verdict)) : verdict]
    })
    sections.push(table(['Assertion', 'actual', 'result'], rows, ['left', 'right', 'left']))
  }
  return `${sections.join('\n')}\n`
}
