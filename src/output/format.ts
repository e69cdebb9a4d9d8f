// Human formatting of figures for tables and summaries: one formatter per kind of figure, used by
// every renderer, so a count, a rate or a duration reads the same everywhere. JSON output never
// goes through these.
//
// Thousands are grouped by hand rather than with toLocaleString('en-US'): its first call loads
// ICU's number formatting data, a noticeable part of a short command's start-up.
// The results are the same, rounding included (test/output/format.test.ts compares them).

/** A whole count: `22,508`. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '-'
  const rounded = Math.round(value)
  return `${signOf(rounded)}${groupThousands(roundedDigits(Math.abs(rounded), 0))}`
}

/** A count with its noun, singular for exactly one: `1 message`, `10,000 messages`. */
export function formatQuantity(value: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(value)} ${Math.round(value) === 1 ? singular : plural}`
}

/** A figure that is not a whole count (a mean length, Little's L): one decimal, `1,406.6`. */
export function formatDecimal(value: number): string {
  if (!Number.isFinite(value)) return '-'
  const tenths = roundedDigits(Math.abs(value), 1)
  return `${signOf(value)}${groupThousands(tenths.slice(0, -1) || '0')}.${tenths.slice(-1)}`
}

/** "-" for a negative number, negative zero included (as toLocaleString writes "-0"). */
function signOf(value: number): string {
  return value < 0 || Object.is(value, -0) ? '-' : ''
}

/** `1234567` → `1,234,567`. */
function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+$)/g, ',')
}

/**
 * `x` (≥ 0) with `decimals` digits after the point, as one string of digits: (1406.63, 1) →
 * "14066". Made from the shortest decimal form of `x` (toExponential's digits) and rounded half
 * up, as ICU does: (0.35, 1) → "4" where toFixed says 0.3, and 1.5e25 has zeros after its "15".
 */
function roundedDigits(x: number, decimals: number): string {
  const [mantissa, exponent] = x.toExponential().split('e')
  const digits = mantissa.replace('.', '')
  // x = D.DDD × 10^exponent: exponent + 1 digits before the point, then the decimals.
  const kept = Number(exponent) + 1 + decimals
  if (kept < 0) return '0'
  const head = kept === 0 ? 0n : BigInt(digits.slice(0, kept).padEnd(kept, '0'))
  const next = digits[kept] ?? '0'
  return (next >= '5' ? head + 1n : head).toString()
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
