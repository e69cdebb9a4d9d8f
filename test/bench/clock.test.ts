// The --shared-queues latency clock: wall-clock ns since the run's --start-at, from the monotonic
// clock plus one offset, exact in a Number and within a millisecond of Date.now().
import {describe, expect, it} from 'vitest'
import {nowNs, testClockShiftMs, wallClockOffsetNs} from '../../src/bench/clock.js'

describe('wallClockOffsetNs', () => {
  it('nowNs() + the offset reads the wall clock since the origin, to within Date.now()’s millisecond', () => {
    const originMs = Date.now() - 3_600_000
    const offset = wallClockOffsetNs(originMs)
    for (let i = 0; i < 5; i++) {
      const before = Date.now()
      const wallNs = nowNs() + offset
      const after = Date.now()
      expect(wallNs / 1e6).toBeGreaterThanOrEqual(before - originMs - 1)
      expect(wallNs / 1e6).toBeLessThanOrEqual(after - originMs + 2)
      // Whole nanoseconds, below 2^53: exact in a Number and in the stamp.
      expect(Number.isSafeInteger(wallNs)).toBe(true)
    }
  })

  it('a shift moves it by exactly that much; the test seam reads MQKIT_TEST_CLOCK_SHIFT_MS', () => {
    const originMs = Date.now()
    const shifted = wallClockOffsetNs(originMs, 2500) - wallClockOffsetNs(originMs)
    expect(Math.abs(shifted - 2500e6)).toBeLessThan(50_000)
    expect(testClockShiftMs({MQKIT_TEST_CLOCK_SHIFT_MS: '2500'})).toBe(2500)
    expect(testClockShiftMs({})).toBe(0)
    expect(testClockShiftMs({MQKIT_TEST_CLOCK_SHIFT_MS: 'x'})).toBe(0)
  })
})
