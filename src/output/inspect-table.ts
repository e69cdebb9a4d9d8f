// Renders an inspect snapshot as a table (pure: snapshot in, string out). Columns: the contract's
// figures, lag when any queue has it, then every extra the backend gave, in first-seen order,
// under a readable name with its value formatted by the unit its key names (memoryBytes →
// "memory", 12.0 KiB; publishRatePerSec → "publish rate", 11.0 k/s). Extras no queue has a value
// for are left out, and so are the flags that qualify a figure (inFlightKnown: in flight shows
// "?" when it is unknown); --json keeps them all. An extra that is a list of records (Kafka's
// partitions) is counted in its column, and each queue's list follows as a table of its own (like
// kafka-consumer-groups --describe), when `details` is set. Tables wider than `width` are stacked.
import type {QueueStats} from '../drivers/types.js'
import type {InspectSnapshot} from '../core/inspect.js'
import {formatBytes, formatCount, formatDecimal, formatMillis, formatRate} from './format.js'
import {outputWidth, renderTable, wrapText} from './table.js'

type Row = Record<string, unknown>

/** Extras that qualify another figure rather than being one: shown through it, not as columns. */
const QUALIFIERS = new Set(['inFlightKnown', 'inFlightSampled'])

function isRecord(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A non-empty array of plain objects: rendered as a table of its own. */
function isRecordList(value: unknown): value is Row[] {
  return Array.isArray(value) && value.length > 0 && value.every(isRecord)
}

const UNIT_SUFFIXES: ReadonlyArray<[RegExp, (n: number) => string]> = [
  [/Bytes$/, formatBytes],
  [/PerSec(ond)?$/, formatRate],
  [/Ms$/, formatMillis],
]

/** `publishRatePerSec` → "publish rate", `memoryBytes` → "memory"; names with dashes stay. */
export function extraLabel(key: string): string {
  if (/[-_.]/.test(key) || !/[a-z][A-Z]/.test(key)) return key
  const bare = UNIT_SUFFIXES.reduce((name, [suffix]) => name.replace(suffix, ''), key) || key
  return bare.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()
}

/** A value as a table cell, formatted by the unit its key names. */
export function extraCell(key: string, value: unknown): string {
  if (typeof value === 'number') {
    const format = UNIT_SUFFIXES.find(([suffix]) => suffix.test(key))?.[1]
    if (format) return format(value)
  }
  return cell(value)
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '-'
  if (typeof value === 'number') return Number.isInteger(value) ? formatCount(value) : formatDecimal(value)
  if (typeof value === 'string') return value
  if (Array.isArray(value) && !value.some((item) => typeof item === 'object' && item !== null)) return value.map(cell).join(', ')
  // Settings (RabbitMQ's queue arguments): name=value pairs, '-' when there are none.
  if (isRecord(value) && Object.values(value).every((v) => typeof v !== 'object' || v === null)) {
    const pairs = Object.entries(value).map(([name, v]) => `${name}=${v === null ? '-' : String(v)}`)
    return pairs.length > 0 ? pairs.join(', ') : '-'
  }
  return JSON.stringify(value)
}

function keysOf(rows: Array<Row | undefined>): string[] {
  const keys: string[] = []
  for (const row of rows) for (const key of Object.keys(row ?? {})) if (!keys.includes(key)) keys.push(key)
  return keys
}

/** One queue's record list, e.g. `partitions of "orders":` and a row per partition. */
function detailTable(queue: string, key: string, records: Row[], colour: boolean, width: number): string {
  const head = keysOf(records)
  const numeric = head.map((k) => records.every((r) => r[k] === undefined || r[k] === null || typeof r[k] === 'number'))
  const body = renderTable(
    {head: head.map(extraLabel), rows: records.map((r) => head.map((k) => extraCell(k, r[k]))), align: numeric.map((n) => (n ? 'right' : 'left')), colour},
    width,
  )
  return `${extraLabel(key)} of "${queue}":\n${body}`
}

export interface InspectTableOptions {
  colour?: boolean
  /** Print each queue's record lists (Kafka: one row per partition) below the table. Default true. */
  details?: boolean
  /** Columns to fit. Default: outputWidth() of stdout (the terminal's, else COLUMNS, else 80). */
  width?: number
}

export function renderInspectTable(snapshot: InspectSnapshot, options: InspectTableOptions = {}): string {
  const {queues} = snapshot
  const colour = options.colour === true
  const width = options.width ?? outputWidth()
  const withLag = queues.some((q) => q.lag !== undefined)
  const extras = keysOf(queues.map((q) => q.extras)).filter(
    (key) => !QUALIFIERS.has(key) && queues.some((q) => q.extras?.[key] !== undefined && q.extras[key] !== null),
  )
  const head = ['queue', 'ready', 'in flight', 'consumers', ...(withLag ? ['lag'] : []), ...extras.map(extraLabel)]
  const figures = 4 + (withLag ? 1 : 0)
  const lists = extras.filter((key) => queues.some((q) => isRecordList(q.extras?.[key])))
  const unknownInFlight = queues.some((q) => q.extras?.inFlightKnown === false)
  const rows = queues.map((q: QueueStats) => [
    q.name,
    cell(q.ready),
    q.extras?.inFlightKnown === false ? '?' : cell(q.inFlight),
    cell(q.consumers),
    ...(withLag ? [cell(q.lag)] : []),
    ...extras.map((key) =>
      lists.includes(key) && Array.isArray(q.extras?.[key]) ? formatCount((q.extras[key] as unknown[]).length) : extraCell(key, q.extras?.[key]),
    ),
  ])
  // Figures right, text left: an extra is a figure when every queue's value is a number.
  const numeric = extras.map(
    (key) => lists.includes(key) || queues.every((q) => q.extras?.[key] === undefined || q.extras[key] === null || typeof q.extras[key] === 'number'),
  )
  const align = head.map((_, i) => (i === 0 ? 'left' : i < figures || numeric[i - figures] ? 'right' : 'left'))
  const lines = [queues.length > 0 ? renderTable({head, rows, align, colour}, width) : '(no queues)']
  if (unknownInFlight) lines.push(wrapText('in flight ?: unknown here (a passive declare counts only ready messages)', width))
  if (lists.length > 0 && options.details !== false) {
    for (const q of queues)
      for (const key of lists) if (isRecordList(q.extras?.[key])) lines.push(detailTable(q.name, key, q.extras[key] as Row[], colour, width))
  } else if (lists.length > 0) {
    lines.push(wrapText(`(${lists.map(extraLabel).join(', ')}: a row each when the queue is named, e.g. inspect ${queues[0].name})`, width))
  }
  lines.push(wrapText(`source: ${snapshot.source}`, width))
  for (const [key, value] of Object.entries(snapshot.extras ?? {})) lines.push(wrapText(`${extraLabel(key)}: ${extraCell(key, value)}`, width))
  return lines.join('\n')
}
