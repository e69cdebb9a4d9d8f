// Known ground truth: the bench must report what was set up, as an independent observer (a
// wrapper around the driver with its own clock) sees it. On memory://, and through the real
// RabbitMQ and Kafka.
import {describe, expect, it, onTestFinished} from 'vitest'
import {createDriver} from '../../src/drivers/index.js'
import type {Delivery, Driver, MessageHandler} from '../../src/drivers/types.js'
import {defaultBenchOptions, type BenchOptions} from '../../src/bench/options.js'
import {BenchRunner} from '../../src/bench/runner.js'
import {AMQP_URL, amqpAvailable, KAFKA_URL, kafkaAvailable, uniqueName} from '../helpers/brokers.js'

type Wrap = (driver: Driver, role: string) => Driver

function run(options: Partial<BenchOptions>, wrap?: Wrap, url = 'memory://') {
  const runner = new BenchRunner(defaultBenchOptions({intervalMs: 250, ...options}), {
    url,
    clientName: 'test',
    mqkitVersion: 'test',
    connectTimeoutMs: 10_000,
    makeDriver: async (role) => {
      const driver = await createDriver(url, {clientName: `mqkit ground truth ${role}`, connectTimeoutMs: 10_000})
      return wrap ? wrap(driver, role) : driver
    },
  })
  return runner.run()
}

/** A run() wrap: on `role`'s connections, `method` is what `replace` makes of the driver's own. */
function replacing<K extends 'consume' | 'publish'>(role: string, method: K, replace: (own: Driver[K]) => Driver[K]) {
  return (driver: Driver, forRole: string): Driver => {
    if (forRole !== role) return driver
    const replaced = replace(driver[method].bind(driver) as Driver[K])
    return new Proxy(driver, {get: (target, property, receiver) => (property === method ? replaced : Reflect.get(target, property, receiver))})
  }
}

/**
 * The independent observer of the published rate: every publish a producer makes, stamped by this
 * wrapper's own clock (publishCallback, bench's path, where the driver has one; else publish).
 */
function publishClock() {
  const sentAtMs: number[] = []
  const wrap: Wrap = (driver, role) => {
    if (role !== 'producer') return driver
    const publish = driver.publish.bind(driver)
    const publishCallback = driver.publishCallback?.bind(driver)
    const replaced: Partial<Driver> = {
      publish: (queue, message) => {
        sentAtMs.push(performance.now())
        return publish(queue, message)
      },
      ...(publishCallback && {
        publishCallback: (queue, message, confirmed, failed) => {
          sentAtMs.push(performance.now())
          publishCallback(queue, message, confirmed, failed)
        },
      }),
    }
    return new Proxy(driver, {
      get: (target, property, receiver) => (property in replaced ? replaced[property as keyof Driver] : Reflect.get(target, property, receiver)),
    })
  }
  /**
   * Messages per second sent between `fromMs` and `toMs` after the first send: the least-squares
   * slope of send number against send time. A stalled event loop sends the messages due meanwhile
   * in one burst; a count over a window would gain or lose that burst at an edge, the slope hardly
   * moves.
   */
  const perSecond = (fromMs: number, toMs: number) => {
    const first = sentAtMs[0]
    const times = sentAtMs.map((t) => t - first).filter((t) => t >= fromMs && t < toMs)
    const meanT = times.reduce((a, b) => a + b, 0) / times.length
    const meanI = (times.length - 1) / 2
    let covariance = 0
    let variance = 0
    times.forEach((t, i) => {
      covariance += (t - meanT) * (i - meanI)
      variance += (t - meanT) ** 2
    })
    return (covariance / variance) * 1000
  }
  /** Messages per second over the whole run: from the first send to the last. */
  const overallPerSecond = () => ((sentAtMs.length - 1) / (sentAtMs[sentAtMs.length - 1] - sentAtMs[0])) * 1000
  return {wrap, sentAtMs, perSecond, overallPerSecond}
}

/** A run() wrap: every delivery to a consumer goes through `each`, which calls bench's handler. */
function eachDelivery(each: (delivery: Delivery, handler: MessageHandler) => ReturnType<MessageHandler>) {
  return replacing('consumer', 'consume', (consume) => (queue, options, handler) => consume(queue, options, (delivery) => each(delivery, handler)))
}

/**
 * The independent observer of handling time: it wraps each delivery to the consumer and times
 * handler call → ack() call by its own clock.
 */
function handlingClock() {
  const durationsMs: number[] = []
  const wrap = eachDelivery((delivery, handler) => {
    // The wrapper is built before the clock starts: the observer's own allocations (and any GC
    // pause they trigger) must not count as the handler's time.
    let startMs = 0
    const ack = delivery.ack.bind(delivery)
    const observed = Object.assign(Object.create(delivery), {
      ack: () => {
        durationsMs.push(performance.now() - startMs)
        return ack()
      },
    })
    startMs = performance.now()
    return handler(observed)
  })
  return {wrap, count: () => durationsMs.length, meanMs: () => durationsMs.reduce((a, b) => a + b, 0) / durationsMs.length}
}

// Wall-clock truths that hold on a loaded 2-core CI machine without retries: the handling-time
// truth uses --work-mode spin (a busy-wait to the exact deadline, one message at a time, so no
// timer or event-loop delay enters it); the rate and Little's-law checks use long steady windows
// after a warmup and random arrivals, so no phase lock between the sampler and the schedule.
describe('bench ground truth on memory://', () => {
  it('a fixed 5 ms --work in spin mode, one consumer, prefetch 1: 5 ms per message, mean as observed', async () => {
    const observer = handlingClock()
    // 50 msg/s: a quarter of what one spinning consumer can handle, so there is no backlog to hide
    // and the process mostly sleeps, which the OS scheduler rewards with prompt CPU when it spins.
    const result = await run({count: 150, rate: [{perSecond: 50}], work: {kind: 'fixed', ms: 5}, workMode: 'spin', consumers: 1, prefetch: 1}, observer.wrap)
    expect(result.handling.count).toBe(150)
    expect(observer.count()).toBe(150)
    // Every message spins exactly to its 5 ms deadline: the typical one reports 5.00x ms.
    expect(result.handling.min).toBeGreaterThanOrEqual(5)
    expect(Math.abs(result.handling.p50 - 5) / 5).toBeLessThan(0.02)
    // The typical spin stops within 2 % of its deadline; the OS may preempt a few spins across it
    // (the CI machine also runs Kafka, RabbitMQ and four other services), so p90, not max.
    expect(Math.abs(result.handling.p90 - 5) / 5).toBeLessThan(0.02)
    // The mean is ΣTᵢ/n of wall time, so a preempted spin counts at what it really took: the
    // truth to compare with is the independent observer's mean, within 2 %. The absolute bound is
    // loose on purpose: one 20 ms stall in 150 spins is +2.7 % (seen once in CI), and a measured
    // stall is the right answer, not an error. 15 % still fails an overhead of ~0.75 ms a message.
    const observedMeanMs = observer.meanMs()
    expect(Math.abs(result.handling.mean - observedMeanMs) / observedMeanMs).toBeLessThan(0.02)
    expect(result.handling.mean).toBeGreaterThanOrEqual(5)
    expect(result.handling.mean).toBeLessThan(5 * 1.15)
    expect(result.integrity).toMatchObject({lost: 0, duplicates: 0, received: 150})
  })

  it('a fixed --rate gives that published rate within 1 %, as an observer with its own clock counts the sends', async () => {
    const observer = publishClock()
    const result = await run({rate: [{perSecond: 2000}], durationMs: 3000, warmupMs: 500}, observer.wrap)
    // The observer: every send, by its own clock, over 2.5 s of the steady part of the run.
    expect(observer.sentAtMs.length).toBe(result.integrity.sent)
    const observedPerSecond = observer.perSecond(750, 3250)
    expect(Math.abs(observedPerSecond - 2000) / 2000).toBeLessThan(0.01)
    expect(Math.abs(result.throughput.published.perSecond - observedPerSecond) / observedPerSecond).toBeLessThan(0.01)
    // The measured window opens when the warmup timer fires (a little late under load), so the
    // count is whatever the schedule put into the window it reports: ~2 per ms of it. At each edge
    // a stalled event loop sends the messages due meanwhile together, on one side of the edge or
    // the other: 2 per ms of stall. 8 allows 2 ms at each edge (a run with one core held busy
    // was 5.4 off); a rate 0.5 % off would be 30.
    const {count, elapsedMs} = result.throughput.published
    expect(elapsedMs).toBeGreaterThan(2900)
    expect(Math.abs(count - 2 * elapsedMs)).toBeLessThanOrEqual(8)
    expect(Math.abs(result.throughput.published.perSecond - 2000) / 2000).toBeLessThan(0.01)
    expect(result.latency.endToEndCorrected).not.toBeNull()
    expect(result.latency.publishDelay!.count).toBe(result.throughput.published.count)
  })

  it("the clock starts when the consumers are subscribed: a 1 s join (as a Kafka group's) dilutes no rate", async () => {
    const slowJoin = replacing('consumer', 'consume', (consume) => async (queue, options, handler) => {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      return consume(queue, options, handler)
    })
    const result = await run({rate: [{perSecond: 2000}], count: 2000}, slowJoin)
    // 2000 messages at 2000/s: one second of production. With the schedule counted from before
    // the join, the first second's messages would leave in one late burst (a publish delay of up
    // to 1 s) and the rates would be off.
    expect(result.integrity).toMatchObject({received: 2000, lost: 0})
    expect(result.latency.publishDelay!.max).toBeLessThan(200)
    expect(Math.abs(result.throughput.published.perSecond - 2000) / 2000).toBeLessThan(0.03)
    expect(Math.abs(result.throughput.consumed.perSecond - 2000) / 2000).toBeLessThan(0.03)
  })

  it("Little's law holds within 5 % on a steady run, and W and L are what was set up", async () => {
    // Poisson arrivals at λ = 2000/s, W ≈ 20 ms of handling → L ≈ 40 messages in the system. The
    // observer times each message from its delivery to the consumer until its ack has settled.
    const sojournsMs: number[] = []
    const observe = eachDelivery((delivery, handler) => {
      const receivedAtMs = performance.now()
      const ack = delivery.ack.bind(delivery)
      const observed = Object.assign(Object.create(delivery), {
        ack: () => ack().then(() => void sojournsMs.push(performance.now() - receivedAtMs)),
      })
      return handler(observed)
    })
    const result = await run(
      {
        rate: [{perSecond: 2000}],
        arrivals: 'poisson',
        durationMs: 4000,
        warmupMs: 1000,
        work: {kind: 'fixed', ms: 20},
        prefetch: 1000,
        sampleIntervalMs: 3,
      },
      observe,
    )
    const {relativeError, L, wMs, lambdaPerSecond} = result.littlesLaw
    expect(Math.abs(relativeError!)).toBeLessThan(0.05)
    // Each figure against the truth, not only against the other two. W: the observer's mean (the
    // broker's confirm and the delivery are microseconds apart on memory://), and the 20 ms set up
    // (a timer's wait: never shorter; later only by the event loop's delay).
    const observedWMs = sojournsMs.slice(-result.handling.count).reduce((a, b) => a + b, 0) / result.handling.count
    expect(Math.abs(wMs - observedWMs) / observedWMs).toBeLessThan(0.05)
    // 20.0-21.5 ms here; 23.5 with the machine's two cores oversubscribed 2.5 times over.
    expect(wMs).toBeGreaterThanOrEqual(20)
    expect(wMs).toBeLessThan(20 * 1.25)
    // λ: the 2000/s set up (Poisson counts over 4 s vary by ~1 %).
    expect(Math.abs(lambdaPerSecond - 2000) / 2000).toBeLessThan(0.05)
    // L: 2000/s × 20 ms = 40, up by what the timers were late (and λ's few %).
    expect(L).toBeGreaterThanOrEqual(40 * 0.95)
    expect(L).toBeLessThan(40 * 1.25 * 1.05)
  })

  it("acks that settle late (as a Kafka commit) count in W as they do in L: Little's law holds, ack→settled as observed", async () => {
    // The consumer's acks settle in shared 20 ms windows: the first ack of a window starts a
    // timer, later ones join it, and when it fires the broker is told (memory://'s in-flight count,
    // the sampled L, keeps each message until then) and their shared promise resolves, as acks do
    // with a Kafka commit. The observer times each ack call → settled on its own.
    const SETTLE_WINDOW_MS = 20
    let observedSumMs = 0
    let observedCount = 0
    let window: {acks: Array<{ack: () => Promise<void>; atMs: number}>; settled: Promise<void>} | undefined
    const commitLike = eachDelivery((delivery, handler) => {
      const ack = () => {
        if (!window) {
          const opened: NonNullable<typeof window> = {acks: [], settled: Promise.resolve()}
          opened.settled = new Promise<void>((resolve) =>
            setTimeout(async () => {
              window = undefined
              await Promise.all(opened.acks.map((a) => a.ack()))
              const settledMs = performance.now()
              for (const a of opened.acks) observedSumMs += settledMs - a.atMs
              observedCount += opened.acks.length
              resolve()
            }, SETTLE_WINDOW_MS),
          )
          window = opened
        }
        window.acks.push({ack: delivery.ack.bind(delivery), atMs: performance.now()})
        return window.settled
      }
      return handler({...delivery, ack})
    })
    const result = await run(
      {rate: [{perSecond: 2000}], arrivals: 'poisson', durationMs: 4000, warmupMs: 1000, work: {kind: 'fixed', ms: 10}, prefetch: 1000, sampleIntervalMs: 3},
      commitLike,
    )
    const {relativeError, L, ackSettleMs} = result.littlesLaw
    const observedMs = observedSumMs / observedCount
    expect(observedMs).toBeGreaterThan(SETTLE_WINDOW_MS / 4) // the wait is there to be measured
    expect(Math.abs(ackSettleMs! - observedMs) / observedMs).toBeLessThan(0.1)
    expect(L).toBeGreaterThan(30)
    expect(Math.abs(relativeError!)).toBeLessThan(0.08)
  })

  it('the last acks of a run settle before the figures close: 200 acks that each settle 100 ms late report ~100 ms ack→settled', async () => {
    // The observer times each ack call → settled by its own clock: 100 ms, plus the timer's lateness.
    const settleMs: number[] = []
    const lateSettle = eachDelivery((delivery, handler) =>
      handler({
        ...delivery,
        ack: () => {
          const calledAtMs = performance.now()
          return new Promise<void>((resolve) =>
            setTimeout(
              () =>
                void delivery.ack().then(() => {
                  settleMs.push(performance.now() - calledAtMs)
                  resolve()
                }),
              100,
            ),
          )
        },
      }),
    )
    // The whole run takes a few ms: every ack settles after the last handler is done.
    const result = await run({count: 200, prefetch: 1000}, lateSettle)
    expect(result.integrity).toMatchObject({received: 200, lost: 0})
    const observedMs = settleMs.reduce((a, b) => a + b, 0) / settleMs.length
    expect(settleMs).toHaveLength(200)
    expect(result.littlesLaw.ackSettleMs).toBeGreaterThanOrEqual(99) // a timer may fire a fraction of a ms early
    // As observed within 2 % (2 ms), and within what a busy machine's timers add to 100 ms (up to
    // 0.5 ms here, with the two cores oversubscribed 2.5 times over).
    expect(Math.abs(result.littlesLaw.ackSettleMs! - observedMs) / observedMs).toBeLessThan(0.02)
    expect(result.littlesLaw.ackSettleMs).toBeLessThan(100 + 10)
  })

  it('counts messages dropped or duplicated on purpose exactly', async () => {
    let publishes = 0
    let dropped = 0
    let duplicated = 0
    const faulty = replacing('producer', 'publish', (publish) => async (queue, message) => {
      const n = publishes++
      if (n % 50 === 7) {
        dropped++ // confirmed but never enqueued: a lost message
        return
      }
      if (n % 40 === 3) {
        duplicated++
        await publish(queue, {...message, body: Buffer.from(message.body)})
      }
      return publish(queue, message)
    })
    for (const stamp of ['body', 'header'] as const) {
      publishes = dropped = duplicated = 0
      const result = await run({count: 2000, drainTimeoutMs: 3000, stamp}, faulty)
      expect(dropped).toBeGreaterThan(0)
      expect(duplicated).toBeGreaterThan(0)
      expect(result.workload.stamp).toBe(stamp)
      expect({stamp, ...result.integrity}).toMatchObject({
        stamp,
        sent: 2000,
        confirmed: 2000,
        lost: dropped,
        duplicates: duplicated,
        leftInQueue: 0,
        outOfOrder: 0,
      })
    }
  })
})

describe('payload file, keys and server metadata on memory://', () => {
  it('sends the file bytes behind the stamp with keys in turn; the result names the broker', async () => {
    const {mkdtempSync, rmSync, writeFileSync} = await import('node:fs')
    const {tmpdir} = await import('node:os')
    const path = await import('node:path')
    const dir = mkdtempSync(path.join(tmpdir(), 'mqkit-payload-'))
    onTestFinished(() => rmSync(dir, {recursive: true, force: true}))
    const file = path.join(dir, 'p.json')
    const payload = '{"order": 42, "items": ["a", "b"]}'
    writeFileSync(file, payload)
    const seen: Array<{tail: string; key?: string}> = []
    const spy = eachDelivery((delivery, handler) => {
      seen.push({tail: delivery.body.subarray(40).toString(), key: delivery.key})
      return handler(delivery)
    })
    const result = await run({count: 9, payloadFile: file, sizeBytes: 40 + payload.length, maxSizeBytes: 40 + payload.length, keys: 3}, spy)
    expect(seen).toHaveLength(9)
    expect(new Set(seen.map((s) => s.tail))).toEqual(new Set([payload]))
    expect(seen.map((s) => s.key)).toEqual(['key-0', 'key-1', 'key-2', 'key-0', 'key-1', 'key-2', 'key-0', 'key-1', 'key-2'])
    expect(result.integrity).toMatchObject({received: 9, outOfOrder: 0, lost: 0})
    expect(result.meta.server).toMatchObject({'server.product': expect.stringContaining('memory://')})
  })
})

describe('coordinated omission on memory://', () => {
  it('a 1 s stall of publish confirms in an open-loop run shows in the corrected e2e p99, not the raw one', async () => {
    // Messages reach the broker (and the consumer) at once; only their confirms are held for 1 s,
    // once, 1 s into the run. The producer's confirm window (20) fills within ~20 ms, so sends
    // stop while the schedule goes on: ~1000 messages then leave up to 1 s late. Measured from
    // the actual send (raw) they are quick; from the intended send time (corrected) they are not.
    let stallStartMs: number | undefined
    let firstPublishMs: number | undefined
    /** When the held confirms were really let go: the timer may fire late on a busy machine. */
    let releasedAtMs: number | undefined
    const stalling = replacing('producer', 'publish', (publish) => (queue, message) => {
      const nowMs = performance.now()
      firstPublishMs ??= nowMs
      const confirmed = publish(queue, message)
      if (stallStartMs === undefined && nowMs - firstPublishMs >= 1000) stallStartMs = nowMs
      if (stallStartMs === undefined || nowMs >= stallStartMs + 1000) return confirmed
      const releaseAtMs = stallStartMs + 1000
      return confirmed.then(
        () =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              releasedAtMs ??= performance.now()
              resolve()
            }, releaseAtMs - performance.now()),
          ),
      )
    })
    const result = await run({rate: [{perSecond: 1000}], durationMs: 4000, confirmWindow: 20}, stalling)
    expect(stallStartMs).toBeDefined()
    expect(result.integrity).toMatchObject({lost: 0, duplicates: 0})
    // For a stall of S ms (1 s, or more when its timer fired late) ~S messages are held back, one
    // per ms, each up to S less the ~20 ms the window took to fill; the top 1 % of the run's 4000
    // are the 40 held longest: p99 ≈ S − 20 − 40 ms. An over-correction (from the schedule's start,
    // or the stall counted twice) goes past the stall itself; an under-correction falls towards the
    // raw figure.
    const stallMs = releasedAtMs! - stallStartMs!
    const corrected = result.latency.endToEndCorrected!
    expect(stallMs).toBeGreaterThanOrEqual(995) // a timer may fire a fraction of a ms early
    expect(corrected.p99).toBeGreaterThanOrEqual(stallMs - 120)
    expect(corrected.p99).toBeLessThanOrEqual(stallMs)
    expect(corrected.max).toBeLessThanOrEqual(stallMs + 30)
    expect(result.latency.endToEnd.p99).toBeLessThan(50)
    // The stall itself is seen where it happened: publish latency (send → confirm) and publish delay.
    expect(result.latency.publish.max).toBeGreaterThanOrEqual(900)
    expect(result.latency.publishDelay!.max).toBeGreaterThanOrEqual(900)
  })
})

// The same truths through real brokers, each against an observer with its own clock: a known
// handling time (5 ms spins at 100 msg/s: half of what one spinning consumer can do, so no backlog)
// and a known rate (publish only: a spinning consumer in the same process holds up the producer's
// timers while it catches up with a backlog, e.g. the one a Kafka group's join leaves).
const BROKERS = [
  {name: 'RabbitMQ', url: AMQP_URL, available: await amqpAvailable()},
  {name: 'Kafka', url: KAFKA_URL, available: await kafkaAvailable()},
]

describe.each(BROKERS)('bench ground truth through $name', ({url, available}) => {
  it.skipIf(!available)('a fixed 5 ms --work in spin mode: 5 ms per message, mean as the observer sees it', async () => {
    const observer = handlingClock()
    const result = await run(
      {
        count: 200,
        rate: [{perSecond: 100}],
        work: {kind: 'fixed', ms: 5},
        workMode: 'spin',
        consumers: 1,
        prefetch: 1,
        queueName: uniqueName('truth-handling'),
      },
      observer.wrap,
      url,
    )
    expect(result.integrity).toMatchObject({received: 200, lost: 0, duplicates: 0})
    expect(result.handling.count).toBe(200)
    expect(observer.count()).toBe(200)
    // Every spin ends at its 5 ms deadline: the typical one reports 5.00x ms.
    expect(result.handling.min).toBeGreaterThanOrEqual(5)
    expect(Math.abs(result.handling.p50 - 5) / 5).toBeLessThan(0.02)
    // The mean as observed: within 5 % (0.3 % apart on a quiet machine; the broker's own process
    // shares the two cores, and one preemption between the observer's clock reading and bench's
    // lands in one of them). No bound on the mean against 5 ms: a preempted spin is measured as
    // long as it really took.
    expect(Math.abs(result.handling.mean - observer.meanMs()) / observer.meanMs()).toBeLessThan(0.05)
  })

  it.skipIf(!available)('a fixed --rate of 1000/s: the observer counts that, and bench reports what the observer counts', async () => {
    const observer = publishClock()
    const result = await run(
      {rate: [{perSecond: 1000}], durationMs: 2000, warmupMs: 1000, consumers: 0, queueName: uniqueName('truth-rate')},
      observer.wrap,
      url,
    )
    expect(result.integrity).toMatchObject({sent: 3000, confirmed: 3000, publishErrors: 0})
    expect(observer.sentAtMs).toHaveLength(3000)
    // Over the whole run (3 s): a send 10 ms late at either end is 0.3 %.
    const observedPerSecond = observer.overallPerSecond()
    expect(Math.abs(observedPerSecond - 1000) / 1000).toBeLessThan(0.01)
    // Bench counts a message when it is confirmed, over the 2 s after the warmup: one sent before
    // the window opens and confirmed after counts in it, and the window ends at the last confirm.
    // Its figure is off by the rate times the difference of those two confirms' latencies: on
    // Kafka, up to ~40 ms, 2 % of 2 s (0.1 % on RabbitMQ).
    expect(Math.abs(result.throughput.published.perSecond - observedPerSecond) / observedPerSecond).toBeLessThan(0.025)
  })
})
