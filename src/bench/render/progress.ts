// Live progress from the runner's ticks, on stderr (stdout carries the result): a rewritten
// line on a TTY, plain periodic lines otherwise, nothing with --quiet.
import type {EventEmitter} from 'node:events'
import {formatCount, formatMillis, formatRate} from '../../output/format.js'
import type {IntervalStats} from '../measurements.js'
import type {BenchStart} from '../runner.js'
import type {RunEvent} from '../../results/availability.js'

export interface ProgressStream {
  isTTY?: boolean
  write(text: string): unknown
}

export function progressLine(stats: IntervalStats, plannedMs: number | undefined, warmupMs: number): string {
  const elapsed = `${(stats.elapsedMs / 1000).toFixed(1)}s${plannedMs !== undefined ? `/${((plannedMs + warmupMs) / 1000).toFixed(0)}s` : ''}`
  const e2e = stats.latency.endToEndCorrected ?? stats.latency.endToEnd
  return [
    elapsed,
    stats.warmup ? 'warmup' : undefined,
    `pub ${formatRate(stats.publishedPerSecond)}`,
    `con ${formatRate(stats.consumedPerSecond)}`,
    `p99 ${e2e.count > 0 ? formatMillis(e2e.p99) : '-'}`,
    `queue ${stats.queueLength === null ? '-' : formatCount(stats.queueLength)}`,
    `total ${formatCount(stats.totalPublished)}/${formatCount(stats.totalConsumed)}`,
  ]
    .filter(Boolean)
    .join('  ')
}

/** A connection or fault event as a progress line (--recover, --fault-cmd). */
export function eventLine(event: RunEvent): string {
  const at = `${(event.atMs / 1000).toFixed(1)}s`
  switch (event.kind) {
    case 'connection-lost':
      return `${at}  ${event.role} ${event.index}: connection lost (${event.message}); reconnecting`
    case 'reconnected':
      return `${at}  ${event.role} ${event.index}: reconnected after ${formatCount(event.attempts)} attempt${event.attempts === 1 ? '' : 's'}${event.redeclared ? `; declared again: ${event.redeclared.join(', ')}` : ''}`
    case 'gave-up':
      return `${at}  ${event.message}`
    case 'fault-started':
      return `${at}  fault command started: ${event.command}`
    case 'fault-ended':
      return `${at}  fault command ended: ${event.signal ? `killed by ${event.signal}` : `exit ${event.exitCode ?? '(could not start)'}`}`
  }
}

/** Attach to a runner; returns a function that ends the live line. */
export function attachProgress(runner: EventEmitter, stream: ProgressStream, quiet: boolean): () => void {
  if (quiet) return () => {}
  let planned: number | undefined
  let warmupMs = 0
  let live = false
  runner.on('start', (start: BenchStart) => {
    planned = start.plannedMs
    warmupMs = start.options.warmupMs
    stream.write(`bench: ${start.backend} ${start.url}, queue${start.queues.length > 1 ? 's' : ''} ${start.queues.join(', ')}\n`)
  })
  runner.on('event', (event: RunEvent) => {
    if (live) stream.write('\r\u001B[2K')
    live = false
    stream.write(`${eventLine(event)}\n`)
  })
  runner.on('tick', (stats: IntervalStats) => {
    const line = progressLine(stats, planned, warmupMs)
    if (stream.isTTY) {
      stream.write(`\r\u001B[2K${line}`)
      live = true
    } else stream.write(`${line}\n`)
  })
  return () => {
    if (live) stream.write('\r\u001B[2K')
    live = false
  }
}
