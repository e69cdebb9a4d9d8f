// Human formatting of figures for tables and summaries: one formatter per kind of figure, used by
// every renderer, so a count, a rate or a duration reads the same everywhere. JSON output never
// goes through these.

/** A whole count: `22,508`. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '-'
  return Math.round(value).toLocaleString('en-US')
}

/** A count with its noun, singular for exactly one: `1 message`, `10,000 messages`. */
export function formatQuantity(value: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(value)} ${Math.round(value) === 1 ? singular : plural}`
}

/** A figure that is not a whole count (a mean length, Little's L): one decimal, `1,406.6`. */
export function formatDecimal(value: number): string {
  if (!Number.isFinite(value)) return '-'
  return value.toLocaleString('en-US', {minimumFractionDigits: 1, maximumFractionDigits: 1})
}

/** Events per second: `93.7 /s`, `1500 /s`, `40.1 k/s`, `1.23 M/s` (at most four digits). */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '-'
  if (perSecond >= 1_000_000) return `${(perSecond / 1_000_000).toFixed(2)} M/s`
  if (perSecond >= 10_000) return `${(perSecond / 1000).toFixed(1)} k/s`
  return `${perSecond.toFixed(perSecond < 100 ? 1 : 0)} /s`
}

/** Bytes per second as the MB/s column shows them (decimal megabytes): `1.54`. */
export function formatMegabytesPerSecond(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond)) return '-'
  return (bytesPerSecond / 1e6).toFixed(2)
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-'
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 ** 2).toFixed(2)} MiB`
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${Math.round(bytes)} B`
}

/** Three significant figures (fewer decimals as the value grows): 6.63, 15.0, 140. */
function threeFigures(value: number): string {
  return value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)
}

/**
 * A duration in milliseconds, to three significant figures in the largest unit below it:
 * "0 µs", "6.63 µs", "850 µs", "12.3 ms", "2.50 s". Sub-microsecond means keep two decimals.
 */
export function formatMillis(ms: number): string {
  if (!Number.isFinite(ms)) return '-'
  if (ms < 0) return `-${formatMillis(-ms)}`
  if (ms === 0) return '0 µs'
  // Rounded first, so 999.6 µs reads "1.00 ms", not "1000 µs".
  const micros = Number((ms * 1000).toPrecision(3))
  if (micros < 1000) return `${threeFigures(micros)} µs`
  const millis = Number(ms.toPrecision(3))
  if (millis < 1000) return `${threeFigures(millis)} ms`
  return `${threeFigures(Number((ms / 1000).toPrecision(3)))} s`
}

/** A ratio as a percentage: `-100.0 %` (digits after the point: 1 unless told). */
export function formatPercent(ratio: number, digits = 1): string {
  if (!Number.isFinite(ratio)) return '-'
  return `${(ratio * 100).toFixed(digits)} %`
}

/**
 * Little's law's prediction with its factors: "865.0 (40.1 k/s × 21.6 ms)", and the part of W
 * spent waiting for acks to settle (Kafka: for the commit) when there is one to speak of.
 */
export function formatLambdaW(ll: {lambdaW: number; lambdaPerSecond: number; wMs: number; ackSettleMs?: number}): string {
  const settle = ll.ackSettleMs !== undefined && ll.ackSettleMs >= 0.05 ? `, ${formatMillis(ll.ackSettleMs)} of it ack→settled` : ''
  return `${formatDecimal(ll.lambdaW)} (${formatRate(ll.lambdaPerSecond)} × ${formatMillis(ll.wMs)}${settle})`
}
