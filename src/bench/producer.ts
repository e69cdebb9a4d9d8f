// One producer: its own connection, one queue, a publish loop. Closed loop keeps up to
// `confirmWindow` publishes unconfirmed; open loop sends on a schedule of intended send times
// (uniform or Poisson, in rate steps) and stamps both the intended and the actual time, so
// latency can be measured from when the message SHOULD have left (coordinated omission).
import {DeliveryError} from '../errors.js'
import type {Driver, OutgoingMessage} from '../drivers/types.js'
import type {IntegrityTracker} from './integrity.js'
import type {Measurements} from './measurements.js'
import type {BenchOptions, RateStep} from './options.js'
import {STAMP_BYTES, writeStamp} from './stamp.js'
import {waitUntil} from './work.js'

/** Closed loop yields to the event loop at least this often so timers, consumers and I/O run. */
const YIELD_EVERY_NS = 1_000_000n

export interface ProducerSetup {
  driver: Driver
  producerId: number
  producers: number
  queue: string
  queueIndex: number
  options: BenchOptions
  measurements: Measurements
  integrity: IntegrityTracker
  /** Messages this producer sends (count mode). */
  quota?: number
  /** hrtime origin of the run. */
  startNs: bigint
  /** Stop producing at this hrtime (duration mode / timed rate steps). */
  endNs?: bigint
  /** Payload bytes copied behind the stamp (max size). */
  template: Buffer
  stopped: () => boolean
  fail: (error: unknown) => void
}

export class Producer {
  outstanding = 0
  sequence = 0
  private waiter: (() => void) | undefined
  private lowWater: number
  private lastNowNs = 0n

  constructor(private readonly s: ProducerSetup) {
    this.lowWater = Math.floor(s.options.confirmWindow / 2)
  }

  async run(): Promise<void> {
    this.lastNowNs = process.hrtime.bigint()
    if (this.s.options.rate) await this.openLoop(this.s.options.rate)
    else await this.closedLoop()
    while (this.outstanding > 0 && !this.interrupted) await this.slot(0)
  }

  private interrupted = false

  /** Stop waiting for confirms (interrupt or fatal error): the run is ending without them. */
  interrupt(): void {
    this.interrupted = true
    const wake = this.waiter
    this.waiter = undefined
    wake?.()
  }

  private done(): boolean {
    const s = this.s
    return s.stopped() || (s.quota !== undefined && this.sequence >= s.quota) || (s.endNs !== undefined && this.lastNowNs >= s.endNs)
  }

  private async closedLoop(): Promise<void> {
    const window = this.s.options.confirmWindow
    let lastYieldNs = this.lastNowNs
    while (!this.done()) {
      if (this.outstanding >= window) {
        await this.slot(this.lowWater)
        if (this.interrupted) return
        lastYieldNs = this.lastNowNs = process.hrtime.bigint()
        continue
      }
      this.send(0n)
      if (this.lastNowNs - lastYieldNs > YIELD_EVERY_NS) {
        await new Promise<void>((resolve) => setImmediate(resolve))
        lastYieldNs = this.lastNowNs = process.hrtime.bigint()
      }
    }
  }

  private async openLoop(steps: RateStep[]): Promise<void> {
    const s = this.s
    const poisson = s.options.arrivals === 'poisson'
    const clockMs = () => Number(process.hrtime.bigint() - s.startNs) / 1e6
    let stepIndex = 0
    let stepEndMs = steps[0].durationMs ?? Number.POSITIVE_INFINITY
    let gapMs = (1000 * s.producers) / steps[0].perSecond
    const nextGap = () => (poisson ? -Math.log(1 - Math.random()) * gapMs : gapMs)
    // Producers share the rate; uniform ones are staggered so sends interleave evenly.
    let intendedMs = poisson ? nextGap() : (gapMs * s.producerId) / s.producers
    const window = s.options.confirmWindow
    while (true) {
      while (intendedMs >= stepEndMs) {
        stepIndex++
        if (stepIndex >= steps.length) return
        stepEndMs += steps[stepIndex].durationMs ?? Number.POSITIVE_INFINITY
        gapMs = (1000 * s.producers) / steps[stepIndex].perSecond
      }
      if (s.endNs !== undefined && intendedMs >= Number(s.endNs - s.startNs) / 1e6) return
      if (s.stopped() || (s.quota !== undefined && this.sequence >= s.quota)) return
      if (intendedMs > clockMs()) await waitUntil(intendedMs, clockMs)
      // A full window delays the send: the delay shows in publish delay and corrected latency.
      if (this.outstanding >= window) await this.slot(window - 1)
      if (this.interrupted) return
      const intendedNs = s.startNs + BigInt(Math.round(intendedMs * 1e6))
      const actualNs = this.send(intendedNs)
      s.measurements.onPublishDelay(Number(actualNs - intendedNs))
      intendedMs += nextGap()
    }
  }

  /** Stamp and publish one message; returns the actual send time. */
  private send(intendedNs: bigint): bigint {
    const s = this.s
    const o = s.options
    const size = o.maxSizeBytes === o.sizeBytes ? o.sizeBytes : o.sizeBytes + Math.floor(Math.random() * (o.maxSizeBytes - o.sizeBytes + 1))
    const body = Buffer.allocUnsafe(size)
    s.template.copy(body, STAMP_BYTES, STAMP_BYTES, size)
    const sequence = this.sequence++
    const sendNs = process.hrtime.bigint()
    this.lastNowNs = sendNs
    writeStamp(body, s.producerId, sequence, intendedNs, sendNs, s.queueIndex)
    const message: OutgoingMessage = {body, persistent: o.persistent}
    if (o.priority !== undefined) message.priority = o.priority
    this.outstanding++
    s.integrity.sent++
    s.driver.publish(s.queue, message).then(
      () => {
        const nowNs = process.hrtime.bigint()
        s.measurements.onConfirm(Number(nowNs - sendNs), size, nowNs)
        s.integrity.onConfirm(s.producerId, sequence)
        this.release()
      },
      (error: unknown) => {
        s.integrity.publishErrors++
        // A refused message is a finding; anything else (connection lost…) ends the run.
        if (!(error instanceof DeliveryError)) s.fail(error)
        this.release()
      },
    )
    return sendNs
  }

  private release(): void {
    this.outstanding--
    if (this.waiter !== undefined && this.outstanding <= this.lowWaterTarget) {
      const wake = this.waiter
      this.waiter = undefined
      wake()
    }
  }

  private lowWaterTarget = 0

  /** Wait until at most `target` publishes are outstanding. */
  private slot(target: number): Promise<void> {
    if (this.outstanding <= target) return Promise.resolve()
    this.lowWaterTarget = target
    return new Promise((resolve) => {
      this.waiter = resolve
    })
  }
}
