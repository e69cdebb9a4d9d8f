// Renders an inspect snapshot as a table (pure: snapshot in, string out). Columns: the contract's
// figures, lag when any queue has it, then every extra the backend gave, in first-seen order. An
// extra that is a list of records (Kafka's partitions) would be unreadable JSON in one cell: the
// column shows how many, and each queue's list follows as a table of its own (like the partition
// rows of kafka-topics --describe or kafka-consumer-groups --describe), when `details` is set.
import Table from 'cli-table3'
import type {QueueStats} from '../drivers/types.js'
import type {InspectSnapshot} from '../core/inspect.js'
import {formatCount} from './format.js'

type Row = Record<string, unknown>

function isRecord(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A non-empty array of plain objects: rendered as a table of its own. */
function isRecordList(value: unknown): value is Row[] {
  return Array.isArray(value) && value.length > 0 && value.every(isRecord)
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '-'
  if (typeof value === 'number') return Number.isInteger(value) ? formatCount(value) : String(Math.round(value * 100) / 100)
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

function tableOf(head: string[], rows: string[][], rightAligned: (column: number) => boolean, colour: boolean): string {
  const table = new Table({
    head,
    style: colour ? {} : {head: [], border: []},
    colAligns: head.map((_, i) => (rightAligned(i) ? 'right' : 'left')),
  })
  for (const row of rows) table.push(row)
  return table.toString()
}

/** One queue's record list, e.g. `partitions of "orders":` and a row per partition. */
function detailTable(queue: string, key: string, records: Row[], colour: boolean): string {
  const head = keysOf(records)
  const numeric = head.map((k) => records.every((r) => r[k] === undefined || r[k] === null || typeof r[k] === 'number'))
  const body = tableOf(head, records.map((r) => head.map((k) => cell(r[k]))), (i) => numeric[i], colour)
  return `${key} of "${queue}":\n${body}`
}

export interface InspectTableOptions {
  colour?: boolean
  /** Print each queue's record lists (Kafka: one row per partition) below the table. Default true. */
  details?: boolean
}

export function renderInspectTable(snapshot: InspectSnapshot, options: InspectTableOptions = {}): string {
  const {queues} = snapshot
  const colour = options.colour === true
  const withLag = queues.some((q) => q.lag !== undefined)
  const extras = keysOf(queues.map((q) => q.extras))
  const head = ['queue', 'ready', 'in flight', 'consumers', ...(withLag ? ['lag'] : []), ...extras]
  const figures = 4 + (withLag ? 1 : 0)
  const lists = extras.filter((key) => queues.some((q) => isRecordList(q.extras?.[key])))
  const extraCell = (key: string, value: unknown) => (lists.includes(key) && Array.isArray(value) ? formatCount(value.length) : cell(value))
  const rows = queues.map((q: QueueStats) => [
    q.name,
    cell(q.ready),
    cell(q.inFlight),
    cell(q.consumers),
    ...(withLag ? [cell(q.lag)] : []),
    ...extras.map((key) => extraCell(key, q.extras?.[key])),
  ])
  const lines = [queues.length > 0 ? tableOf(head, rows, (i) => i > 0 && i < figures, colour) : '(no queues)']
  if (lists.length > 0 && options.details !== false) {
    for (const q of queues) for (const key of lists) if (isRecordList(q.extras?.[key])) lines.push(detailTable(q.name, key, q.extras[key] as Row[], colour))
  } else if (lists.length > 0) {
    lines.push(`(${lists.join(', ')}: a row each when the queue is named, e.g. inspect ${queues[0].name})`)
  }
  lines.push(`source: ${snapshot.source}`)
  for (const [key, value] of Object.entries(snapshot.extras ?? {})) lines.push(`${key}: ${cell(value)}`)
  return lines.join('\n')
}
