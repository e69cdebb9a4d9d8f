// Renders an inspect snapshot as a table (pure: snapshot in, string out). Columns: the contract's
// figures, lag when any queue has it, then every scalar extra the backend gave, in first-seen order.
import Table from 'cli-table3'
import type {QueueStats} from '../drivers/types.js'
import type {InspectSnapshot} from '../core/inspect.js'
import {formatCount} from './format.js'

function cell(value: unknown): string {
  if (value === undefined || value === null) return '-'
  if (typeof value === 'number') return Number.isInteger(value) ? formatCount(value) : String(Math.round(value * 100) / 100)
  if (typeof value === 'string') return value
  return JSON.stringify(value)
}

function extraKeys(queues: QueueStats[]): string[] {
  const keys: string[] = []
  for (const queue of queues) for (const key of Object.keys(queue.extras ?? {})) if (!keys.includes(key)) keys.push(key)
  return keys
}

export function renderInspectTable(snapshot: InspectSnapshot, options: {colour?: boolean} = {}): string {
  const {queues} = snapshot
  const withLag = queues.some((q) => q.lag !== undefined)
  const extras = extraKeys(queues)
  const head = ['queue', 'ready', 'in flight', 'consumers', ...(withLag ? ['lag'] : []), ...extras]
  const table = new Table({
    head,
    style: options.colour ? {} : {head: [], border: []},
    colAligns: head.map((_, i) => (i > 0 && i < 4 + (withLag ? 1 : 0) ? 'right' : 'left')),
  })
  for (const q of queues) {
    table.push([
      q.name,
      cell(q.ready),
      cell(q.inFlight),
      cell(q.consumers),
      ...(withLag ? [cell(q.lag)] : []),
      ...extras.map((key) => cell(q.extras?.[key])),
    ])
  }
  const lines = [queues.length > 0 ? table.toString() : '(no queues)', `source: ${snapshot.source}`]
  for (const [key, value] of Object.entries(snapshot.extras ?? {})) lines.push(`${key}: ${cell(value)}`)
  return lines.join('\n')
}
