// Text for `mqkit context …` results (pure). URLs arrive already made safe to print
// (displayContextUrl: literal passwords redacted, `${NAME}` references kept).
import type {AddedContext, ContextDetails, ContextListing, RemovedContext, UsedContext} from '../config/contexts.js'
import {renderTable} from './table.js'

/** A table of the contexts, the current one marked "*"; empty when there are none. */
export function renderContextList(list: ContextListing, width: number): string {
  if (list.contexts.length === 0) return ''
  const rows = list.contexts.map((context) => [context.current ? '*' : '', context.name, context.url])
  return renderTable({head: ['current', 'name', 'url'], rows, keep: 2}, width)
}

export function renderAdded(added: AddedContext): string {
  const current = added.current ? '; it is the current context' : ''
  return `${added.replaced ? 'replaced' : 'added'} context ${added.name}: ${added.url}${current}`
}

export function renderUsed(used: UsedContext): string {
  return used.current === undefined ? 'no current context now' : `current context: ${used.current} (${used.url})`
}

export function renderRemoved(removed: RemovedContext): string {
  return `removed context ${removed.name}${removed.wasCurrent ? '; no current context now' : ''}`
}

export function renderContextDetails(details: ContextDetails): string {
  const selected = details.selectedBy ?? (details.current ? 'current context' : 'not in use')
  const variables = details.variables.map((variable) => `${variable.name} (${variable.set ? 'set' : 'not set'})`).join(', ')
  const lines: Array<[string, string]> = [
    ['name', details.name],
    ['url', details.url],
    ['selected by', selected],
    ['variables', variables === '' ? 'none' : variables],
    ['file', details.file],
  ]
  return lines.map(([label, value]) => `${`${label}:`.padEnd(13)}${value}`).join('\n')
}
