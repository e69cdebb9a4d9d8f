// The backlog's trend over a step: the least-squares slope of the queue-length series, in
// messages per second. A queue whose consumers keep up hovers around a level (slope ≈ 0); one
// they cannot keep up with grows by (arrival rate − service rate) every second.

/** Least-squares slope of `length` against time over the samples in [fromMs, toMs]; null below 3 samples. */
export function backlogSlopePerSecond(series: ReadonlyArray<readonly [tMs: number, length: number]>, fromMs: number, toMs: number): number | null {
  let n = 0
  let sumT = 0
  let sumL = 0
  for (const [tMs, length] of series) {
    if (tMs < fromMs || tMs > toMs) continue
    n++
    sumT += tMs
    sumL += length
  }
  if (n < 3) return null
  const meanT = sumT / n
  const meanL = sumL / n
  let covariance = 0
  let variance = 0
  for (const [tMs, length] of series) {
    if (tMs < fromMs || tMs > toMs) continue
    covariance += (tMs - meanT) * (length - meanL)
    variance += (tMs - meanT) ** 2
  }
  if (variance === 0) return null
  return (covariance / variance) * 1000
}
