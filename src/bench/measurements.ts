// What a run measures, in two layers: the open interval (recorded into on the hot path, rolled
// every tick) and the totals (interval rolled in when it lies after warmup). Rolling with an
// exact HDR add means the hot path records each value once, not twice.
import {LatencyHistogram, type LatencySummary} from '../metrics/histogram.js'
import {ThroughputMeter} from '../metrics/throughput.js'
import {GAP_RECORD_MIN_MS} from './faults/availability.js'

export const LATENCY_KINDS = ['publish', 'endToEnd', 'endToEndCorrected', 'publishDelay', 'handling'] as const
export type LatencyKind = (typeof LATENCY_KINDS)[number]

export type LatencySet = Record<LatencyKind, LatencyHistogram>

function latencySet(): LatencySet {
  return {
    publish: new LatencyHistogram(),
    endToEnd: new LatencyHistogram(),
    endToEndCorrected: new LatencyHistogram(),
    publishDelay: new LatencyHistogram(),
    handling: new LatencyHistogram(),
  }
}

/** One tick's figures (the `tick` event, --ndjson lines, the result's `intervals`). */
export interface IntervalStats {
  /** Interval end, milliseconds since the run started. */
  elapsedMs: number
  durationMs: number
  /**
   * Set on the run's last intervals, when publishing (consuming) ended before the interval did
   * (the last closes after the drain): the part of the interval the published (consumed) rates
   * are over, ms from its start; 0 when none of it was. Absent: the whole durationMs.
   */
  publishedDurationMs?: number
  consumedDurationMs?: number
  warmup: boolean
  published: number
  consumed: number
  publishedPerSecond: number
  consumedPerSecond: number
  publishedBytesPerSecond: number
  consumedBytesPerSecond: number
  /** Publishes sent but not yet confirmed, over all producers, at the tick. */
  outstanding: number
  /** Latest queue-length sample (ready + in flight) or null. */
  queueLength: number | null
  latency: {
    publish: Pick<LatencySummary, 'count' | 'mean' | 'p50' | 'p99' | 'max'>
    endToEnd: Pick<LatencySummary, 'count' | 'mean' | 'p50' | 'p99' | 'max'>
    endToEndCorrected: Pick<LatencySummary, 'count' | 'mean' | 'p50' | 'p99' | 'max'> | null
  }
  /** Event-loop delay p99 during the interval, ms. */
  eventLoopDelayP99Ms: number
  /** Totals so far (all intervals, warmup included): for progress displays. */
  totalPublished: number
  totalConsumed: number
}

const GAP_RECORD_MIN_NS = GAP_RECORD_MIN_MS * 1e6
/** 10,000 silences per stream at most: a run that stalls that often is not short of evidence. */
const MAX_GAP_VALUES = 20_000

export class Measurements {
  readonly interval: LatencySet = latencySet()
  readonly total: LatencySet = latencySet()
  readonly published: ThroughputMeter
  readonly consumed: ThroughputMeter
  /** Σ(ack − send) for acked measured messages, ns: W in Little's law. */
  sojournSumNs = 0
  sojournCount = 0
  private intervalSojournSumNs = 0
  private intervalSojournCount = 0
  /**
   * Σ(settled − ack) over acked measured messages, ns (Kafka: until the commit after the ack
   * landed). Divided by sojournCount: acks that settled with nothing to wait for add 0.
   */
  ackSettleSumNs = 0
  private intervalAckSettleSumNs = 0
  /** Clock differences below zero (other host's clock ahead): counted, never hidden. */
  negativeSamples = 0
  /**
   * Wall-clock latencies (--shared-queues): a negative reading is also recorded, as 0, so it keeps
   * its rank (the readings a host's clock offset pushed below zero are its smallest), and every
   * percentile above their share is the reading itself. Off: not recorded (one host's monotonic
   * clock never gives one). @default false
   */
  recordNegativeAsZero = false
  totalPublished = 0
  totalConsumed = 0
  readonly intervals: IntervalStats[] = []
  /** Clock (clock.ts ns) of the last confirm / receipt: the ends of the throughput windows. */
  lastConfirmNs = 0
  lastReceiveNs = 0
  /** Clock of the first confirm / receipt; 0 until then. */
  firstConfirmNs = 0
  firstReceiveNs = 0
  /** Silences of GAP_RECORD_MIN_MS or more between consecutive confirms / receipts, as [fromNs, toNs] pairs (faults/availability.ts judges them). */
  readonly confirmGapsNs: number[] = []
  readonly receiveGapsNs: number[] = []
  /** --recover / --fault-cmd: latency by send time, for inside and outside outage windows. */
  sendTimeLatency: {record(sendNs: number, latencyNs: number): void} | undefined

  constructor(
    originMs: number,
    private readonly openLoop: boolean,
  ) {
    this.published = new ThroughputMeter(originMs)
    this.consumed = new ThroughputMeter(originMs)
  }

  /** Hot path: a confirm arrived. */
  onConfirm(latencyNs: number, bytes: number, nowNs: number): void {
    if (nowNs - this.lastConfirmNs >= GAP_RECORD_MIN_NS && this.confirmGapsNs.length < MAX_GAP_VALUES) {
      if (this.lastConfirmNs === 0) this.firstConfirmNs = nowNs
      else this.confirmGapsNs.push(this.lastConfirmNs, nowNs)
    }
    this.lastConfirmNs = nowNs
    this.published.count++
    this.published.bytes += bytes
    if (latencyNs < 0) this.negativeSamples++
    else this.interval.publish.recordNanos(latencyNs)
  }

  onPublishDelay(delayNs: number): void {
    // A send can leave marginally before its intended time (timer granularity): that is a zero delay.
    this.interval.publishDelay.recordNanos(Math.max(delayNs, 0))
  }

  /** Hot path: a delivery arrived. correctedNs is NaN in closed loop. */
  onReceive(endToEndNs: number, correctedNs: number, bytes: number, nowNs: number): void {
    if (nowNs - this.lastReceiveNs >= GAP_RECORD_MIN_NS && this.receiveGapsNs.length < MAX_GAP_VALUES) {
      if (this.lastReceiveNs === 0) this.firstReceiveNs = nowNs
      else this.receiveGapsNs.push(this.lastReceiveNs, nowNs)
    }
    if (this.sendTimeLatency !== undefined)
      this.sendTimeLatency.record(
        nowNs - (this.openLoop && !Number.isNaN(correctedNs) ? correctedNs : endToEndNs),
        this.openLoop && !Number.isNaN(correctedNs) ? correctedNs : endToEndNs,
      )
    this.lastReceiveNs = nowNs
    this.consumed.count++
    this.consumed.bytes += bytes
    if (endToEndNs < 0) this.onNegative(this.interval.endToEnd)
    else this.interval.endToEnd.recordNanos(endToEndNs)
    if (this.openLoop && !Number.isNaN(correctedNs)) {
      if (correctedNs < 0) this.onNegative(this.interval.endToEndCorrected)
      else this.interval.endToEndCorrected.recordNanos(correctedNs)
    }
  }

  private onNegative(histogram: LatencyHistogram): void {
    this.negativeSamples++
    if (this.recordNegativeAsZero) histogram.recordNanos(0)
  }

  onHandled(handlingNs: number, sojournNs: number): void {
    this.interval.handling.recordNanos(handlingNs)
    this.intervalSojournSumNs += sojournNs
    this.intervalSojournCount++
  }

  /** An ack promise settled: `totalDelayNs` is its wait times the number of acks that shared it. */
  onAckSettled(totalDelayNs: number): void {
    this.intervalAckSettleSumNs += totalDelayNs
  }

  /** Mean wait from ack to settled, ms, over the measured acks. */
  get ackSettleMeanMs(): number {
    return this.sojournCount > 0 ? this.ackSettleSumNs / this.sojournCount / 1e6 : 0
  }

  /**
   * Close the interval; roll it into the totals unless it was warmup. `ended`: once publishing
   * (consuming) has ended for good, when it did, on the same clock as nowMs, so the rates of an
   * interval that outlasted it are over the part in which it ran.
   */
  roll(
    nowMs: number,
    originMs: number,
    warmup: boolean,
    extras: {outstanding: number; queueLength: number | null; eventLoopDelayP99Ms: number},
    ended: {publishedMs?: number; consumedMs?: number} = {},
  ): IntervalStats {
    const pub = this.published.closeWindow(nowMs, !warmup, ended.publishedMs)
    const con = this.consumed.closeWindow(nowMs, !warmup, ended.consumedMs)
    this.totalPublished += pub.count
    this.totalConsumed += con.count
    const brief = (h: LatencyHistogram) => ({count: h.count, mean: h.meanMs, p50: h.percentileMs(50), p99: h.percentileMs(99), max: h.maxMs})
    const stats: IntervalStats = {
      elapsedMs: nowMs - originMs,
      durationMs: pub.endMs - pub.startMs,
      ...(pub.activeMs < pub.endMs - pub.startMs ? {publishedDurationMs: pub.activeMs} : {}),
      ...(con.activeMs < con.endMs - con.startMs ? {consumedDurationMs: con.activeMs} : {}),
      warmup,
      published: pub.count,
      consumed: con.count,
      publishedPerSecond: pub.perSecond,
      consumedPerSecond: con.perSecond,
      publishedBytesPerSecond: pub.bytesPerSecond,
      consumedBytesPerSecond: con.bytesPerSecond,
      outstanding: extras.outstanding,
      queueLength: extras.queueLength,
      latency: {
        publish: brief(this.interval.publish),
        endToEnd: brief(this.interval.endToEnd),
        endToEndCorrected: this.openLoop ? brief(this.interval.endToEndCorrected) : null,
      },
      eventLoopDelayP99Ms: extras.eventLoopDelayP99Ms,
      totalPublished: this.totalPublished,
      totalConsumed: this.totalConsumed,
    }
    for (const kind of LATENCY_KINDS) {
      if (!warmup) this.total[kind].add(this.interval[kind])
      this.interval[kind].reset()
    }
    if (!warmup) {
      this.sojournSumNs += this.intervalSojournSumNs
      this.sojournCount += this.intervalSojournCount
      this.ackSettleSumNs += this.intervalAckSettleSumNs
    }
    this.intervalSojournSumNs = 0
    this.intervalSojournCount = 0
    this.intervalAckSettleSumNs = 0
    this.intervals.push(stats)
    return stats
  }
}
