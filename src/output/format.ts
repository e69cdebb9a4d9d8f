// Human formatting of figures for tables. JSON output never goes through these.

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US')
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '-'
  if (perSecond >= 1_000_000) return `${(perSecond / 1_000_000).toFixed(2)} M/s`
  if (perSecond >= 10_000) return `${(perSecond / 1000).toFixed(1)} k/s`
  return `${perSecond.toFixed(perSecond < 100 ? 1 : 0)} /s`
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 ** 2).toFixed(2)} MiB`
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${bytes} B`
}

/** Milliseconds → "850 µs", "12.3 ms", "2.50 s". */
export function formatMillis(ms: number): string {
  if (!Number.isFinite(ms)) return '-'
  if (ms < 1) return `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 0)} µs`
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`
  return `${(ms / 1000).toFixed(2)} s`
}

/**
 * Little's law's prediction with its factors: "865.0 (40.1 k/s × 21.6 ms)", and the part of W
 * spent waiting for acks to settle (Kafka: for the commit) when there is one to speak of.
 */
export function formatLambdaW(ll: {lambdaW: number; lambdaPerSecond: number; wMs: number; ackSettleMs?: number}): string {
  const settle = ll.ackSettleMs !== undefined && ll.ackSettleMs >= 0.05 ? `, ${formatMillis(ll.ackSettleMs)} of it ack→settled` : ''
  return `${ll.lambdaW.toFixed(1)} (${formatRate(ll.lambdaPerSecond)} × ${formatMillis(ll.wMs)}${settle})`
}
