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
