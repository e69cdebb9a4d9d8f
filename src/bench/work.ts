// Simulated consumer work, in two modes (--work-mode):
//  - `sleep` (default): a timer-based wait. With prefetch > 1 a consumer handles several messages
//    at once, as a real IO-bound handler (database call, HTTP request) would, and the load
//    generator's CPU stays free: the mode for concurrency and capacity studies. setTimeout alone
//    fires 0–2 ms late, which would bias a 5 ms handling time by up to 40 %, so the timer is set
//    ~1.5 ms short and the rest is waited out with setImmediate yields against the monotonic
//    clock. It still depends on the event loop being free when the deadline comes: under load
//    (other handlers, a busy producer, a descheduled process) it overshoots.
//  - `spin`: a CPU busy-wait on the monotonic clock to the exact deadline, measured from the
//    receipt. Precise to the clock read, but it blocks the event loop: one handler at a time per
//    process, like a CPU-bound handler. The mode for known-ground-truth handling times.
import {nowNs} from './clock.js'
import type {WorkSpec} from './options.js'

const TIMER_SLACK_MS = 1.5

export function sampleWorkMs(spec: WorkSpec): number {
  switch (spec.kind) {
    case 'none':
      return 0
    case 'fixed':
      return spec.ms
    case 'uniform':
      return spec.minMs + Math.random() * (spec.maxMs - spec.minMs)
    case 'exponential':
      return -Math.log(1 - Math.random()) * spec.meanMs
  }
}

function nowMs(): number {
  return performance.now()
}

// Wall time during which at least one waiter was yielding to its deadline with setImmediate: the
// event loop spins then, so the process shows busy CPU that is waiting, not work. Reported beside
// the CPU figure, so a sleep-mode run is not mistaken for a saturated load generator.
let spinners = 0
let spinSinceNs = 0
let spinTotalNs = 0

/** Cumulative ns during which some waitUntil was spinning to its deadline (monotonic; take differences). */
export function precisionWaitNs(): number {
  return spinTotalNs + (spinners > 0 ? nowNs() - spinSinceNs : 0)
}

/** Resolves at `deadlineMs` on the `clock` time base (performance.now() by default), precisely. */
export function waitUntil(deadlineMs: number, clock: () => number = nowMs): Promise<void> {
  return new Promise((resolve) => {
    let spinning = false
    const spin = () => {
      if (!spinning) {
        spinning = true
        if (spinners++ === 0) spinSinceNs = nowNs()
      }
      if (clock() >= deadlineMs) {
        if (--spinners === 0) spinTotalNs += nowNs() - spinSinceNs
        resolve()
      } else setImmediate(spin)
    }
    const remaining = deadlineMs - clock()
    if (remaining > TIMER_SLACK_MS) setTimeout(spin, remaining - TIMER_SLACK_MS)
    else spin()
  })
}

export function preciseSleep(ms: number): Promise<void> {
  return waitUntil(nowMs() + ms)
}

/** Busy-wait until the clock (clock.ts ns) reaches deadlineNs; returns the time it stopped. */
export function spinUntil(deadlineNs: number): number {
  let now = nowNs()
  while (now < deadlineNs) now = nowNs()
  return now
}
