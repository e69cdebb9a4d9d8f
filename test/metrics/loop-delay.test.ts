import {describe, expect, it} from 'vitest'
import {LOOP_DELAY_RESOLUTION_MS, startLoopDelayMonitor} from '../../src/metrics/loop-delay.js'

/** An idle wait: the monitor's timer runs on an otherwise empty loop. */
const idleFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('event-loop delay', () => {
  it('an idle loop reports well under 1 ms: the timer interval (the resolution) is not delay', async () => {
    const monitor = startLoopDelayMonitor()
    await idleFor(LOOP_DELAY_RESOLUTION_MS * 30)
    const figures = monitor.figures()
    monitor.stop()
    expect(figures.p50Ms).toBeGreaterThanOrEqual(0)
    expect(figures.p50Ms).toBeLessThan(1)
    expect(monitor.percentileMs(50)).toBe(figures.p50Ms)
  })

  it('a blocked loop is reported in full, beyond the resolution', async () => {
    const monitor = startLoopDelayMonitor()
    await idleFor(LOOP_DELAY_RESOLUTION_MS * 3)
    const blockUntil = performance.now() + 60
    while (performance.now() < blockUntil) {
      // busy: no timer can run
    }
    await idleFor(LOOP_DELAY_RESOLUTION_MS * 3)
    const {maxMs} = monitor.figures()
    monitor.stop()
    expect(maxMs).toBeGreaterThanOrEqual(40)
  })

  it('before any sample, and after reset, the figures are 0 (never NaN)', () => {
    const monitor = startLoopDelayMonitor()
    expect(monitor.figures()).toEqual({meanMs: 0, p50Ms: 0, p99Ms: 0, maxMs: 0})
    monitor.reset()
    expect(monitor.percentileMs(99)).toBe(0)
    monitor.stop()
  })
})
