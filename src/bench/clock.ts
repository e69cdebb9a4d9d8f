// The bench's one clock: monotonic nanoseconds (CLOCK_MONOTONIC via process.hrtime, shared by
// every thread and process on a host) as a plain Number. A Number holds whole nanoseconds
// exactly up to 2^53 ns (104 days of uptime; beyond that, 2 ns steps), and keeping it out of
// BigInt saves the hot path a BigInt allocation per subtraction and per stamp write.

export function nowNs(): number {
  return Number(process.hrtime.bigint())
}
