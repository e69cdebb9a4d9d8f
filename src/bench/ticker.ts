// The run's intervals: every --interval the measurements are rolled into one IntervalStats (the
// runner emits it as `tick`); at the end of --warmup the warmup's last interval is rolled and the
// point where measuring starts is marked. Once publishing (then consuming) has ended, an interval
// closing later takes its rates only up to the last confirm (receipt): the run's last intervals,
// which outlast publishing and consuming, must not read as a drop.
import {nowNs} from './clock.js'
import type {IntervalStats, Measurements} from './measurements.js'

/** What each interval records besides the rates and latencies. */
export interface IntervalGauges {
  outstanding: number
  queueLength: number | null
  eventLoopDelayP99Ms: number
}

export interface TickerOptions {
  measurements: Measurements
  /** clock.ts ns of the run clock's origin (the start of production). */
  startNs: number
  warmupMs: number
  intervalMs: number
  /** The run clock, ms since startNs. */
  clockMs: () => number
  gauges: () => IntervalGauges
  onTick: (stats: IntervalStats) => void
}

export class IntervalTicker {
  /** Where measuring starts, the end of warmup: clock.ts ns and run-clock ms. */
  measureStartNs: number
  measureStartMs = 0
  private inWarmup: boolean
  private publishingEnded = false
  private consumingEnded = false
  private interval?: NodeJS.Timeout
  private warmupTimer?: NodeJS.Timeout

  constructor(private readonly options: TickerOptions) {
    this.inWarmup = options.warmupMs > 0
    this.measureStartNs = options.startNs
  }

  start(): void {
    this.interval = setInterval(() => this.roll(this.inWarmup), this.options.intervalMs)
    if (!this.inWarmup) return
    this.warmupTimer = setTimeout(() => {
      this.roll(true)
      this.inWarmup = false
      this.measureStartNs = nowNs()
      this.measureStartMs = this.options.clockMs()
    }, this.options.warmupMs)
  }

  /** Every producer is done (every confirm in). */
  publishingDone(): void {
    this.publishingEnded = true
  }

  /** The drain is over. */
  consumingDone(): void {
    this.consumingEnded = true
  }

  /** Stops the timers and rolls the last, partial interval. */
  stop(): void {
    clearInterval(this.interval)
    if (this.warmupTimer) clearTimeout(this.warmupTimer)
    this.roll(this.inWarmup)
  }

  private roll(warmup: boolean): void {
    const {measurements, startNs} = this.options
    const onClock = (ns: number) => (ns - startNs) / 1e6
    const ended = {
      ...(this.publishingEnded ? {publishedMs: onClock(measurements.lastConfirmNs)} : {}),
      ...(this.consumingEnded ? {consumedMs: onClock(measurements.lastReceiveNs)} : {}),
    }
    this.options.onTick(measurements.roll(this.options.clockMs(), 0, warmup, this.options.gauges(), ended))
  }
}
