// One producer: its own connection, one queue, a publish loop. Closed loop keeps up to
// `confirmWindow` publishes unconfirmed; open loop sends on a schedule of intended send times
// (uniform or Poisson, in rate steps) and stamps both the intended and the actual time, so
// latency can be measured from when the message SHOULD have left (coordinated omission).
import {DeliveryError, OutcomeUnknownError} from '../errors.js'
import {ConfirmWindow} from '../drivers/confirm-window.js'
import {publishWithCallbacks, type PublishWithCallbacks} from '../drivers/publish-callbacks.js'
import type {Driver, OutgoingMessage} from '../drivers/types.js'
import type {IntegrityTracker} from './integrity.js'
import type {Measurements} from './measurements.js'
import {ACKS_CODES, type BenchOptions, keyOf, type RateStep} from './options.js'
import {nowNs} from './clock.js'
import type {BodySource} from './message/payload.js'
import {writeStamp} from './message/stamp.js'
import {formatStampHeader, STAMP_HEADER} from './message/stamp-header.js'
import {waitUntil} from './work.js'

/** Closed loop yields to the event loop at least this often so timers, consumers and I/O run. */
const YIELD_EVERY_NS = 1_000_000

export interface ProducerSetup {
  driver: Driver
  /** The id stamped on its messages (unique in the run, shards and their attempts included: shard.ts). */
  producerId: number
  /** Producers of this run (or shard) sharing `options.rate`: each sends 1/producers of it. */
  producers: number
  /** Uniform open loop: where in one inter-send gap this producer's first send falls (0 ≤ phase < 1),
   *  so the producers' sends interleave evenly. */
  phase: number
  queue: string
  queueIndex: number
  options: BenchOptions
  measurements: Measurements
  integrity: IntegrityTracker
  /** Messages this producer sends (count mode). */
  quota?: number
  /** Clock origin of the run (clock.ts nanoseconds). */
  startNs: number
  /** Added to the send times the stamp carries: 0 (this host's monotonic clock) or, with shared
   *  queues, clock.ts wallClockOffsetNs (wall-clock ns since --start-at). */
  stampClockOffsetNs: number
  /** Stop producing at this time (duration mode / timed rate steps). */
  endNs?: number
  payload: BodySource
  /** The stamp goes in a header (message/stamp-header.ts), the body is the payload alone; else into the body. */
  stampInHeader: boolean
  /** Give each body back to `payload` once confirmed: the driver no longer holds it (runner.ts). */
  releaseOnConfirm: boolean
  stopped: () => boolean
  fail: (error: unknown) => void
}

/**
 * One unconfirmed publish. Pooled and reused (at most confirmWindow exist per producer), with
 * its two callbacks bound once, so a publish allocates no closure for its confirm. A driver may
 * call them before publishCallback returns (a message it refuses at once).
 */
class PendingPublish {
  sendNs = 0
  sequence = 0
  bytes = 0
  body: Buffer | undefined
  readonly confirmed = () => this.producer.confirmed(this)
  readonly failed = (error: unknown) => this.producer.failed(this, error)
  constructor(private readonly producer: Producer) {}
}

export class Producer {
  sequence = 0
  /** When the first message left (clock.ts ns); 0 until then. */
  firstSendNs = 0
  private readonly confirms = new ConfirmWindow()
  private lastNowNs = 0
  private readonly pool: PendingPublish[] = []
  private readonly keyed: boolean
  /** Callbacks, not a promise per message: no promise, reaction or microtask on the hot path (docs/performance.md). */
  private readonly publish: PublishWithCallbacks

  constructor(private readonly s: ProducerSetup) {
    this.keyed = s.options.key !== undefined || s.options.keys !== undefined
    this.publish = publishWithCallbacks(s.driver)
  }

  async run(): Promise<void> {
    this.lastNowNs = nowNs()
    if (this.s.options.rate) await this.openLoop(this.s.options.rate)
    else await this.closedLoop()
    while (this.confirms.outstanding > 0 && !this.interrupted) await this.confirms.atMost(0)
  }

  /** Publishes sent and not yet confirmed or failed. */
  get outstanding(): number {
    return this.confirms.outstanding
  }

  private interrupted = false

  /** Stop waiting for confirms (interrupt or fatal error): the run is ending without them. */
  interrupt(): void {
    this.interrupted = true
    this.confirms.wake()
  }

  private done(): boolean {
    const s = this.s
    return s.stopped() || (s.quota !== undefined && this.sequence >= s.quota) || (s.endNs !== undefined && this.lastNowNs >= s.endNs)
  }

  private async closedLoop(): Promise<void> {
    const window = this.s.options.confirmWindow
    let lastYieldNs = this.lastNowNs
    while (!this.done()) {
      if (this.confirms.outstanding >= window) {
        // Refill as soon as a confirm frees a slot, as a raw client loop does: the confirms of one
        // socket read (or one microtask batch on memory://) all land before this wakes, so it
        // still sends in bursts.
        await this.confirms.atMost(window - 1)
        if (this.interrupted) return
        // Not a yield: on memory:// confirms are microtasks, so this wait never lets timers run
        // (the interval ticker, the queue-length sampler). Only the setImmediate below does.
        this.lastNowNs = nowNs()
        continue
      }
      this.send(0)
      if (this.lastNowNs - lastYieldNs > YIELD_EVERY_NS) {
        await new Promise<void>((resolve) => setImmediate(resolve))
        lastYieldNs = this.lastNowNs = nowNs()
      }
    }
  }

  private async openLoop(steps: RateStep[]): Promise<void> {
    const s = this.s
    const poisson = s.options.arrivals === 'poisson'
    const clockMs = () => (nowNs() - s.startNs) / 1e6
    let stepIndex = 0
    let stepEndMs = steps[0].durationMs ?? Number.POSITIVE_INFINITY
    let gapMs = (1000 * s.producers) / steps[0].perSecond
    const nextGap = () => (poisson ? -Math.log(1 - Math.random()) * gapMs : gapMs)
    // Producers share the rate; uniform ones are staggered so sends interleave evenly.
    let intendedMs = poisson ? nextGap() : gapMs * s.phase
    const window = s.options.confirmWindow
    let lastYieldNs = nowNs()
    while (true) {
      while (intendedMs >= stepEndMs) {
        stepIndex++
        if (stepIndex >= steps.length) return
        stepEndMs += steps[stepIndex].durationMs ?? Number.POSITIVE_INFINITY
        gapMs = (1000 * s.producers) / steps[stepIndex].perSecond
      }
      if (s.endNs !== undefined && intendedMs >= (s.endNs - s.startNs) / 1e6) return
      if (s.stopped() || (s.quota !== undefined && this.sequence >= s.quota)) return
      if (intendedMs > clockMs()) {
        await waitUntil(intendedMs, clockMs)
        lastYieldNs = nowNs()
      } else if (this.lastNowNs - lastYieldNs > YIELD_EVERY_NS) {
        // Behind schedule, this loop would send without ever leaving the turn (memory:// confirms
        // are microtasks): the ticker, the sampler and the warmup timer would not run until the
        // whole schedule was sent. Catching up yields as the closed loop does.
        await new Promise<void>((resolve) => setImmediate(resolve))
        lastYieldNs = nowNs()
      }
      // A full window delays the send: the delay shows in publish delay and corrected latency.
      if (this.confirms.outstanding >= window) await this.confirms.atMost(window - 1)
      if (this.interrupted) return
      const intendedNs = s.startNs + Math.round(intendedMs * 1e6)
      const actualNs = this.send(intendedNs)
      s.measurements.onPublishDelay(actualNs - intendedNs)
      intendedMs += nextGap()
    }
  }

  /** Stamp and publish one message; returns the actual send time. */
  private send(intendedNs: number): number {
    const s = this.s
    const o = s.options
    const body = s.payload.next()
    const sequence = this.sequence++
    const sendNs = nowNs()
    this.lastNowNs = sendNs
    if (this.firstSendNs === 0) this.firstSendNs = sendNs
    const keyed = this.keyed ? keyOf(o, sequence) : undefined
    // mandatory: false unless asked (options.ts); drivers other than amqp ignore it.
    const message: OutgoingMessage = {body, persistent: o.persistent, mandatory: o.mandatory === true}
    // Stamped times are never below 1 (0 means "no intended time": closed loop; u64 fields).
    const offset = s.stampClockOffsetNs
    const stampIntendedNs = intendedNs === 0 ? 0 : offset === 0 ? intendedNs : Math.max(1, intendedNs + offset)
    const stampSendNs = offset === 0 ? sendNs : Math.max(1, sendNs + offset)
    if (s.stampInHeader) message.headers = {[STAMP_HEADER]: formatStampHeader(s.producerId, sequence, stampIntendedNs, stampSendNs, s.queueIndex, keyed?.index)}
    else writeStamp(body, s.producerId, sequence, stampIntendedNs, stampSendNs, s.queueIndex, keyed?.index)
    if (o.priority !== undefined) message.priority = o.priority
    if (o.acks !== undefined) message.acks = ACKS_CODES[o.acks]
    if (keyed !== undefined) message.key = keyed.key
    this.confirms.sent()
    s.integrity.sent++
    const pending = this.pool.pop() ?? new PendingPublish(this)
    pending.sendNs = sendNs
    pending.sequence = sequence
    pending.bytes = body.length
    pending.body = body
    this.publish(s.queue, message, pending.confirmed, pending.failed)
    return sendNs
  }

  /** @internal PendingPublish callback. */
  confirmed(pending: PendingPublish): void {
    const s = this.s
    const confirmNs = nowNs()
    s.measurements.onConfirm(confirmNs - pending.sendNs, pending.bytes, confirmNs)
    s.integrity.onConfirm(s.producerId, pending.sequence)
    if (s.releaseOnConfirm) s.payload.release(pending.body!)
    pending.body = undefined
    this.pool.push(pending)
    this.confirms.settled()
  }

  /** @internal PendingPublish callback. */
  failed(pending: PendingPublish, error: unknown): void {
    const s = this.s
    // Not reused: a driver that failed a publish may still hold its body (a write queued on a dead socket).
    pending.body = undefined
    this.pool.push(pending)
    // --recover: the connection died with this publish on the wire (resilient.ts); the run goes on.
    if (error instanceof OutcomeUnknownError) s.integrity.onInDoubt(s.producerId, pending.sequence)
    else {
      s.integrity.publishErrors++
      // A refused message is a finding; anything else (connection lost…) ends the run.
      if (!(error instanceof DeliveryError)) s.fail(error)
    }
    this.confirms.settled()
  }
}
