// The bench run: declares the queue(s), opens one real connection per producer and consumer
// through the Driver contract, then measures in four steps, one method each: set up (instruments,
// subscriptions), produce, drain (and stop), assemble the result. The warnings' words are in
// render/render-warnings.ts. An EventEmitter — `start`, `tick` (IntervalStats), `done` (BenchResult) — that never
// prints: progress and rendering listen from outside.
import {randomBytes} from 'node:crypto'
import {EventEmitter} from 'node:events'
import {createDriver} from '../drivers/index.js'
import type {Driver, Subscription} from '../drivers/types.js'
import {ConnectionError, NotFoundError, withContext} from '../errors.js'
import {warmUpHistograms} from '../metrics/histogram.js'
import {QueueLengthSampler} from '../metrics/queue-length.js'
import {backlog} from './backlog.js'
import {benchConsumeOptions, benchQueueSpec, refuseUnsupportedKnobs} from './queue-setup.js'
import {makeConsumerHandler, type ConsumerCounters} from './consumer.js'
import {nowNs, testClockShiftMs, wallClockOffsetNs} from './clock.js'
import {startLoopDelayMonitor, type LoopDelayMonitor} from '../metrics/loop-delay.js'
import {precisionWaitNs} from './work.js'
import {IntegrityTracker} from './integrity.js'
import {Measurements} from './measurements.js'
import {bodySource, stampPlacement} from './message/body-source.js'
import type {BodySource} from './message/payload.js'
import type {BenchOptions} from './options.js'
import {Producer} from './producer.js'
import {producerIdOf, queueSlotBase, waitForWallClock} from './shard.js'
import {encodeReceipts} from '../results/receipts.js'
import {buildResult, type BenchResult, type HealthFigures} from '../results/document.js'
import type {Gap, RunEvent} from '../results/availability.js'
import {ResilientDriver} from '../drivers/resilient.js'
import {analyseAvailability, minGapMsFor, SendTimeLatency} from './faults/availability.js'
import {FaultRunner, type FaultSpec} from './faults/fault.js'
import {finalDrain} from './faults/final-drain.js'
import {runWarnings} from './render/render-warnings.js'
import {IntervalTicker} from './ticker.js'

/** @default 1000 — longest wait for the last acks to settle once the handlers are done (a commit round trip is ms). */
const LAST_ACKS_SETTLE_MS = 1000
/**
 * @default 1000 — shared queues: a shard whose producers are done stops consuming once the shared
 * queues have read empty and its consumers received nothing for this long (other shards' producers
 * still at work keep its consumers busy; a queue broker's in-flight count can lag by seconds).
 */
const SHARED_QUIET_MS = 1000

export interface BenchEnvironment {
  url: string
  clientName: string
  mqkitVersion: string
  connectTimeoutMs?: number
  /** Test seam: an unconnected driver for a role (default: createDriver(url)). */
  makeDriver?: (role: 'admin' | 'producer' | 'consumer', index: number) => Promise<Driver>
  /** --workers: this runner is one worker thread's share (see workers/workers.ts). */
  worker?: {
    /** Global index of this worker's first producer / consumer (ids and queue assignment). */
    producerBase: number
    consumerBase: number
    /** The coordinator declared the queues and deletes them: this runner does neither. */
    queuesDeclared: true
    /** Replaces the local drain: resolves when the coordinator sees every queue empty. */
    drain: () => Promise<void>
  }
}

export interface BenchStart {
  queues: string[]
  backend: string
  url: string
  options: BenchOptions
  /** Planned production time after warmup, when known. */
  plannedMs?: number
}

export function queueNames(options: BenchOptions): string[] {
  const base = options.queueName ?? `mqkit-bench-${randomBytes(4).toString('hex')}`
  if (options.queues === 1) return [base]
  return Array.from({length: options.queues}, (_, i) => `${base}-${i + 1}`)
}

/** What setUp() makes for one run: the instruments, the payload and the live subscriptions. */
interface RunSetup {
  admin: Driver
  names: string[]
  consumerDrivers: Driver[]
  signal: AbortSignal | undefined
  /** Removes the run's listener from `signal`. */
  detachSignal: () => void
  startedAt: Date
  measurements: Measurements
  integrity: IntegrityTracker
  counters: ConsumerCounters
  /** --recover or --fault-cmd: the run measures availability and accounts for every message. */
  tracksFailures: boolean
  sendTimeLatency: SendTimeLatency | undefined
  faults: FaultRunner | undefined
  loopDelay: LoopDelayMonitor
  /** Reset at each interval: the interval's own event-loop delay. */
  intervalLoopDelay: LoopDelayMonitor
  sampler: QueueLengthSampler
  /** --shared-queues: the run's queues are every shard's (no local end, no delete; wall-clock stamps). */
  shared: boolean
  /** producer.ts stampClockOffsetNs: 0, or wall-clock ns since --start-at with shared queues. */
  stampClockOffsetNs: number
  stamp: 'body' | 'header'
  stampInHeader: boolean
  payload: BodySource
  /** memory://: the consumer gives a body back on ack; elsewhere the producer, on the confirm. */
  releaseOnAck: boolean
  subscriptions: Subscription[]
}

/** What produce() leaves for the drain and the result. */
interface Production {
  /** clock.ts ns of the run clock's origin, the start of production. */
  startNs: number
  wallAtStartMs: number
  cpuStart: NodeJS.CpuUsage
  precisionWaitStartNs: number
  producers: Producer[]
  ticker: IntervalTicker
  productionEndNs: number
}

/** What drainAndStop() found. */
interface Drained {
  /** Run clock, ms: the end of the last interval. */
  measureEndMs: number
  faultsNotRun: FaultSpec[]
  /** Ready messages the broker still holds. */
  leftInQueue: number
}

export class BenchRunner extends EventEmitter {
  private fatal: unknown
  private stopping = false
  /** Set once the run cancels its subscriptions: their ending is then no failure. */
  private cancellingSubscriptions = false
  /** clock.ts ns of the run clock's origin: the start of production (connection time before it). */
  private startNs = nowNs()
  private names: string[] = []
  private signal: AbortSignal | undefined
  /** Connection losses, reconnects and fault commands, in time order (--recover, --fault-cmd). */
  readonly events: RunEvent[] = []
  /** The run's integrity tracker, for a coordinator merging bitsets across workers. */
  integrity: IntegrityTracker | undefined

  constructor(
    readonly options: BenchOptions,
    readonly env: BenchEnvironment,
  ) {
    super()
  }

  private clockMs(): number {
    return (nowNs() - this.startNs) / 1e6
  }

  private event(event: RunEvent): void {
    this.events.push(event)
    this.emit('event', event)
  }

  private plainDriver(role: 'admin' | 'producer' | 'consumer', index: number): Promise<Driver> {
    if (this.env.makeDriver) return this.env.makeDriver(role, index)
    return createDriver(this.env.url, {clientName: `${this.env.clientName} ${role}-${index}`, connectTimeoutMs: this.env.connectTimeoutMs})
  }

  /** --recover: every role's driver reconnects by itself (resilient.ts); else the backend's driver as it is. */
  private makeDriver(role: 'admin' | 'producer' | 'consumer', index: number): Promise<Driver> {
    const budgetMs = this.options.recoverMs
    if (budgetMs === undefined) return this.plainDriver(role, index)
    return ResilientDriver.create({
      make: () => this.plainDriver(role, index),
      policy: {budgetMs},
      role,
      index,
      topology: this.env.worker ? [] : this.names.map((name) => benchQueueSpec(this.options, name)),
      clockMs: () => this.clockMs(),
      onEvent: (event) => this.event(event),
      signal: this.signal,
    })
  }

  async run(signal?: AbortSignal): Promise<BenchResult> {
    const o = this.options
    const names = queueNames(o)
    this.names = names
    this.signal = signal
    const drivers: Driver[] = []
    const connect = async (role: 'admin' | 'producer' | 'consumer', index: number) => {
      const driver = await this.makeDriver(role, index)
      drivers.push(driver)
      await driver.connect()
      return driver
    }
    let admin: Driver | undefined
    let declared = false
    try {
      admin = await connect('admin', 0)
      refuseUnsupportedKnobs(o, admin)
      if (!this.env.worker) {
        for (const name of names) await admin.declare(benchQueueSpec(o, name))
        declared = true
      }
      const [producerDrivers, consumerDrivers] = await Promise.all([
        Promise.all(Array.from({length: o.producers}, (_, i) => connect('producer', i + 1))),
        Promise.all(Array.from({length: o.consumers}, (_, i) => connect('consumer', i + 1))),
      ])
      return await this.measure(admin, names, producerDrivers, consumerDrivers, signal)
    } finally {
      // Shared queues are every shard's: kept for the others (the command says how to delete them).
      if (admin && declared && !o.keep && !o.shard?.sharedQueues) {
        for (const name of names) await admin.delete(name).catch(() => {})
      }
      await Promise.all(drivers.map((d) => d.close().catch(() => {})))
    }
  }

  /** One measured run on connected drivers: set up, produce, drain, assemble. */
  private async measure(admin: Driver, names: string[], producerDrivers: Driver[], consumerDrivers: Driver[], signal?: AbortSignal): Promise<BenchResult> {
    const run = await this.setUp(admin, names, consumerDrivers, signal)
    const production = await this.produce(run, producerDrivers)
    const drained = await this.drainAndStop(run, production)
    if (this.fatal) {
      // What the run had done when it failed: in particular how many publishes were never confirmed.
      const {sent, confirmed, received, publishErrors} = run.integrity
      throw withContext(this.fatal, {runSoFar: {sent, confirmed, received, unconfirmed: sent - confirmed - publishErrors}})
    }
    const result = await this.assemble(run, production, drained)
    this.emit('done', result)
    return result
  }

  /**
   * The instruments, the payload and the consumers' subscriptions, ready before production: a
   * consumer group's join (Kafka: up to seconds) happens here, off the run clock.
   */
  private async setUp(admin: Driver, names: string[], consumerDrivers: Driver[], signal: AbortSignal | undefined): Promise<RunSetup> {
    const o = this.options
    warmUpHistograms()
    const startedAt = new Date()
    // Restarted by produce(): the run's clock (throughput spans, --duration, warmup, intervals)
    // starts with production, not with a consumer group's join (which would dilute every rate).
    this.startNs = nowNs()
    const measurements = new Measurements(0, o.rate !== undefined)
    const shared = o.shard?.sharedQueues === true
    const stampClockOffsetNs = shared ? wallClockOffsetNs(o.shard!.startAtMs, testClockShiftMs()) : 0
    measurements.recordNegativeAsZero = shared
    const slots = queueSlotBase(o.shard)
    const integrity = new IntegrityTracker()
    this.integrity = integrity
    const tracksFailures = o.recoverMs !== undefined || o.faults !== undefined
    const sendTimeLatency = tracksFailures ? new SendTimeLatency() : undefined
    if (sendTimeLatency) measurements.sendTimeLatency = {record: (sendNs, latencyNs) => sendTimeLatency.record((sendNs - this.startNs) / 1e6, latencyNs)}
    const faults = o.faults ? new FaultRunner({faults: o.faults, queues: names, onEvent: (event) => this.event(event)}) : undefined
    const consumerBase = slots.consumer + (this.env.worker?.consumerBase ?? 0)
    const counters: ConsumerCounters = {active: 0, unsettledAcks: 0, ackErrors: 0}
    const loopDelay = startLoopDelayMonitor()
    const intervalLoopDelay = startLoopDelayMonitor()
    const sampler = new QueueLengthSampler(
      () => backlog(admin, names),
      o.sampleIntervalMs,
      () => this.clockMs(),
    )
    const onAbort = () => {
      this.stop()
      faults?.abort()
    }
    signal?.addEventListener('abort', onAbort)
    if (signal?.aborted) this.stop()

    const stamp = stampPlacement(o, admin.backend)
    const stampInHeader = stamp === 'header'
    const payload = bodySource(o, stampInHeader)
    // Stamped bodies are reused once nothing holds them (message/payload.ts). memory:// hands its consumers
    // the published Buffer itself and drops it on ack: the consumer gives it back. Every other
    // driver has copied the bytes out (onto the wire, into SQLite) by the time it confirms: the
    // producer gives it back on the confirm.
    const releaseOnAck = admin.backend === 'memory'
    const release = releaseOnAck ? (body: Buffer) => payload.release(body) : undefined
    const subscriptions = await Promise.all(
      consumerDrivers.map((driver, i) => {
        const queue = names[(consumerBase + i) % names.length]
        return driver.consume(
          queue,
          benchConsumeOptions(o, queue),
          makeConsumerHandler(measurements, integrity, o.work, o.workMode, counters, release, stampInHeader, consumerBase + i, stampClockOffsetNs),
        )
      }),
    )
    // --shard: every shard of the run starts producing at --start-at, connected and subscribed by
    // then. One queue-length sample first: the first inspect can block the event loop for tens of
    // ms (RabbitMQ: loading the HTTP client for the management API), which would delay the start.
    if (o.shard && !this.stopping) {
      await backlog(admin, names).catch(() => 0)
      await waitForWallClock(o.shard.startAtMs, signal)
    }
    return {
      admin,
      names,
      consumerDrivers,
      signal,
      detachSignal: () => signal?.removeEventListener('abort', onAbort),
      startedAt,
      measurements,
      integrity,
      counters,
      tracksFailures,
      sendTimeLatency,
      faults,
      loopDelay,
      intervalLoopDelay,
      sampler,
      shared,
      stampClockOffsetNs,
      stamp,
      stampInHeader,
      payload,
      releaseOnAck,
      subscriptions,
    }
  }

  /** Starts the run clock and the producers, and returns once every producer is done. */
  private async produce(run: RunSetup, producerDrivers: Driver[]): Promise<Production> {
    const o = this.options
    const {measurements, names, sampler} = run
    const producerBase = this.env.worker?.producerBase ?? 0
    const slots = queueSlotBase(o.shard)
    const consumerBase = slots.consumer + (this.env.worker?.consumerBase ?? 0)
    this.startNs = nowNs()
    const startNs = this.startNs
    const wallAtStartMs = performance.timeOrigin + performance.now()
    const cpuStart = process.cpuUsage()
    const precisionWaitStartNs = precisionWaitNs()
    const warmupNs = Math.round(o.warmupMs * 1e6)
    const endNs = o.durationMs !== undefined ? startNs + warmupNs + Math.round(o.durationMs * 1e6) : undefined
    const producers = producerDrivers.map(
      (driver, i) =>
        new Producer({
          driver,
          producerId: producerIdOf(o.shard, producerBase + i),
          producers: o.producers,
          // Run-wide position: a shard's producers interleave with the other shards' as one process's would.
          phase: ((o.shard?.producerBase ?? 0) + producerBase + i) / (o.shard?.totalProducers ?? o.producers),
          queue: names[(slots.producer + producerBase + i) % names.length],
          queueIndex: (slots.producer + producerBase + i) % names.length,
          options: o,
          measurements,
          integrity: run.integrity,
          quota: o.count === undefined ? undefined : Math.floor(o.count / o.producers) + (i < o.count % o.producers ? 1 : 0),
          startNs,
          stampClockOffsetNs: run.stampClockOffsetNs,
          endNs,
          payload: run.payload,
          stampInHeader: run.stampInHeader,
          releaseOnConfirm: !run.releaseOnAck,
          stopped: () => this.stopping,
          fail: (error) => this.fail(error, producers),
        }),
    )
    // A subscription ending by itself (connection lost, queue deleted) ends the run now, rather
    // than after the drain timeout with the rest reported as lost.
    run.subscriptions.forEach((subscription, i) => {
      void subscription.ended.then((reason) => {
        if (this.cancellingSubscriptions || reason.kind === 'cancelled' || reason.kind === 'end') return
        const what = `consumer ${consumerBase + i + 1} on "${names[(consumerBase + i) % names.length]}"`
        this.fail(reason.kind === 'deleted' ? new NotFoundError(`${what}: ${reason.message}`) : new ConnectionError(`${what}: ${reason.message}`), producers)
      })
    })
    this.emit('start', {queues: names, backend: run.admin.backend, url: run.admin.displayUrl, options: o, plannedMs: o.durationMs} satisfies BenchStart)

    const ticker = new IntervalTicker({
      measurements,
      startNs,
      warmupMs: o.warmupMs,
      intervalMs: o.intervalMs,
      clockMs: () => this.clockMs(),
      gauges: () => ({
        outstanding: producers.reduce((sum, p) => sum + p.outstanding, 0),
        queueLength: sampler.latest ?? null,
        eventLoopDelayP99Ms: run.intervalLoopDelay.percentileMs(99),
      }),
      onTick: (stats) => {
        run.intervalLoopDelay.reset()
        this.emit('tick', stats)
      },
    })
    ticker.start()
    sampler.start()
    run.faults?.start(() => this.clockMs())

    await Promise.all(producers.map((p) => p.run()))
    const productionEndNs = nowNs()
    ticker.publishingDone()
    return {startNs, wallAtStartMs, cpuStart, precisionWaitStartNs, producers, ticker, productionEndNs}
  }

  /**
   * Waits for the consumers to receive what was confirmed, lets the last handlers and acks finish,
   * stops the instruments and the consumers, and counts what is left in the queues.
   */
  private async drainAndStop(run: RunSetup, production: Production): Promise<Drained> {
    const o = this.options
    const {admin, names, counters, integrity} = run
    if (this.env.worker) await this.env.worker.drain()
    else if (run.shared) await this.drainShared(integrity, admin, names)
    else if (o.consumers > 0) await this.drain(integrity, admin, names)
    production.ticker.consumingDone()
    // Let handlers still working finish, so their handling times land in the results; then their
    // acks settle (Kafka: the last commits land), so that wait lands in W. A commit that cannot be
    // made now (broker away) keeps its ack pending until a rejoin: that wait is bounded on its own.
    const handlersDeadline = performance.now() + o.drainTimeoutMs
    while (counters.active > 0 && !this.stopping && performance.now() < handlersDeadline) await new Promise((r) => setTimeout(r, 2))
    const settleDeadline = Math.min(handlersDeadline, performance.now() + LAST_ACKS_SETTLE_MS)
    while (counters.unsettledAcks > 0 && !this.stopping && performance.now() < settleDeadline) await new Promise((r) => setTimeout(r, 2))
    production.ticker.stop()
    const measureEndMs = this.clockMs()
    await run.sampler.stop()
    this.cancellingSubscriptions = true
    await Promise.all(run.subscriptions.map((s) => s.cancel().catch(() => {})))
    while (counters.active > 0 && !this.fatal) await new Promise((r) => setTimeout(r, 5))
    // Closing the consumers settles their acks and returns anything unacked to the queue, so the
    // count that follows is exact (see backlog.ts).
    await Promise.all(run.consumerDrivers.map((d) => d.close().catch(() => {})))
    const faultsNotRun = run.faults ? (await run.faults.finish(o.drainTimeoutMs)).notRun : []
    // Shared queues: what is still queued is taken message by message too, so the merge of every
    // shard's receipts accounts for each message however the shards' ends interleave. Read empty
    // already, they need no drain (on Kafka a drainer would join the group and move the partitions
    // of shards still consuming).
    const sharedNeedsDrain = run.shared && !this.fatal && !this.stopping && (await backlog(admin, names, {readyOnly: true}).catch(() => 1)) > 0
    if (run.shared && !sharedNeedsDrain && !this.fatal && !this.stopping) integrity.drained = true
    if (sharedNeedsDrain || (run.tracksFailures && o.consumers > 0 && !o.keep && !this.fatal && !this.stopping && !this.env.worker)) {
      const drainer = await this.makeDriver('consumer', 0)
      try {
        await drainer.connect()
        integrity.drained = await finalDrain(drainer, admin, names, o, integrity, run.stampInHeader, o.drainTimeoutMs)
      } catch {
        // The broker's count below stands in for it.
      } finally {
        await drainer.close().catch(() => {})
      }
    }
    const leftInQueue = await backlog(admin, names, {readyOnly: true}).catch(() => 0)
    run.detachSignal()
    run.loopDelay.stop()
    run.intervalLoopDelay.stop()
    return {measureEndMs, faultsNotRun, leftInQueue}
  }

  /** The result document from the run's instruments, with its availability analysis and warnings. */
  private async assemble(run: RunSetup, production: Production, drained: Drained): Promise<BenchResult> {
    const o = this.options
    const {admin, measurements, integrity} = run
    const {startNs, productionEndNs} = production
    const openLoop = o.rate !== undefined
    const elapsedMs = this.clockMs()
    const cpu = process.cpuUsage(production.cpuStart)
    const health: HealthFigures = {
      eventLoopDelay: run.loopDelay.figures(),
      cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
      precisionWaitPercent: ((precisionWaitNs() - production.precisionWaitStartNs) / 1e6 / elapsedMs) * 100,
      scheduleLagP99Ms: openLoop ? measurements.total.publishDelay.percentileMs(99) : null,
      ackErrors: run.counters.ackErrors,
      queueSampleErrors: run.sampler.errors,
      warnings: [],
    }
    const server = admin.serverInfo ? await admin.serverInfo().catch(() => null) : null
    const firstSendNs = Math.min(...production.producers.map((p) => (p.firstSendNs === 0 ? Number.POSITIVE_INFINITY : p.firstSendNs)))
    const result = buildResult({
      options: {...o, stamp: run.stamp},
      firstSendAtMs: Number.isFinite(firstSendNs) ? production.wallAtStartMs + (firstSendNs - startNs) / 1e6 : null,
      mqkitVersion: this.env.mqkitVersion,
      backend: admin.backend,
      url: admin.displayUrl,
      server,
      queues: run.names,
      startedAt: run.startedAt,
      finishedAt: new Date(),
      elapsedMs,
      measureStartNs: production.ticker.measureStartNs,
      productionEndNs,
      measureStartMs: production.ticker.measureStartMs,
      measureEndMs: drained.measureEndMs,
      measurements,
      sampler: run.sampler,
      integrity: integrity.figures(o.consumers > 0 ? drained.leftInQueue : 0),
      health,
      interrupted: run.signal?.aborted ?? false,
    })
    if (o.consumers === 0) result.integrity.leftInQueue = drained.leftInQueue
    if (run.shared) {
      result.receipts = encodeReceipts(integrity)
      result.integrity.lostUnknown =
        "other shards consumed some of this shard's messages and it some of theirs: lost (and unconfirmed received) are known only from every shard's receipts (mqkit report merge)"
    }
    if (run.tracksFailures) {
      result.availability = analyseAvailability({
        confirmGaps: gapsOnClock(measurements.confirmGapsNs, startNs, measurements.firstConfirmNs, this.events),
        deliveryGaps: gapsOnClock(measurements.receiveGapsNs, startNs, measurements.firstReceiveNs, this.events),
        events: this.events,
        minGapMs: minGapMsFor(o),
        publishing: {
          lastConfirmMs: measurements.lastConfirmNs === 0 ? null : (measurements.lastConfirmNs - startNs) / 1e6,
          endMs: (productionEndNs - startNs) / 1e6,
          unconfirmedAtEnd: integrity.sent - integrity.confirmed - integrity.publishErrors,
        },
        consuming:
          o.consumers === 0
            ? null
            : {
                lastDeliveryMs: measurements.lastReceiveNs === 0 ? null : (measurements.lastReceiveNs - startNs) / 1e6,
                endMs: drained.measureEndMs,
                expectedMore: result.integrity.lost > 0 || result.integrity.leftInQueue > 0,
              },
        latency: run.sendTimeLatency ? {recorder: run.sendTimeLatency, kind: openLoop ? 'endToEndCorrected' : 'endToEnd'} : undefined,
      })
    }
    health.warnings.push(...runWarnings(result, {events: this.events, faultsNotRun: drained.faultsNotRun}))
    return result
  }

  /** Wait for consumers to receive what was confirmed, or for the queue to go quiet. */
  private async drain(integrity: IntegrityTracker, admin: Driver, names: string[]): Promise<void> {
    const deadline = performance.now() + this.options.drainTimeoutMs
    let lastReceived = -1
    let quietSince = performance.now()
    while (!this.stopping && performance.now() < deadline) {
      if (integrity.unique >= integrity.confirmed && integrity.allConfirmedReceived) return
      if (integrity.received !== lastReceived) {
        lastReceived = integrity.received
        quietSince = performance.now()
      } else if (performance.now() - quietSince > 250) {
        // Nothing arriving: finished if the broker holds nothing either (lost messages).
        const inQueue = await backlog(admin, names).catch(() => 1)
        if (inQueue === 0) return
        quietSince = performance.now()
      }
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  /**
   * Shared queues: this shard cannot know when its messages have all arrived (other shards consume
   * them, and their producers may still be at work). Done once the queues have read empty with
   * nothing received here for SHARED_QUIET_MS, or at the drain timeout; the final drain then takes
   * whatever is left, message by message.
   */
  private async drainShared(integrity: IntegrityTracker, admin: Driver, names: string[]): Promise<void> {
    const deadline = performance.now() + this.options.drainTimeoutMs
    let lastReceived = integrity.received
    let quietSince = performance.now()
    while (!this.stopping && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
      if (integrity.received !== lastReceived) {
        lastReceived = integrity.received
        quietSince = performance.now()
      } else if (performance.now() - quietSince >= SHARED_QUIET_MS && (await backlog(admin, names).catch(() => 1)) === 0) return
    }
  }

  /** Stop producing now (interrupt); the run still drains nothing and reports what it has. */
  stop(): void {
    this.stopping = true
  }

  private fail(error: unknown, producers: Producer[]): void {
    if (this.fatal === undefined) this.fatal = error
    this.stopping = true
    for (const p of producers) p.interrupt()
  }
}

/**
 * Gap pairs [fromNs, toNs, …] (measurements.ts) on the run clock, ms. The wait for the first
 * confirm (receipt) is a silence only when a connection was lost or a fault began in it: a slow
 * first answer (a new Kafka topic's leader) is no outage, a broker killed before it answered is.
 */
function gapsOnClock(pairsNs: number[], startNs: number, firstNs: number, events: RunEvent[]): Gap[] {
  const gaps: Gap[] = []
  const firstMs = (firstNs - startNs) / 1e6
  if (firstNs !== 0 && events.some((e) => (e.kind === 'connection-lost' || e.kind === 'fault-started') && e.atMs < firstMs))
    gaps.push({fromMs: 0, toMs: firstMs})
  for (let i = 0; i + 1 < pairsNs.length; i += 2) gaps.push({fromMs: (pairsNs[i] - startNs) / 1e6, toMs: (pairsNs[i + 1] - startNs) / 1e6})
  return gaps
}
