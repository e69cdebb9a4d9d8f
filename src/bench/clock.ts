// The bench's one clock: monotonic nanoseconds (CLOCK_MONOTONIC via process.hrtime, shared by
// every thread and process on a host) as a plain Number. A Number holds whole nanoseconds
// exactly up to 2^53 ns (104 days of uptime; beyond that, 2 ns steps).
//
// process.hrtime() (a [seconds, nanoseconds] pair) rather than process.hrtime.bigint(): the
// same clock and the same value, but no BigInt to allocate and convert, on a read a bench message
// makes four times (send, confirm, receipt, handled; its cost: docs/performance.md).
// performance.now() plus a calibrated offset costs the same as hrtime() but is not exact to the
// nanosecond, and its origin differs per thread.

export function nowNs(): number {
  const time = process.hrtime()
  return time[0] * 1e9 + time[1]
}

/**
 * What to add to a nowNs() reading to get wall-clock nanoseconds since `originMs` (ms since the
 * epoch; a --shared-queues run's --start-at): the wall clock as Node read it at start
 * (performance.timeOrigin) plus the monotonic time since, so the sum stays monotonic through the
 * run. Nanoseconds since the epoch (≈ 1.8e18) are past 2^53, where a Number steps by 256 ns; since
 * an origin shared by every shard they stay exact for 104 days. `shiftMs` moves this host's clock
 * (tests stand in a host whose clock is off by a known amount: MQKIT_TEST_CLOCK_SHIFT_MS).
 */
export function wallClockOffsetNs(originMs: number, shiftMs = 0): number {
  return Math.round((performance.timeOrigin - originMs + shiftMs) * 1e6) - monotonicAtTimeOriginNs()
}

/** @default 20 — readings of the clock pair; the least delayed one is kept. */
const ORIGIN_SAMPLES = 20

/**
 * nowNs() at performance.timeOrigin. performance.now() runs on the same monotonic clock, from that
 * origin; read back to back, the pair is apart by the time between the reads (a preempted thread:
 * milliseconds on a busy host), which only ever adds: the smallest difference is the best.
 * timeOrigin − originMs first: both near 1.7e12 ms, their difference keeps the µs.
 */
function monotonicAtTimeOriginNs(): number {
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < ORIGIN_SAMPLES; i++) {
    const sinceOriginMs = performance.now()
    best = Math.min(best, nowNs() - sinceOriginMs * 1e6)
  }
  return best
}

/** Tests only: a known offset of this host's wall clock, ms (see wallClockOffsetNs). @default 0 */
export function testClockShiftMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MQKIT_TEST_CLOCK_SHIFT_MS
  const value = raw === undefined ? 0 : Number(raw)
  return Number.isFinite(value) ? value : 0
}
