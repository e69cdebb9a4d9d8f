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

describe('LatencyHistogram hot-path staging', () => {
  it('lands every value in the bucket HDR recordValue would use (same encoding, same percentiles)', async () => {
    const hdr = await import('hdr-histogram-js')
    const direct = hdr.build({
      bitBucketSize: 64,
      autoResize: true,
      lowestDiscernibleValue: 1,
      highestTrackableValue: 10_000_000,
      numberOfSignificantValueDigits: 3,
      useWebAssembly: false,
    })
    const staged = new LatencyHistogram()
    const values = [0, 1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 123_456, 10_000_001, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32 + 7, 5e10]
    for (let i = 0; i < 20_000; i++) values.push(Math.floor(Math.random() ** 4 * 3e9))
    for (const v of values) {
      direct.recordValue(v)
      staged.recordMicros(v)
    }
    expect(staged.count).toBe(values.length)
    const decoded = LatencyHistogram.decode(staged.encode())
    for (const p of [0, 10, 50, 90, 99, 99.9, 99.99, 100]) {
      expect(staged.percentileMs(p)).toBe(direct.getValueAtPercentile(p) / 1000)
      expect(decoded.percentileMs(p)).toBe(direct.getValueAtPercentile(p) / 1000)
    }
    // Reading flushed the stage; recording more and resetting leave nothing behind.
    staged.recordMicros(42)
    expect(staged.count).toBe(values.length + 1)
    staged.reset()
    expect(staged.count).toBe(0)
    staged.recordMicros(7)
    expect(staged.summary()).toMatchObject({count: 1, min: 0.007, max: 0.007, p50: 0.007})
  })
})
