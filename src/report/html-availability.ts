// The report's availability section (bench --recover, --fault-cmd), drawn from the same figures
// and wording as the terminal's (src/bench/render/render-availability.ts): the outage windows, every
// event of the run on its timeline, and latency of messages sent inside vs outside the windows.
import {
  availabilityHeadline,
  faultOutcome,
  formatRunTime,
  hasAvailability,
  sendTimeLatencyRows,
  sendTimeLatencyTitle,
  WINDOW_HEAD,
  windowCells,
} from '../bench/render/render-availability.js'
import {REPORTED_PERCENTILES} from '../metrics/histogram.js'
import {formatCount, formatMillis} from '../output/format.js'
import type {RunEvent} from '../results/availability.js'
import type {BenchResult} from '../results/document.js'
import {escapeHtml} from './escape.js'
import {htmlTable} from './html-tables.js'

/** What an event was, in words: "fault started", "producer 0 connection lost". */
function eventCells(e: RunEvent): [string, string] {
  switch (e.kind) {
    case 'fault-started':
      return ['fault started', e.command]
    case 'fault-ended':
      return [`fault ended: ${faultOutcome(e)}`, e.command]
    case 'connection-lost':
      return [`${e.role} ${e.index} connection lost`, e.message]
    case 'reconnected':
      return [`${e.role} ${e.index} reconnected`, `after ${formatCount(e.attempts)} attempt${e.attempts === 1 ? '' : 's'}`]
    case 'gave-up':
      return [`${e.role} ${e.index} gave up`, e.message]
  }
}

export function availabilitySection(result: BenchResult): string {
  if (!hasAvailability(result)) return ''
  const a = result.availability
  const parts = [`<p class="availability">Availability: ${escapeHtml(availabilityHeadline(a))}</p>`]
  if (a.windows.length > 0) {
    const rows = a.windows.map((w, i) => {
      const cells = windowCells(w)
      return [String(i + 1), ...cells.map((cell, c) => (c === 3 && !w.recovered ? {html: escapeHtml(cell), className: 'bad'} : cell))]
    })
    parts.push(
      htmlTable(
        'Outage windows (run clock: 0 = start of production)',
        WINDOW_HEAD.map((h, i) => (i === 0 ? '' : h)),
        rows,
        'availability',
      ),
    )
  }
  if (a.events.length > 0) {
    const rows = a.events.map((e) => {
      const [what, detail] = eventCells(e)
      const bad = e.kind === 'gave-up' || (e.kind === 'fault-ended' && e.exitCode !== 0)
      return [formatRunTime(e.atMs), bad ? {html: escapeHtml(what), className: 'bad'} : what, {html: escapeHtml(detail), className: 'why'}]
    })
    parts.push(htmlTable('Run events', ['at', 'event', 'detail'], rows, 'events'))
  }
  const latency = sendTimeLatencyRows(a)
  if (latency.length > 0) {
    const rows = latency.map(([label, s]) => [label, formatCount(s.count), formatMillis(s.mean), ...REPORTED_PERCENTILES.map(([key]) => formatMillis(s[key]))])
    parts.push(
      htmlTable(
        `Latency ${sendTimeLatencyTitle(a).toLowerCase()} (${formatMillis(a.latency!.bucketMs)} buckets)`,
        ['', 'count', 'mean', ...REPORTED_PERCENTILES.map(([, label]) => label)],
        rows,
        'send-time',
      ),
    )
  }
  return parts.join('\n')
}
