// The bench run: declares the queue(s), opens one real connection per producer and consumer
// through the Driver contract, produces, drains, samples the queue length, and assembles the
// result. An EventEmitter — `start`, `tick` (IntervalStats), `done` (BenchResult) — that never
// prints: progress and rendering listen from outside.
import {randomBytes} from 'node:crypto'
import {EventEmitter} from 'node:events'
import {createDriver} from '../drivers/index.js'
import type {Driver} from '../drivers/types.js'
import {ConnectionError, NotFoundError, withContext} from '../errors.js'
import {warmUpHistograms} from '../metrics/histogram.js'
import {QueueLengthSampler} from '../metrics/queue-length.js'
import {backlog} from './backlog.js'
import {benchConsumeOptions, benchQueueSpec, refuseUnsupportedKnobs} from './queue-setup.js'
import {makeConsumerHandler, type ConsumerCounters} from './consumer.js'
import {nowNs} from './clock.js'
import {startLoopDelayMonitor} from '../metrics/loop-delay.js'
import {precisionWaitNs} from './work.js'
import {IntegrityTracker} from './integrity.js'
import {Measurements} from './measurements.js'
import {bodySource, stampPlacement} from './body-source.js'
import type {BenchOptions} from './options.js'
import {Producer} from './producer.js'
import {producerIdOf, waitForWallClock} from './shard.js'
import {formatMillis} from '../output/format.js'
import {buildResult, type BenchResult, type HealthFigures} from '../results/document.js'
import type {Gap, RunEvent} from '../results/availability.js'
import {ResilientDriver} from '../drivers/resilient.js'
import {analyseAvailability, minGapMsFor, SendTimeLatency} from './availability.js'
import {FaultRunner, type FaultSpec} from './fault.js'
import {finalDrain} from './final-drain.js'

/** @default 1000 — longest wait for the last acks to settle once the handlers are done (a commit round trip is ms). */
const LAST_ACKS_SETTLE_MS = 1000

export interface BenchEnvironment {
  url: string
  clientName: string
  mqkitVersion: string
  connectTimeoutMs?: number
  /** Test seam: an unconnected driver for a role (default: createDriver(url)). */
  makeDriver?: (role: 'admin' | 'producer' | 'consumer', index: number) => Promise<Driver>
  /** --workers: this runner is one worker thread's share (see workers.ts). */
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

export class BenchRunner extends EventEmitter {
  private fatal: unknown
  private stopping = false
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
      if (admin && declared && !o.keep) {
        for (const name of names) await admin.delete(name).catch(() => {})
      }
      await Promise.all(drivers.map((d) => d.close().catch(() => {})))
    }
  }

  private async measure(admin: Driver, names: string[], producerDrivers: Driver[], consumerDrivers: Driver[], signal?: AbortSignal): Promise<BenchResult> {
    const o = this.options
    const openLoop = o.rate !== undefined
    warmUpHistograms()
    const startedAt = new Date()
    // Restarted below once the consumers are subscribed: the run's clock (throughput spans,
    // --duration, warmup, intervals) starts with production, not with a consumer group's join
    // (Kafka: up to seconds, which would dilute every rate).
    this.startNs = nowNs()
    const clockMs = () => this.clockMs()
    const measurements = new Measurements(0, openLoop)
    const integrity = new IntegrityTracker()
    this.integrity = integrity
    const tracksFailures = o.recoverMs !== undefined || o.faults !== undefined
    const sendTimeLatency = tracksFailures ? new SendTimeLatency() : undefined
    if (sendTimeLatency) measurements.sendTimeLatency = {record: (sendNs, latencyNs) => sendTimeLatency.record((sendNs - this.startNs) / 1e6, latencyNs)}
    const faults = o.faults ? new FaultRunner({faults: o.faults, queues: names, onEvent: (event) => this.event(event)}) : undefined
    const producerBase = this.env.worker?.producerBase ?? 0
    const consumerBase = this.env.worker?.consumerBase ?? 0
    const counters: ConsumerCounters = {active: 0, unsettledAcks: 0, ackErrors: 0}
    const loopDelay = startLoopDelayMonitor()
    const intervalLoopDelay = startLoopDelayMonitor()
    const sampler = new QueueLengthSampler(() => backlog(admin, names), o.sampleIntervalMs, clockMs)
    const onAbort = () => {
      this.stop()
      faults?.abort()
    }
    signal?.addEventListener('abort', onAbort)
    if (signal?.aborted) this.stop()

    const stamp = stampPlacement(o, admin.backend)
    const stampInHeader = stamp === 'header'
    const payload = bodySource(o, stampInHeader)
    // Stamped bodies are reused once nothing holds them (payload.ts). memory:// hands its consumers
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
          makeConsumerHandler(measurements, integrity, o.work, o.workMode, counters, release, stampInHeader, consumerBase + i),
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
          queue: names[(producerBase + i) % names.length],
          queueIndex: (producerBase + i) % names.length,
          options: o,
          measurements,
          integrity,
          quota: o.count === undefined ? undefined : Math.floor(o.count / o.producers) + (i < o.count % o.producers ? 1 : 0),
          startNs,
          endNs,
          payload,
          stampInHeader,
          releaseOnConfirm: !releaseOnAck,
          stopped: () => this.stopping,
          fail: (error) => this.fail(error, producers),
        }),
    )
    // A subscription ending by itself (connection lost, queue deleted) ends the run now, rather
    // than after the drain timeout with the rest reported as lost.
    let cancelling = false
    subscriptions.forEach((subscription, i) => {
      void subscription.ended.then((reason) => {
        if (cancelling || reason.kind === 'cancelled' || reason.kind === 'end') return
        const what = `consumer ${consumerBase + i + 1} on "${names[(consumerBase + i) % names.length]}"`
        this.fail(reason.kind === 'deleted' ? new NotFoundError(`${what}: ${reason.message}`) : new ConnectionError(`${what}: ${reason.message}`), producers)
      })
    })
    this.emit('start', {queues: names, backend: admin.backend, url: admin.displayUrl, options: o, plannedMs: o.durationMs} satisfies BenchStart)

    let inWarmup = o.warmupMs > 0
    let measureStartNs = startNs
    let measureStartMs = 0
    // Once the producers are done (every confirm in), and again once the drain is over, an interval
    // closing later takes its rates only up to the last confirm / receipt: the run's last
    // intervals, which outlast publishing and consuming, must not read as a drop.
    let publishingEnded = false
    let consumingEnded = false
    const roll = (warmup: boolean) => {
      const onClock = (ns: number) => (ns - startNs) / 1e6
      const ended = {
        ...(publishingEnded ? {publishedMs: onClock(measurements.lastConfirmNs)} : {}),
        ...(consumingEnded ? {consumedMs: onClock(measurements.lastReceiveNs)} : {}),
      }
      const stats = measurements.roll(
        clockMs(),
        0,
        warmup,
        {
          outstanding: producers.reduce((sum, p) => sum + p.outstanding, 0),
          queueLength: sampler.latest ?? null,
          eventLoopDelayP99Ms: intervalLoopDelay.percentileMs(99),
        },
        ended,
      )
      intervalLoopDelay.reset()
      this.emit('tick', stats)
    }
    const ticker = setInterval(() => roll(inWarmup), o.intervalMs)
    const warmupTimer = inWarmup
      ? setTimeout(() => {
          roll(true)
          inWarmup = false
          measureStartNs = nowNs()
          measureStartMs = clockMs()
        }, o.warmupMs)
      : undefined
    sampler.start()
    faults?.start(clockMs)

    await Promise.all(producers.map((p) => p.run()))
    const productionEndNs = nowNs()
    publishingEnded = true
    if (this.env.worker) await this.env.worker.drain()
    else if (o.consumers > 0) await this.drain(integrity, measurements, admin, names)
    consumingEnded = true
    // Let handlers still working finish, so their handling times land in the results; then their
    // acks settle (Kafka: the last commits land), so that wait lands in W. A commit that cannot be
    // made now (broker away) keeps its ack pending until a rejoin: that wait is bounded on its own.
    const handlersDeadline = performance.now() + o.drainTimeoutMs
    while (counters.active > 0 && !this.stopping && performance.now() < handlersDeadline) await new Promise((r) => setTimeout(r, 2))
    const settleDeadline = Math.min(handlersDeadline, performance.now() + LAST_ACKS_SETTLE_MS)
    while (counters.unsettledAcks > 0 && !this.stopping && performance.now() < settleDeadline) await new Promise((r) => setTimeout(r, 2))
    clearInterval(ticker)
    if (warmupTimer) clearTimeout(warmupTimer)
    roll(inWarmup)
    const measureEndMs = clockMs()
    await sampler.stop()
    cancelling = true
    await Promise.all(subscriptions.map((s) => s.cancel().catch(() => {})))
    while (counters.active > 0 && !this.fatal) await new Promise((r) => setTimeout(r, 5))
    // Closing the consumers settles their acks and returns anything unacked to the queue, so the
    // count that follows is exact (see backlog.ts).
    await Promise.all(consumerDrivers.map((d) => d.close().catch(() => {})))
    const faultsNotRun = faults ? (await faults.finish(o.drainTimeoutMs)).notRun : []
    if (tracksFailures && o.consumers > 0 && !o.keep && !this.fatal && !this.stopping && !this.env.worker) {
      const drainer = await this.makeDriver('consumer', 0)
      try {
        await drainer.connect()
        integrity.drained = await finalDrain(drainer, admin, names, o, integrity, stampInHeader, o.drainTimeoutMs)
      } catch {
        // The broker's count below stands in for it.
      } finally {
        await drainer.close().catch(() => {})
      }
    }
    const leftInQueue = await backlog(admin, names, {readyOnly: true}).catch(() => 0)
    signal?.removeEventListener('abort', onAbort)
    loopDelay.stop()
    intervalLoopDelay.stop()
    if (this.fatal) {
      // What the run had done when it failed: in particular how many publishes were never confirmed.
      const unconfirmed = integrity.sent - integrity.confirmed - integrity.publishErrors
      throw withContext(this.fatal, {runSoFar: {sent: integrity.sent, confirmed: integrity.confirmed, received: integrity.received, unconfirmed}})
    }

    const elapsedMs = clockMs()
    const cpu = process.cpuUsage(cpuStart)
    const health: HealthFigures = {
      eventLoopDelay: loopDelay.figures(),
      cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
      precisionWaitPercent: ((precisionWaitNs() - precisionWaitStartNs) / 1e6 / elapsedMs) * 100,
      scheduleLagP99Ms: openLoop ? measurements.total.publishDelay.percentileMs(99) : null,
      ackErrors: counters.ackErrors,
      queueSampleErrors: sampler.errors,
      warnings: [],
    }
    const server = admin.serverInfo ? await admin.serverInfo().catch(() => null) : null
    const firstSendNs = Math.min(...producers.map((p) => (p.firstSendNs === 0 ? Number.POSITIVE_INFINITY : p.firstSendNs)))
    const result = buildResult({
      options: {...o, stamp},
      firstSendAtMs: Number.isFinite(firstSendNs) ? wallAtStartMs + (firstSendNs - startNs) / 1e6 : null,
      mqkitVersion: this.env.mqkitVersion,
      backend: admin.backend,
      url: admin.displayUrl,
      server,
      queues: names,
      startedAt,
      finishedAt: new Date(),
      elapsedMs,
      measureStartNs,
      productionEndNs,
      measureStartMs,
      measureEndMs,
      measurements,
      sampler,
      integrity: integrity.figures(o.consumers > 0 ? leftInQueue : 0),
      health,
      interrupted: signal?.aborted ?? false,
    })
    if (o.consumers === 0) result.integrity.leftInQueue = leftInQueue
    if (tracksFailures) {
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
                endMs: measureEndMs,
                expectedMore: result.integrity.lost > 0 || result.integrity.leftInQueue > 0,
              },
        latency: sendTimeLatency ? {recorder: sendTimeLatency, kind: o.rate !== undefined ? 'endToEndCorrected' : 'endToEnd'} : undefined,
      })
      health.warnings.push(...recoveryWarnings(o, admin.backend, this.events, faultsNotRun))
    }
    health.warnings.push(...healthWarnings(result))
    this.emit('done', result)
    return result
  }

  /** Wait for consumers to receive what was confirmed, or for the queue to go quiet. */
  private async drain(integrity: IntegrityTracker, m: Measurements, admin: Driver, names: string[]): Promise<void> {
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
    void m
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

/** What a reader of a --recover / --fault-cmd run must know to trust its accounting. */
function recoveryWarnings(o: BenchOptions, backend: string, events: RunEvent[], faultsNotRun: FaultSpec[]): string[] {
  const warnings: string[] = []
  if (backend === 'amqp' && !o.persistent && o.queueType !== 'quorum' && o.queueType !== 'stream') {
    warnings.push(
      'messages were transient on a non-durable queue (no --persistent): a broker restart drops them by design, and they count as confirmed and lost',
    )
  }
  for (const event of events) {
    if (event.kind === 'reconnected' && event.redeclared) {
      warnings.push(
        `${event.role} ${event.index} found ${event.redeclared.map((q) => `"${q}"`).join(', ')} gone after reconnecting and declared it again: what it held was lost with it`,
      )
    }
    if (event.kind === 'fault-ended' && event.exitCode !== 0) {
      warnings.push(
        `fault command "${event.command}" ${event.signal ? `was ended by ${event.signal}` : `exited ${event.exitCode ?? '(could not start)'}`}: the fault may not have happened as planned`,
      )
    }
  }
  for (const fault of faultsNotRun) warnings.push(`fault command "${fault.command}" planned at ${formatMillis(fault.atMs)} never ran: the run ended first`)
  return warnings
}

/** When the load generator, not the broker, may be what the figures describe. */
export function healthWarnings(result: BenchResult): string[] {
  const warnings: string[] = []
  const h = result.health
  if (h.eventLoopDelay.p99Ms > 20) {
    warnings.push(`mqkit's event loop was delayed up to ${h.eventLoopDelay.p99Ms.toFixed(1)} ms (p99): latencies include load-generator delay`)
  }
  const target = result.throughput.targetPerSecond
  if (target !== null && result.throughput.published.perSecond < target * 0.98) {
    warnings.push(
      `published ${result.throughput.published.perSecond.toFixed(0)} msg/s against a target of ${target}: mqkit or the broker fell behind the schedule`,
    )
  }
  if (h.scheduleLagP99Ms !== null && h.scheduleLagP99Ms > 5) {
    warnings.push(`sends left up to ${h.scheduleLagP99Ms.toFixed(1)} ms late (p99): the corrected latency accounts for it, the raw one does not`)
  }
  // Spinning to exact deadlines (open-loop sends, sleep-mode handlers) shows as busy CPU but
  // yields to every other callback: it is waiting, not load.
  const busyPercent = h.cpuPercent - (h.precisionWaitPercent ?? 0)
  if (busyPercent > 90) {
    warnings.push(
      `mqkit used ${h.cpuPercent.toFixed(0)} % of a CPU core: the load generator may be the bottleneck${result.meta.backend === 'memory' ? ' (memory:// runs the broker in the same process)' : ''}`,
    )
  }
  if (result.latency.negativeClockSamples > 0) {
    warnings.push(`${result.latency.negativeClockSamples} latency samples were negative (clock difference between hosts): counted, not recorded`)
  }
  const q = result.queueLength
  const ll = result.littlesLaw
  if (q.samples >= 5 && q.max === 0 && ll.lambdaW >= 1) {
    // Seen on memory://, whose broker delivers what a burst published within the same event-loop
    // turn: the sampler (a timer) only ever runs between turns, when the queue is empty again.
    warnings.push(
      `the queue was empty at all ${q.samples} samples while λW says ${ll.lambdaW.toFixed(1)} messages were in the system on average: they came and went between samples${result.meta.backend === 'memory' ? ' (memory:// delivers within one event-loop turn, and the sampler runs between turns)' : ''}, so these samples cannot check Little's law`,
    )
  }
  if (result.meta.backend === 'kafka' && ll.relativeError !== null && Math.abs(ll.relativeError) > 0.2 && q.samples >= 5) {
    // W runs until the commit after each ack lands, as the lag does. What is left: W is timed from
    // confirms and commits as mqkit's event loop sees them, late by up to its delay, while the lag
    // is the broker's; and each lag sample reads end offsets and commits in separate requests.
    // (How far off it runs at which W: docs/performance.md.)
    warnings.push(
      `Little's law is off by ${(ll.relativeError * 100).toFixed(0)} %: on kafka:// the queue length is the group's lag, and W (${formatMillis(ll.wMs)}) is short next to mqkit's event-loop delay (p99 ${formatMillis(h.eventLoopDelay.p99Ms)}), which makes confirms and commits look late: the check is loose at this W`,
    )
  }
  return warnings
}
