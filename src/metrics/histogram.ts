// Lossless latency recording: HDR histograms (no sampling, 3 significant digits) with the
// recording unit in every name. Values are integer MICROseconds; summaries are milliseconds.
// The exact sum and count are kept beside the histogram so means (e.g. T̄ = ΣTᵢ/n) are exact,
// not bucket-rounded, and survive merges and the JSON round trip.
import * as hdr from 'hdr-histogram-js'

/** The summary every latency kind reports, all figures in milliseconds. */
export interface LatencySummary {
  count: number
  mean: number
  stdev: number
  min: number
  p50: number
  p75: number
  p90: number
  p95: number
  p99: number
  p99_9: number
  p99_99: number
  max: number
}

/** A histogram as stored in the JSON result: compressed HDR plus the exact sum. */
export interface EncodedHistogram {
  unit: 'micros'
  /** Exact ΣTᵢ in microseconds (fractional: recorded from nanoseconds before rounding). */
  sumMicros: number
  /** Exact extremes (the HDR buckets only know them to 3 significant digits). */
  minMicros: number
  maxMicros: number
  /** HdrHistogram V2 compressed, base64 (readable by every HdrHistogram implementation). */
  hdr: string
}

/** 10 s: a starting size, not a cap (larger values auto-resize). Smaller arrays make the
 *  per-tick percentile queries and merges cheaper. */
const INITIAL_HIGHEST_MICROS = 10_000_000

function buildHdr(): hdr.Histogram {
  // JS implementation: the WASM one is faster per record but needs an async init and
  // explicit destroy(); the hot path records into few histograms so the JS one is enough.
  return hdr.build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: INITIAL_HIGHEST_MICROS,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  })
}

export class LatencyHistogram {
  private hist: hdr.Histogram
  /** Exact sum of recorded values, microseconds. */
  private sumMicros = 0
  private minMicros = Number.POSITIVE_INFINITY
  private maxMicros = 0

  constructor(histogram?: hdr.Histogram, exact?: {sumMicros: number; minMicros: number; maxMicros: number}) {
    this.hist = histogram ?? buildHdr()
    if (exact && this.hist.totalCount > 0) {
      this.sumMicros = exact.sumMicros
      this.minMicros = exact.minMicros
      this.maxMicros = exact.maxMicros
    }
  }

  get count(): number {
    return this.hist.totalCount
  }

  /** Record a duration given in nanoseconds (as a Number). Negative values must be filtered by the caller. */
  recordNanos(durationNanos: number): void {
    const micros = durationNanos / 1000
    this.sumMicros += micros
    const rounded = Math.round(micros)
    if (rounded < this.minMicros) this.minMicros = rounded
    if (rounded > this.maxMicros) this.maxMicros = rounded
    this.hist.recordValue(rounded)
  }

  recordMicros(durationMicros: number): void {
    this.sumMicros += durationMicros
    const rounded = Math.round(durationMicros)
    if (rounded < this.minMicros) this.minMicros = rounded
    if (rounded > this.maxMicros) this.maxMicros = rounded
    this.hist.recordValue(rounded)
  }

  /** Exact mean in milliseconds (0 when empty). */
  get meanMs(): number {
    return this.count === 0 ? 0 : this.sumMicros / this.count / 1000
  }

  /** Exact maximum, milliseconds (0 when empty). */
  get maxMs(): number {
    return this.maxMicros / 1000
  }

  get totalMicros(): number {
    return this.sumMicros
  }

  /** Value at a percentile (0..100), milliseconds. */
  percentileMs(percentile: number): number {
    return this.count === 0 ? 0 : this.hist.getValueAtPercentile(percentile) / 1000
  }

  summary(): LatencySummary {
    if (this.count === 0) {
      return {count: 0, mean: 0, stdev: 0, min: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p99_9: 0, p99_99: 0, max: 0}
    }
    const at = (p: number) => this.hist.getValueAtPercentile(p) / 1000
    return {
      count: this.count,
      mean: this.meanMs,
      stdev: this.hist.stdDeviation / 1000,
      min: this.minMicros / 1000,
      p50: at(50),
      p75: at(75),
      p90: at(90),
      p95: at(95),
      p99: at(99),
      p99_9: at(99.9),
      p99_99: at(99.99),
      max: this.maxMicros / 1000,
    }
  }

  /** Exact merge: HDR add of the counts, plus the exact sums. */
  add(other: LatencyHistogram): void {
    if (other.count === 0) return
    this.hist.add(other.hist)
    this.sumMicros += other.sumMicros
    if (other.minMicros < this.minMicros) this.minMicros = other.minMicros
    if (other.maxMicros > this.maxMicros) this.maxMicros = other.maxMicros
  }

  reset(): void {
    this.hist.reset()
    this.sumMicros = 0
    this.minMicros = Number.POSITIVE_INFINITY
    this.maxMicros = 0
  }

  encode(): EncodedHistogram {
    return {
      unit: 'micros',
      sumMicros: this.sumMicros,
      minMicros: this.count === 0 ? 0 : this.minMicros,
      maxMicros: this.maxMicros,
      hdr: hdr.encodeIntoCompressedBase64(this.hist),
    }
  }

  static decode(encoded: EncodedHistogram): LatencyHistogram {
    const decoded = hdr.decodeFromCompressedBase64(encoded.hdr, 64, false)
    // Decoded histograms come back fixed-size; merging later ones must still fit.
    decoded.autoResize = true
    return new LatencyHistogram(decoded, encoded)
  }

  /** Merge any number of histograms into a new one. */
  static merge(histograms: Iterable<LatencyHistogram>): LatencyHistogram {
    const merged = new LatencyHistogram()
    for (const h of histograms) merged.add(h)
    return merged
  }
}

/**
 * Run the histogram code paths once so their JIT compilation (tens of ms when cold) happens
 * before a measurement starts instead of stalling the event loop at the first tick.
 */
export function warmUpHistograms(): void {
  const a = new LatencyHistogram()
  const b = new LatencyHistogram()
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 2000; i++) a.recordNanos(i * 997)
    a.summary()
    b.add(a)
    a.reset()
  }
  LatencyHistogram.decode(b.encode()).summary()
}
