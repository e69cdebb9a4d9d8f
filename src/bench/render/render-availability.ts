// Pure rendering of a result's availability section (bench --recover, --fault-cmd) for the
// terminal: the outage windows with each side's last event before and first after, the fault
// commands and connection events, and the latency of messages sent inside vs outside the windows.
// Shared wording with the HTML report (src/report/html-availability.ts) lives here too.
import type {ChalkInstance} from 'chalk'
import {REPORTED_PERCENTILES, type LatencySummary} from '../../metrics/histogram.js'
import {formatCount, formatMillis, formatQuantity} from '../../output/format.js'
import {renderTable, wrapText, type Align} from '../../output/table.js'
import type {AvailabilityFigures, OutageWindow, RunEvent} from '../../results/availability.js'
import type {BenchResult} from '../../results/document.js'

/** A moment on the run clock: "20.01 s" (0 = the start of production). */
export function formatRunTime(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`
}

/** Whether the result has an availability section worth drawing. */
export function hasAvailability(result: BenchResult): result is BenchResult & {availability: AvailabilityFigures} {
  const a = result.availability
  return a !== undefined && (a.windows.length > 0 || a.events.length > 0)
}

/** "1 outage window (silences ≥ 500 ms), longest 6.50 s, total 6.50 s" or "no outage window …". */
export function availabilityHeadline(a: AvailabilityFigures): string {
  const threshold = `silences ≥ ${formatMillis(a.minGapMs)}`
  if (a.windows.length === 0) return `no outage window (no ${threshold} between confirms or deliveries)`
  const notRecovered = a.windows.filter((w) => !w.recovered).length
  return `${formatQuantity(a.windows.length, 'outage window')} (${threshold}), longest ${formatMillis(a.unavailableMs)}, total ${formatMillis(a.totalUnavailableMs)}${notRecovered > 0 ? `, ${notRecovered} NOT recovered` : ''}`
}

export const WINDOW_HEAD = ['Outage', 'from', 'to', 'duration', 'state', 'last confirm', 'first confirm', 'last delivery', 'first delivery']

/** One window's cells, after the label: times, duration, state, then each side's before/after ('-' when that side kept going, 'none' when it never came back). */
export function windowCells(w: OutageWindow): string[] {
  const after = (ms: number | null) => (ms === null ? 'none' : formatRunTime(ms))
  return [
    formatRunTime(w.fromMs),
    formatRunTime(w.toMs),
    formatMillis(w.durationMs),
    w.recovered ? 'recovered' : 'NOT recovered',
    w.publish ? formatRunTime(w.publish.lastConfirmBeforeMs) : '-',
    w.publish ? after(w.publish.firstConfirmAfterMs) : '-',
    w.consume ? formatRunTime(w.consume.lastDeliveryBeforeMs) : '-',
    w.consume ? after(w.consume.firstDeliveryAfterMs) : '-',
  ]
}

/** How a fault command ended: "exit 0", "killed by SIGTERM", "could not run". */
export function faultOutcome(end: Extract<RunEvent, {kind: 'fault-ended'}>): string {
  if (end.signal !== null) return `killed by ${end.signal}`
  return end.exitCode === null ? 'could not run' : `exit ${end.exitCode}`
}

export interface FaultRun {
  command: string
  started: Extract<RunEvent, {kind: 'fault-started'}>
  ended: Extract<RunEvent, {kind: 'fault-ended'}> | undefined
}

/** Each fault-started with the first later fault-ended of the same command. */
export function faultRuns(events: readonly RunEvent[]): FaultRun[] {
  const runs: FaultRun[] = []
  for (const e of events) {
    if (e.kind === 'fault-started') runs.push({command: e.command, started: e, ended: undefined})
    else if (e.kind === 'fault-ended') {
      const run = runs.find((r) => r.ended === undefined && r.command === e.command)
      if (run) run.ended = e
    }
  }
  return runs
}

/** "fault 1 `CMD`: started 19.60 s, ended 21.00 s after 1.40 s, exit 0". */
export function faultLine(run: FaultRun, index: number): string {
  const end = run.ended
    ? `ended ${formatRunTime(run.ended.atMs)} after ${formatMillis(run.ended.atMs - run.started.atMs)}, ${faultOutcome(run.ended)}`
    : 'no end recorded'
  return `fault ${index + 1} \`${run.command}\`: started ${formatRunTime(run.started.atMs)}, ${end}`
}

/** "connections: producer lost 2×, reconnected 2×; consumer lost 1×, reconnected 1×" (or ''). */
export function connectionsLine(events: readonly RunEvent[]): string {
  const roles = new Map<string, {lost: number; reconnected: number}>()
  for (const e of events) {
    if (e.kind !== 'connection-lost' && e.kind !== 'reconnected') continue
    const counts = roles.get(e.role) ?? {lost: 0, reconnected: 0}
    if (e.kind === 'connection-lost') counts.lost++
    else counts.reconnected++
    roles.set(e.role, counts)
  }
  if (roles.size === 0) return ''
  return `connections: ${[...roles].map(([role, n]) => `${role} lost ${n.lost}×, reconnected ${n.reconnected}×`).join('; ')}`
}

/** "gave up: consumer 0 at 50.00 s: MESSAGE", one per connection that stopped recovering. */
export function gaveUpLines(events: readonly RunEvent[]): string[] {
  return events.flatMap((e) => (e.kind === 'gave-up' ? [`gave up: ${e.role} ${e.index} at ${formatRunTime(e.atMs)}: ${e.message}`] : []))
}

/** The head of the latency-by-send-time table: which latency it is. */
export function sendTimeLatencyTitle(a: AvailabilityFigures): string {
  return a.latency?.kind === 'endToEndCorrected' ? 'From intended send, by send time' : 'End-to-end, by send time'
}

/** Rows "sent inside outages" / "sent outside" (a side with no message is left out). */
export function sendTimeLatencyRows(a: AvailabilityFigures): Array<[label: string, summary: LatencySummary]> {
  if (a.latency === null || a.windows.length === 0) return []
  const rows: Array<[string, LatencySummary]> = []
  if (a.latency.inside) rows.push(['sent inside outages', a.latency.inside])
  if (a.latency.outside) rows.push(['sent outside', a.latency.outside])
  return rows
}

export function renderAvailability(result: BenchResult, options: {colour?: ChalkInstance; width: number}): string[] {
  if (!hasAvailability(result)) return []
  const a = result.availability
  const {colour: c, width} = options
  const sections: string[] = [wrapText(`${c ? c.bold('Availability:') : 'Availability:'} ${availabilityHeadline(a)}`, width)]
  if (a.windows.length > 0) {
    const rows = a.windows.map((w, i) => {
      const cells = windowCells(w)
      if (!w.recovered && c) cells[3] = c.red(cells[3])
      return [String(i + 1), ...cells]
    })
    sections.push(renderTable({head: WINDOW_HEAD, rows, align: ['left', 'right', 'right', 'right', 'left', 'right', 'right', 'right', 'right']}, width))
  }
  const lines = [...faultRuns(a.events).map(faultLine), connectionsLine(a.events), ...gaveUpLines(a.events)].filter((line) => line !== '')
  for (const line of lines) sections.push(wrapText(line, width))
  const latency = sendTimeLatencyRows(a)
  if (latency.length > 0) {
    const head = [sendTimeLatencyTitle(a), 'count', 'mean', ...REPORTED_PERCENTILES.map(([, label]) => label)]
    const rows = latency.map(([label, s]) => [label, formatCount(s.count), formatMillis(s.mean), ...REPORTED_PERCENTILES.map(([key]) => formatMillis(s[key]))])
    sections.push(renderTable({head, rows, align: ['left', ...Array<Align>(head.length - 1).fill('right')]}, width))
  }
  return sections
}
