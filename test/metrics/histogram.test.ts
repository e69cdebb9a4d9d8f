import {describe, expect, it} from 'vitest'
import {LatencyHistogram} from '../../src/metrics/histogram.js'

describe('LatencyHistogram', () => {
  it('summarises 1..10000 µs with known percentiles in milliseconds', () => {
    const h = new LatencyHistogram()
    for (let v = 1; v <= 10_000; v++) h.recordMicros(v)
    const s = h.summary()
    expect(s.count).toBe(10_000)
    expect(s.mean).toBeCloseTo(5.0005, 6) // exact: (1+10000)/2 µs
    expect(s.min).toBe(0.001)
    // 3 significant digits: each figure within 0.1 % of the true order statistic
    const within = (actual: number, expected: number) => expect(Math.abs(actual - expected) / expected).toBeLessThanOrEqual(0.001)
    within(s.p50, 5)
    within(s.p75, 7.5)
    within(s.p90, 9)
    within(s.p95, 9.5)
    within(s.p99, 9.9)
    within(s.p99_9, 9.99)
    expect(s.max).toBe(10) // exact, not a bucket edge
    expect(s.stdev).toBeCloseTo(2.8867, 2) // uniform: 10000/√12 µs
  })

  it('keeps the exact mean from nanoseconds, not bucket midpoints', () => {
    const h = new LatencyHistogram()
    h.recordNanos(5_000_400)
    h.recordNanos(5_000_600)
    expect(h.meanMs).toBeCloseTo(5.0005, 9)
  })

  it('reports zeros for an empty histogram', () => {
    expect(new LatencyHistogram().summary()).toMatchObject({count: 0, mean: 0, p99: 0, max: 0})
  })

  it('merges exactly: merged equals recording everything into one', () => {
    const a = new LatencyHistogram()
    const b = new LatencyHistogram()
    const all = new LatencyHistogram()
    for (let i = 0; i < 5000; i++) {
      const v = (i * 37) % 3001
      ;(i % 2 ? a : b).recordMicros(v)
      all.recordMicros(v)
    }
    b.recordMicros(7_200_000_000) // beyond the initial range: auto-resize
    all.recordMicros(7_200_000_000)
    const merged = LatencyHistogram.merge([a, b])
    expect(merged.summary()).toEqual(all.summary())
    expect(merged.totalMicros).toBe(all.totalMicros)
  })

  it('round-trips through compressed base64 and still merges', () => {
    const h = new LatencyHistogram()
    for (let i = 1; i <= 2000; i++) h.recordNanos(i * 1234)
    const encoded = h.encode()
    expect(encoded.unit).toBe('micros')
    expect(encoded.hdr).toMatch(/^[A-Za-z0-9+/=]+$/)
    const back = LatencyHistogram.decode(JSON.parse(JSON.stringify(encoded)))
    expect(back.summary()).toEqual(h.summary())
    back.add(h)
    back.recordMicros(100_000_000_000)
    expect(back.count).toBe(4001)
  })
})
