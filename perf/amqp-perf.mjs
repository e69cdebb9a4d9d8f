#!/usr/bin/env node
// npm run perf:amqp — prints, never asserts. Needs `npm run build` and RabbitMQ on 127.0.0.1:5672.
// mqkit's `bench` on amqp:// against a raw amqplib loop doing the same work IN THE SAME RUN, in
// alternating rounds, each on a fresh queue (durable classic, as bench declares; deleted after):
// N messages of 1 KiB (non-persistent), one producer on a ConfirmChannel with at most WINDOW (1000)
// unconfirmed, one consumer with prefetch 1000 acking each message, producer and consumer on their
// own connections with TCP_NODELAY. Figure: consumed msg/s from the first publish to the last
// receipt (bench: throughput.consumed.perSecond, whose span is the same).
//   raw     amqplib directly (sendToQueue, no publish flags)
//   raw-mandatory  the same, published mandatory, as the driver does by default for a queue target
//           (a missing queue is then an error instead of a silent drop): shows the broker's cost
//           of it. bench publishes without it (it declared its queue; `bench --mandatory` opts in).
//   driver  the same loop through mqkit's amqp driver (publish() with mandatory: false, as raw;
//           consume()), no bench measurements
//   bench   BenchRunner {count N, 1 KiB, producers 1, consumers 1, confirmWindow 1000, prefetch 1000}
// Usage: node perf/amqp-perf.mjs [messages=100000] [rounds=3]
// Env: PERF_CONTENDERS (comma list, default raw,raw-mandatory,driver,bench), PERF_DIST (another
//      build's dist/), MQKIT_TEST_AMQP_URL.
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import amqp from 'amqplib'
import {DIST, fmt, intArg, loadBench, median, mqkitVersion, publishWindowed, receipts, runRounds, seconds, spread} from './perf-common.mjs'

const URL = process.env.MQKIT_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const COUNT = intArg(2, 100_000)
const ROUNDS = intArg(3, 3)
const WINDOW = 1000
const PREFETCH = 1000
const SIZE = 1024
const BODY = Buffer.alloc(SIZE, 'x')
const CONTENDERS = (process.env.PERF_CONTENDERS ?? 'raw,raw-mandatory,driver,bench').split(',')

const {BenchRunner, defaultBenchOptions} = await loadBench()
const {createDriver} = await import(pathToFileURL(path.join(DIST, 'drivers', 'index.js')).href)
let queueSerial = 0
const queueName = (label) => `mqkit-perf-${label}-${process.pid}-${queueSerial++}`

/** Resolves when `count` receipts were seen; `at()` is the time of the last one. */
async function raw(options) {
  const queue = queueName('raw')
  const [producerConnection, consumerConnection] = await Promise.all([amqp.connect(URL, {noDelay: true}), amqp.connect(URL, {noDelay: true})])
  try {
    const consumer = await consumerConnection.createChannel()
    await consumer.assertQueue(queue, {durable: true})
    await consumer.prefetch(PREFETCH)
    const seen = receipts(COUNT)
    await consumer.consume(queue, (m) => {
      if (m === null) return // cancelled by the queue delete
      consumer.ack(m)
      seen.one()
    })
    const producer = await producerConnection.createConfirmChannel()
    const start = process.hrtime.bigint()
    await publishWindowed(COUNT, WINDOW, (confirmed) => {
      const writable = producer.sendToQueue(queue, BODY, options, (error) => {
        if (error) throw new Error(`raw: nacked: ${error}`)
        confirmed()
      })
      return writable ? undefined : new Promise((resolve) => producer.once('drain', resolve))
    })
    await seen.finished
    const perSecond = COUNT / seconds(start, seen.at())
    await consumer.deleteQueue(queue)
    return perSecond
  } finally {
    await Promise.all([producerConnection.close(), consumerConnection.close()].map((p) => p.catch(() => {})))
  }
}

async function viaDriver() {
  const queue = queueName('driver')
  const [producer, consumer] = await Promise.all(['producer', 'consumer'].map((role) => createDriver(URL, {clientName: `mqkit perf ${role}`})))
  await Promise.all([producer.connect(), consumer.connect()])
  try {
    await consumer.declare({name: queue})
    const seen = receipts(COUNT)
    const subscription = await consumer.consume(queue, {prefetch: PREFETCH}, (d) => {
      void d.ack()
      seen.one()
    })
    const start = process.hrtime.bigint()
    const failed = (error) => {
      console.error(`driver: publish failed: ${error.message}`)
      process.exit(1)
    }
    await publishWindowed(COUNT, WINDOW, (confirmed) => {
      producer.publish(queue, {body: BODY, mandatory: false}).then(confirmed, failed)
    })
    await seen.finished
    const perSecond = COUNT / seconds(start, seen.at())
    await subscription.cancel()
    await consumer.delete(queue)
    return perSecond
  } finally {
    await Promise.all([producer.close(), consumer.close()].map((p) => p.catch(() => {})))
  }
}

async function bench() {
  const options = defaultBenchOptions({
    count: COUNT,
    sizeBytes: SIZE,
    maxSizeBytes: SIZE,
    producers: 1,
    consumers: 1,
    confirmWindow: WINDOW,
    prefetch: PREFETCH,
  })
  const result = await new BenchRunner(options, {url: URL, clientName: 'mqkit perf', mqkitVersion: mqkitVersion()}).run()
  const i = result.integrity
  if (i.lost !== 0 || i.unique !== COUNT || i.outOfOrder !== 0) console.log(`  bench integrity problem: ${JSON.stringify(i)}`)
  return result.throughput.consumed.perSecond
}

const all = {raw: () => raw({}), 'raw-mandatory': () => raw({mandatory: true}), driver: viaDriver, bench}
const jobs = CONTENDERS.map((name) => {
  if (!all[name]) throw new Error(`PERF_CONTENDERS: unknown "${name}" (${Object.keys(all).join(', ')})`)
  return [name, all[name]]
})
console.log(
  `amqp perf: ${fmt(COUNT)} messages of ${SIZE} B, confirm window ${WINDOW}, prefetch ${PREFETCH}, ${ROUNDS} rounds, dist ${path.relative(process.cwd(), DIST) || '.'}`,
)
const {results, cpuPerMessage} = await runRounds(jobs, {rounds: ROUNDS, count: COUNT, unit: 'msg/s consumed'})
const report = (a, b, target) => {
  if (!results[a] || !results[b]) return
  const r = results[a].map((x, i) => x / results[b][i])
  console.log(`${a} / ${b}: median ${median(r).toFixed(3)}x (rounds ${spread(r)})${target ? `  target ${target}` : ''}`)
}
report('bench', 'raw', '≥ 0.95x')
report('bench', 'raw-mandatory')
report('raw-mandatory', 'raw')
report('driver', 'raw')
report('driver', 'raw-mandatory')
report('bench', 'driver')
console.log(`CPU µs/msg in this process, median: ${jobs.map(([name]) => `${name} ${median(cpuPerMessage[name]).toFixed(1)}`).join(' | ')}`)
