// The reference loops perf/perf.js compares `bench` with. Needs `npm run build` (imports dist/).
//
// rawDriverBaseline is THE baseline the target is judged on: the same memory:// broker and
// driver calls as a bench run (one producer connection, one consumer connection, publish →
// confirm, consume → ack), the bench's default confirm window (at most 1000 unconfirmed, refilled
// from half) and prefetch (100), 1 KiB bodies — and no measuring at all: no clock read, no stamp,
// no histogram, no integrity tracking, no per-message body (one 1 KiB Buffer is published again
// and again, as perf/amqp-raw.mjs does; nothing needs distinct bytes without a stamp). Its only
// clock reads are the two that time the whole run.
//
// The two other loops are printed for information only: the measuring primitives on a plain
// array (no broker), and the naive loop of the first perf script.
import {createDriver} from '../dist/drivers/index.js'
import {nowNs} from '../dist/bench/clock.js'
import {defaultBenchOptions} from '../dist/bench/options.js'
import {PayloadSource} from '../dist/bench/message/payload.js'
import {stampActualNs, writeStamp} from '../dist/bench/message/stamp.js'
import {LatencyHistogram} from '../dist/metrics/histogram.js'

export const SIZE = 1024
const DEFAULTS = defaultBenchOptions({sizeBytes: SIZE})

/** Publish `count` messages through memory:// and consume them: consumed msg/s from the first
 *  publish to the last receipt. */
export async function rawDriverBaseline(count) {
  const connect = async (role) => {
    const driver = await createDriver('memory://', {clientName: `mqkit perf raw ${role}`})
    await driver.connect()
    return driver
  }
  const admin = await connect('admin')
  const producer = await connect('producer')
  const consumer = await connect('consumer')
  const queue = `mqkit-perf-raw-${process.pid}-${Math.random().toString(36).slice(2)}`
  try {
    await admin.declare({name: queue})
    let received = 0
    let allReceived
    const finished = new Promise((resolve) => (allReceived = resolve))
    const subscription = await consumer.consume(queue, {prefetch: DEFAULTS.prefetch}, (delivery) => {
      delivery.ack()
      if (++received === count) allReceived()
    })
    const body = Buffer.alloc(SIZE, 7)
    const window = DEFAULTS.confirmWindow
    const lowWater = Math.floor(window / 2)
    let outstanding = 0
    let waiter
    let failure
    const confirmed = () => {
      outstanding--
      if (waiter !== undefined && outstanding <= lowWater) {
        const wake = waiter
        waiter = undefined
        wake()
      }
    }
    const failed = (error) => {
      failure ??= error
      confirmed()
    }
    const startMs = performance.now()
    for (let sent = 0; sent < count; sent++) {
      if (outstanding >= window) await new Promise((resolve) => (waiter = resolve))
      outstanding++
      producer.publish(queue, {body, persistent: false}).then(confirmed, failed)
    }
    await finished
    const elapsedMs = performance.now() - startMs
    if (failure !== undefined) throw failure
    await subscription.cancel()
    return {perSecond: (count * 1000) / elapsedMs, count}
  } finally {
    await admin.delete(queue).catch(() => {})
    for (const driver of [producer, consumer, admin]) await driver.close()
  }
}

/** rawDriverBaseline for about `durationMs`, its message count sized from a short calibration
 *  run (probeCount messages, not part of perSecond). */
export async function timedRawDriverBaseline(durationMs) {
  const probeCount = 200_000
  const probe = await rawDriverBaseline(probeCount)
  const run = await rawDriverBaseline(Math.max(probeCount, Math.round((probe.perSecond * durationMs) / 1000)))
  return {...run, probeCount}
}

/** Information only: the measuring primitives (1 KiB body from PayloadSource, stamp, clock, HDR)
 *  on a plain array queue, without the broker. */
export async function primitivesLoop(durationMs) {
  const queue = []
  let head = 0
  const histogram = new LatencyHistogram()
  const payload = PayloadSource.random(SIZE, SIZE)
  let sequence = 0
  let consumed = 0
  const start = nowNs()
  const end = start + durationMs * 1e6
  let now = start
  let lastYield = start
  while (now < end) {
    for (let i = 0; i < DEFAULTS.confirmWindow; i++) {
      const body = payload.next()
      writeStamp(body, 0, sequence++, 0, nowNs(), 0)
      queue.push(body)
    }
    while (head < queue.length) {
      const body = queue[head]
      queue[head++] = undefined
      histogram.recordNanos(nowNs() - stampActualNs(body))
      consumed++
    }
    queue.length = 0
    head = 0
    now = nowNs()
    if (now - lastYield > 1e6) {
      await new Promise((r) => setImmediate(r))
      lastYield = now = nowNs()
    }
  }
  return {perSecond: (consumed * 1e9) / (now - start)}
}

/** Information only: the first perf script's loop (per-message allocUnsafe + copy, BigInt stamp). */
export async function naiveLoop(durationMs) {
  const queue = []
  let head = 0
  const histogram = new LatencyHistogram()
  const template = Buffer.alloc(SIZE, 7)
  let consumed = 0
  const start = process.hrtime.bigint()
  const end = start + BigInt(durationMs) * 1_000_000n
  let now = start
  while (now < end) {
    for (let i = 0; i < DEFAULTS.confirmWindow; i++) {
      const body = Buffer.allocUnsafe(SIZE)
      template.copy(body, 8, 8)
      body.writeBigUInt64LE(process.hrtime.bigint(), 0)
      queue.push(body)
    }
    while (head < queue.length) {
      const body = queue[head]
      queue[head++] = undefined
      histogram.recordNanos(Number(process.hrtime.bigint() - body.readBigUInt64LE(0)))
      consumed++
    }
    queue.length = 0
    head = 0
    now = process.hrtime.bigint()
    if (consumed % (DEFAULTS.confirmWindow * 50) === 0) await new Promise((r) => setImmediate(r))
  }
  return {perSecond: (consumed * 1e9) / Number(now - start)}
}
