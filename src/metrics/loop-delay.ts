// Event-loop delay of this process: how late a timer runs compared with when it was due.
// Node's monitorEventLoopDelay records the time between two runs of a repeating timer, i.e. the
// timer's interval (its resolution) plus the delay; an idle process shows the resolution itself.
// What is reported here is the delay beyond the resolution, so an idle loop reads near 0.

import {monitorEventLoopDelay, type IntervalHistogram} from 'node:perf_hooks'

/**
 * @default 10 — the timer interval, ms. A shorter one gives more samples but wakes the process more
 * often (a cost the load generator would measure in its own CPU figure); a stall is recorded in
 * full whatever the interval, since the timer cannot run until the stall ends.
 */
export const LOOP_DELAY_RESOLUTION_MS = 10

export interface LoopDelayFigures {
  meanMs: number
  p50Ms: number
  p99Ms: number
  maxMs: number
}

export interface LoopDelayMonitor {
  /** Delay beyond the resolution at this percentile, ms (0 before the first sample). */
  percentileMs(percentile: number): number
  figures(): LoopDelayFigures
  /** Forget the samples so far (per-interval figures). */
  reset(): void
  stop(): void
}

/** Starts sampling at once; stop() when done (the timer keeps the histogram filling until then). */
export function startLoopDelayMonitor(resolutionMs = LOOP_DELAY_RESOLUTION_MS): LoopDelayMonitor {
  const histogram: IntervalHistogram = monitorEventLoopDelay({resolution: resolutionMs})
  const resolutionNs = resolutionMs * 1e6
  // Never negative: a run timed a hair early against the loop's cached clock is on time.
  const beyond = (ns: number) => (histogram.count === 0 ? 0 : Math.max(0, ns - resolutionNs) / 1e6)
  histogram.enable()
  return {
    percentileMs: (percentile) => beyond(histogram.percentile(percentile)),
    figures: () => ({
      meanMs: beyond(histogram.mean),
      p50Ms: beyond(histogram.percentile(50)),
      p99Ms: beyond(histogram.percentile(99)),
      maxMs: beyond(histogram.max),
    }),
    reset: () => histogram.reset(),
    stop: () => histogram.disable(),
  }
}
