import {describe, expect, it} from 'vitest'
import type {IntervalStats} from '../../../src/bench/measurements.js'
import {mergeTicks, TickMerger} from '../../../src/bench/workers/merge-ticks.js'

function tick(published: number, p99: number, mean: number, queueLength: number | null): IntervalStats {
  const summary = {count: published, mean, p50: p99 / 2, p99, max: p99 * 2}
  return {
    elapsedMs: 1000,
    durationMs: 1000,
    warmup: false,
    published,
    consumed: published,
    publishedPerSecond: published,
    consumedPerSecond: published,
    publishedBytesPerSecond: published * 1024,
    consumedBytesPerSecond: published * 1024,
    outstanding: 3,
    queueLength,
    latency: {publish: summary, endToEnd: summary, endToEndCorrected: null},
    eventLoopDelayP99Ms: p99 / 10,
    totalPublished: published * 2,
    totalConsumed: published * 2,
  }
}

describe('merging worker ticks', () => {
  it('adds counts and rates, weights means by count, takes the worst percentiles', () => {
    const merged = mergeTicks([tick(100, 10, 4, 7), tick(300, 2, 2, null)])
    expect(merged).toMatchObject({
      published: 400,
      publishedPerSecond: 400,
      consumedBytesPerSecond: 400 * 1024,
      outstanding: 6,
      queueLength: 7,
      totalPublished: 800,
    })
    expect(merged.latency.endToEnd).toEqual({count: 400, mean: (100 * 4 + 300 * 2) / 400, p50: 5, p99: 10, max: 20})
    expect(merged.latency.endToEndCorrected).toBeNull()
    expect(merged.eventLoopDelayP99Ms).toBe(1)
  })

  it('hands on tick k once every worker has sent its k-th tick', () => {
    const out: IntervalStats[] = []
    const merger = new TickMerger(2, (m) => out.push(m))
    merger.add(0, tick(1, 1, 1, null))
    merger.add(0, tick(2, 1, 1, null))
    expect(out).toHaveLength(0)
    merger.add(1, tick(10, 1, 1, null))
    expect(out.map((m) => m.published)).toEqual([11])
    merger.add(1, tick(20, 1, 1, null))
    expect(out.map((m) => m.published)).toEqual([11, 22])
  })
})
