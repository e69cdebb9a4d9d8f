// Outage windows from the run's own evidence (no I/O): silences between consecutive confirms and
// between consecutive deliveries, long enough that the load alone cannot explain them, merged into
// windows of unavailability; and end-to-end latency split by whether a message was SENT inside a
// window. Times are milliseconds on the run clock (0 = the start of production, as intervals'
// elapsedMs).
import * as hdr from 'hdr-histogram-js'
import {LatencyHistogram, type LatencySummary} from '../../metrics/histogram.js'
import type {AvailabilityFigures, Gap, OutageWindow, RunEvent} from '../../results/availability.js'
import type {BenchOptions} from '../options.js'

/** Silences at least this long are recorded by the measurements (the candidates for windows). */
export const GAP_RECORD_MIN_MS = 200

/** A window never starts below this, whatever the rate: shorter stalls are GC pauses and scheduling noise. */
export const MIN_OUTAGE_GAP_MS = 500

/** A silence counts when it is this many mean inter-send gaps of the slowest rate step. */
export const OUTAGE_GAP_FACTOR = 20

/** Events this long before a window's start belong to it: a fault command starts before the
 *  broker stops answering (the last confirm comes after it), and a connection loss is noticed
 *  a little after the last confirm. */
export const EVENT_LEAD_MS = 1000

/** Send-time buckets of SendTimeLatency. @default 250 */
export const SEND_TIME_BUCKET_MS = 250

/**
 * The shortest silence that counts as an outage window. Open loop: OUTAGE_GAP_FACTOR × the mean
 * gap between sends at the LOWEST rate step, since the slowest step has the longest natural gaps.
 * With Poisson arrivals the gap between sends is exponential, so a gap of 20 means has probability
 * e^-20 ≈ 2·10⁻⁹: no natural silence in any real run reaches it (uniform arrivals never do).
 * The rate is the total over all producers and the gaps are measured over all of them together,
 * so the producer count does not enter. Closed loop: confirms follow each other back to back, so
 * MIN_OUTAGE_GAP_MS alone.
 */
export function minGapMsFor(options: Pick<BenchOptions, 'rate'>): number {
  if (!options.rate || options.rate.length === 0) return MIN_OUTAGE_GAP_MS
  const lowest = Math.min(...options.rate.map((step) => step.perSecond))
  if (!(lowest > 0)) return MIN_OUTAGE_GAP_MS
  return Math.max(MIN_OUTAGE_GAP_MS, (OUTAGE_GAP_FACTOR * 1000) / lowest)
}

// Compact per-bucket latency bins: exact below 64 µs, then 32 bins per octave (each ≤ 3.2 % wide;
// a percentile read at a bin's midpoint is within 1.6 %). Mean, min, max and count stay exact.
// A 3-significant-digit HDR histogram per bucket costs ~14 KB even packed (33 MB for a 10-minute
// run at 250 ms buckets), these ~1 KB: only the range of bins a bucket touched is allocated.
const EXACT_BINS = 64
const BINS_PER_OCTAVE_BITS = 5
const BINS_PER_OCTAVE = 1 << BINS_PER_OCTAVE_BITS
/** Values are whole microseconds below 2^32 (71 minutes); larger ones land in the last bin. */
const MAX_BIN_MICROS = 2 ** 32 - 1
const GROW_SLACK_BINS = 8

export function latencyBin(micros: number): number {
  const v = micros >= MAX_BIN_MICROS ? MAX_BIN_MICROS : Math.round(micros)
  if (v < EXACT_BINS) return v
  const octave = 31 - Math.clz32(v) // ≥ 6
  return EXACT_BINS + (octave - 6) * BINS_PER_OCTAVE + ((v >>> (octave - BINS_PER_OCTAVE_BITS)) & (BINS_PER_OCTAVE - 1))
}

/** The middle of a bin, whole microseconds. */
export function latencyBinMidMicros(bin: number): number {
  if (bin < EXACT_BINS) return bin
  const octave = ((bin - EXACT_BINS) >> BINS_PER_OCTAVE_BITS) + 6
  const sub = (bin - EXACT_BINS) & (BINS_PER_OCTAVE - 1)
  const width = 2 ** (octave - BINS_PER_OCTAVE_BITS)
  return (BINS_PER_OCTAVE + sub) * width + Math.floor((width - 1) / 2)
}

const LAST_BIN = latencyBin(MAX_BIN_MICROS)

class SendBucket {
  /** counts[i] is bin (offset + i). */
  counts: Uint32Array
  offset: number
  count = 0
  sumMicros = 0
  minMicros = Number.POSITIVE_INFINITY
  maxMicros = 0

  constructor(bin: number) {
    this.offset = Math.max(0, bin - GROW_SLACK_BINS)
    this.counts = new Uint32Array(Math.min(LAST_BIN + 1, bin + GROW_SLACK_BINS + 1) - this.offset)
  }

  record(micros: number): void {
    const bin = latencyBin(micros)
    let i = bin - this.offset
    if (i < 0 || i >= this.counts.length) i = this.grow(bin)
    this.counts[i]++
    this.count++
    this.sumMicros += micros
    const rounded = Math.round(micros)
    if (rounded < this.minMicros) this.minMicros = rounded
    if (rounded > this.maxMicros) this.maxMicros = rounded
  }

  private grow(bin: number): number {
    const from = Math.max(0, Math.min(this.offset, bin - GROW_SLACK_BINS))
    const to = Math.min(LAST_BIN + 1, Math.max(this.offset + this.counts.length, bin + GROW_SLACK_BINS + 1))
    const grown = new Uint32Array(to - from)
    grown.set(this.counts, this.offset - from)
    this.counts = grown
    this.offset = from
    return bin - from
  }
}

/**
 * End-to-end latency by the time the message was SENT, in buckets of `bucketMs` on the run clock,
 * so that, once the outage windows are known (at the end), the latency of messages sent inside
 * them can be told from the rest. Memory: about 1 KB per bucket that received anything (2400
 * buckets for a 10-minute run at 250 ms: a few MB).
 */
export class SendTimeLatency {
  private readonly buckets: Array<SendBucket | undefined> = []

  constructor(readonly bucketMs = SEND_TIME_BUCKET_MS) {}

  /** sendMs: run clock (a negative value counts in the first bucket); latencyNs < 0 is ignored. */
  record(sendMs: number, latencyNs: number): void {
    if (!(latencyNs >= 0)) return
    const index = sendMs > 0 ? Math.floor(sendMs / this.bucketMs) : 0
    const micros = latencyNs / 1000
    const bucket = this.buckets[index]
    if (bucket) bucket.record(micros)
    else (this.buckets[index] = new SendBucket(latencyBin(micros))).record(micros)
  }

  /** The merged latency of the buckets `predicate` accepts (by their [from, to) ms); null when they hold none. */
  summary(predicate: (bucketFromMs: number, bucketToMs: number) => boolean): LatencySummary | null {
    const bins = new Float64Array(LAST_BIN + 1)
    const exact = {sumMicros: 0, minMicros: Number.POSITIVE_INFINITY, maxMicros: 0}
    this.buckets.forEach((bucket, index) => {
      if (!bucket || bucket.count === 0 || !predicate(index * this.bucketMs, (index + 1) * this.bucketMs)) return
      for (let i = 0; i < bucket.counts.length; i++) bins[bucket.offset + i] += bucket.counts[i]
      exact.sumMicros += bucket.sumMicros
      exact.minMicros = Math.min(exact.minMicros, bucket.minMicros)
      exact.maxMicros = Math.max(exact.maxMicros, bucket.maxMicros)
    })
    // Same layout as LatencyHistogram's (3 significant digits), so summary() reads it the same way.
    const merged = hdr.build({
      bitBucketSize: 64,
      autoResize: true,
      lowestDiscernibleValue: 1,
      highestTrackableValue: 10_000_000,
      numberOfSignificantValueDigits: 3,
      useWebAssembly: false,
    })
    bins.forEach((n, bin) => {
      if (n > 0) merged.recordValueWithCount(latencyBinMidMicros(bin), n)
    })
    if (merged.totalCount === 0) return null
    const summary = new LatencyHistogram(merged, exact).summary()
    // A bin's midpoint may lie outside the exact extremes (all values equal, say): clamp.
    const clamp = (ms: number) => Math.min(summary.max, Math.max(summary.min, ms))
    return {
      ...summary,
      p50: clamp(summary.p50),
      p75: clamp(summary.p75),
      p90: clamp(summary.p90),
      p95: clamp(summary.p95),
      p99: clamp(summary.p99),
      p99_9: clamp(summary.p99_9),
      p99_99: clamp(summary.p99_99),
    }
  }
}

export interface AvailabilityInput {
  /** Silences between consecutive confirms (all producers together), run clock ms. */
  confirmGaps: Gap[]
  /** Silences between consecutive deliveries (all consumers together). */
  deliveryGaps: Gap[]
  events: RunEvent[]
  /** minGapMsFor(options) */
  minGapMs: number
  /** lastConfirmMs null: no confirm ever came (a silence from 0). */
  publishing: {lastConfirmMs: number | null; endMs: number; unconfirmedAtEnd: number}
  /** null: no consumers. lastDeliveryMs null: no delivery ever came. */
  consuming: {lastDeliveryMs: number | null; endMs: number; expectedMore: boolean} | null
  latency?: {recorder: SendTimeLatency; kind: 'endToEnd' | 'endToEndCorrected'}
}

interface Silence {
  side: 'publish' | 'consume'
  fromMs: number
  toMs: number
  /** The run ended inside it. */
  open: boolean
}

function round1(ms: number): number {
  return Math.round(ms * 10) / 10
}

/**
 * The outage windows. A silence counts when it lasts minGapMs or more; one still going on at the
 * end counts too (publishing: unconfirmed messages were outstanding; consuming: more deliveries
 * were expected), up to endMs. Publish and consume silences that overlap or touch are one window,
 * from the earliest start to the latest end; for each side the longest silence inside it is the
 * one reported. A window is recovered when every silence in it ended before the run did. Each
 * event belongs to the first window whose [fromMs − EVENT_LEAD_MS, toMs] holds it.
 */
export function analyseAvailability(input: AvailabilityInput): AvailabilityFigures {
  const {minGapMs} = input
  const silences: Silence[] = []
  const closed = (side: Silence['side'], gaps: Gap[]) => {
    for (const gap of gaps) if (gap.toMs - gap.fromMs >= minGapMs) silences.push({side, fromMs: gap.fromMs, toMs: gap.toMs, open: false})
  }
  closed('publish', input.confirmGaps)
  closed('consume', input.deliveryGaps)
  const p = input.publishing
  const lastConfirmMs = p.lastConfirmMs ?? 0
  if (p.unconfirmedAtEnd > 0 && p.endMs - lastConfirmMs >= minGapMs) silences.push({side: 'publish', fromMs: lastConfirmMs, toMs: p.endMs, open: true})
  const c = input.consuming
  if (c?.expectedMore) {
    const lastDeliveryMs = c.lastDeliveryMs ?? 0
    if (c.endMs - lastDeliveryMs >= minGapMs) silences.push({side: 'consume', fromMs: lastDeliveryMs, toMs: c.endMs, open: true})
  }

  silences.sort((a, b) => a.fromMs - b.fromMs || a.toMs - b.toMs)
  const groups: Silence[][] = []
  let groupEndMs = Number.NEGATIVE_INFINITY
  for (const s of silences) {
    if (groups.length > 0 && s.fromMs <= groupEndMs) groups.at(-1)!.push(s)
    else groups.push([s])
    groupEndMs = groups.at(-1)!.length === 1 ? s.toMs : Math.max(groupEndMs, s.toMs)
  }

  const events = [...input.events].sort((a, b) => a.atMs - b.atMs).map((e) => ({...e, atMs: round1(e.atMs)}))
  const claimed = new Set<RunEvent>()
  const windows: OutageWindow[] = groups.map((group) => {
    const fromMs = Math.min(...group.map((s) => s.fromMs))
    const toMs = Math.max(...group.map((s) => s.toMs))
    const longest = (side: Silence['side']) =>
      group
        .filter((s) => s.side === side)
        .reduce<Silence | undefined>((best, s) => (best && best.toMs - best.fromMs >= s.toMs - s.fromMs ? best : s), undefined)
    const pub = longest('publish')
    const con = longest('consume')
    const inWindow = events.filter((e) => !claimed.has(e) && e.atMs >= round1(fromMs - EVENT_LEAD_MS) && e.atMs <= round1(toMs))
    for (const e of inWindow) claimed.add(e)
    return {
      fromMs: round1(fromMs),
      toMs: round1(toMs),
      durationMs: round1(round1(toMs) - round1(fromMs)),
      recovered: group.every((s) => !s.open),
      publish: pub ? {lastConfirmBeforeMs: round1(pub.fromMs), firstConfirmAfterMs: pub.open ? null : round1(pub.toMs)} : null,
      consume: con ? {lastDeliveryBeforeMs: round1(con.fromMs), firstDeliveryAfterMs: con.open ? null : round1(con.toMs)} : null,
      events: inWindow,
    }
  })

  const raw = groups.map((group) => ({fromMs: Math.min(...group.map((s) => s.fromMs)), toMs: Math.max(...group.map((s) => s.toMs))}))
  const recorder = input.latency?.recorder
  const inside = (fromMs: number, toMs: number) => raw.some((w) => fromMs < w.toMs && toMs > w.fromMs)
  return {
    minGapMs: round1(minGapMs),
    windows,
    unavailableMs: Math.max(0, ...windows.map((w) => w.durationMs)),
    totalUnavailableMs: round1(windows.reduce((sum, w) => sum + w.durationMs, 0)),
    latency:
      recorder && input.latency
        ? {
            bucketMs: recorder.bucketMs,
            kind: input.latency.kind,
            inside: windows.length === 0 ? null : recorder.summary(inside),
            outside: recorder.summary((fromMs, toMs) => !inside(fromMs, toMs)),
          }
        : null,
    events,
  }
}
