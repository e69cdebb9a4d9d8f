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

/** The percentiles every report shows, in order, with their printed labels. */
export const REPORTED_PERCENTILES: ReadonlyArray<readonly [keyof LatencySummary, string]> = [
  ['p50', 'p50'],
  ['p75', 'p75'],
  ['p90', 'p90'],
  ['p95', 'p95'],
  ['p99', 'p99'],
  ['p99_9', 'p99.9'],
  ['p99_99', 'p99.99'],
  ['max', 'max'],
]

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

// Hot-path staging. hdr-histogram-js computes a bucket index with Math.log2 and Math.pow on
// every record (a measurable share of a memory:// bench's CPU: docs/performance.md); the layout for 3 significant digits and a
// lowest value of 1 is fixed, so the index is computed here with Math.clz32 into a flat count
// array, and moved into the HDR histogram (same bucket, via its lowest value) only when the
// histogram is read. Exact: the staged count lands in the very bucket recordValue would use.
const SUB_BUCKET_HALF_MAGNITUDE = 10 // log2(1024): 3 significant digits → 2048 sub-buckets
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_MAGNITUDE
/** Values below 2^32 µs (71 minutes) are staged; larger ones go straight to the HDR histogram. */
const STAGED_LENGTH = (32 - SUB_BUCKET_HALF_MAGNITUDE) * SUB_BUCKET_HALF_COUNT + 2 * SUB_BUCKET_HALF_COUNT
const STAGED_MAX_VALUE = 2 ** 32
/** Flush before a Uint32 slot could overflow. */
const STAGED_FLUSH_AT = 2 ** 31

/** Index in the staging array of an integer value 0 ≤ v < 2^32 (HDR's countsArrayIndex). */
export function stagedIndex(value: number): number {
  const bucket = 31 - Math.clz32(value | (2 * SUB_BUCKET_HALF_COUNT - 1)) - SUB_BUCKET_HALF_MAGNITUDE
  return (bucket << SUB_BUCKET_HALF_MAGNITUDE) + (value >>> bucket)
}

/** The lowest value of the bucket at a staging index (HDR's valueFromIndex). */
export function stagedValue(index: number): number {
  let bucket = (index >> SUB_BUCKET_HALF_MAGNITUDE) - 1
  let sub = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT
  if (bucket < 0) {
    sub -= SUB_BUCKET_HALF_COUNT
    bucket = 0
  }
  return sub * 2 ** bucket
}

export class LatencyHistogram {
  private hist: hdr.Histogram
  private staged: Uint32Array | undefined
  private stagedCount = 0
  private stagedLow = STAGED_LENGTH
  private stagedHigh = -1
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
    return this.hist.totalCount + this.stagedCount
  }

  /** Record a duration given in nanoseconds (as a Number). Negative values must be filtered by the caller. */
  recordNanos(durationNanos: number): void {
    this.recordMicros(durationNanos / 1000)
  }

  recordMicros(durationMicros: number): void {
    this.sumMicros += durationMicros
    const rounded = Math.round(durationMicros)
    if (rounded < this.minMicros) this.minMicros = rounded
    if (rounded > this.maxMicros) this.maxMicros = rounded
    if (rounded >= STAGED_MAX_VALUE) {
      this.hist.recordValue(rounded)
      return
    }
    const staged = (this.staged ??= new Uint32Array(STAGED_LENGTH))
    const index = stagedIndex(rounded)
    staged[index]++
    if (index < this.stagedLow) this.stagedLow = index
    if (index > this.stagedHigh) this.stagedHigh = index
    if (++this.stagedCount >= STAGED_FLUSH_AT) this.flush()
  }

  /** The HDR histogram with every staged count moved into it. */
  private settled(): hdr.Histogram {
    if (this.stagedCount > 0) this.flush()
    return this.hist
  }

  private flush(): void {
    const staged = this.staged!
    for (let index = this.stagedLow; index <= this.stagedHigh; index++) {
      const n = staged[index]
      if (n === 0) continue
      this.hist.recordValueWithCount(stagedValue(index), n)
      staged[index] = 0
    }
    this.stagedCount = 0
    this.stagedLow = STAGED_LENGTH
    this.stagedHigh = -1
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
    return this.count === 0 ? 0 : this.settled().getValueAtPercentile(percentile) / 1000
  }

  summary(): LatencySummary {
    if (this.count === 0) {
      return {count: 0, mean: 0, stdev: 0, min: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p99_9: 0, p99_99: 0, max: 0}
    }
    const hist = this.settled()
    const at = (p: number) => hist.getValueAtPercentile(p) / 1000
    return {
      count: this.count,
      mean: this.meanMs,
      stdev: hist.stdDeviation / 1000,
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
    this.settled().add(other.settled())
    this.sumMicros += other.sumMicros
    if (other.minMicros < this.minMicros) this.minMicros = other.minMicros
    if (other.maxMicros > this.maxMicros) this.maxMicros = other.maxMicros
  }

  reset(): void {
    if (this.stagedCount > 0) {
      this.staged!.fill(0, this.stagedLow, this.stagedHigh + 1)
      this.stagedCount = 0
      this.stagedLow = STAGED_LENGTH
      this.stagedHigh = -1
    }
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
      hdr: hdr.encodeIntoCompressedBase64(this.settled()),
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
