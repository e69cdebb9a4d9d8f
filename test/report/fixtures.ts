// Saved results (real `mqkit bench --json` output) and a builder for results with known samples.
import {readFileSync} from 'node:fs'
import type {BenchResult} from '../../src/results/document.js'
import {LATENCY_KINDS} from '../../src/bench/measurements.js'
import {LatencyHistogram} from '../../src/metrics/histogram.js'

export const CLOSED_LOOP_FILE = new URL('fixtures/closed-loop.json', import.meta.url).pathname
export const OPEN_LOOP_FILE = new URL('fixtures/open-loop.json', import.meta.url).pathname

export function fixture(file: string): BenchResult {
  return JSON.parse(readFileSync(file, 'utf8')) as BenchResult
}

export function histogramOf(valuesMicros: number[]): LatencyHistogram {
  const h = new LatencyHistogram()
  for (const v of valuesMicros) h.recordMicros(v)
  return h
}

/**
 * A closed-loop result whose every latency kind recorded exactly `valuesMicros`, with `count`
 * messages published and consumed over `elapsedMs` from `startedAt`.
 */
export function resultWith(options: {
  valuesMicros: number[]
  startedAt: string
  elapsedMs: number
  queues?: string[]
  queueSeries?: Array<[number, number]>
}): BenchResult {
  const base = fixture(CLOSED_LOOP_FILE)
  const h = histogramOf(options.valuesMicros)
  const count = options.valuesMicros.length
  const throughput = {
    count,
    bytes: count * 1024,
    elapsedMs: options.elapsedMs,
    perSecond: (count * 1000) / options.elapsedMs,
    bytesPerSecond: (count * 1024 * 1000) / options.elapsedMs,
  }
  const series = options.queueSeries ?? []
  return {
    ...base,
    meta: {
      ...base.meta,
      startedAt: options.startedAt,
      finishedAt: new Date(Date.parse(options.startedAt) + options.elapsedMs).toISOString(),
      queues: options.queues ?? base.meta.queues,
    },
    throughput: {published: throughput, consumed: {...throughput}, targetPerSecond: null},
    latency: {...base.latency, publish: h.summary(), endToEnd: h.summary()},
    handling: h.summary(),
    queueLength: {
      sampleIntervalMs: 100,
      samples: series.length,
      mean: series.length === 0 ? 0 : series.reduce((s, [, l]) => s + l, 0) / series.length,
      max: Math.max(0, ...series.map(([, l]) => l)),
      series,
    },
    integrity: {...base.integrity, sent: count, confirmed: count, received: count, unique: count, lost: 1, duplicates: 2, outOfOrder: 3},
    histograms: Object.fromEntries(LATENCY_KINDS.map((kind) => [kind, h.encode()])) as BenchResult['histograms'],
  }
}
