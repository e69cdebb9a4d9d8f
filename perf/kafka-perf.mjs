#!/usr/bin/env node
// npm run perf:kafka — prints, never asserts. Needs `npm run build` and Kafka on 127.0.0.1:9092.
// mqkit's `bench` on kafka:// against two references IN THE SAME RUN, in alternating rounds, each
// on a fresh 1-partition topic (created before, deleted after):
//   publish side, N records of 1 KiB, same acks:
//     tool     Kafka's own org.apache.kafka.tools.ProducerPerformance (kafka-tools, Java client
//              defaults: batch.size 16 KiB, linger.ms 5, 5 requests in flight) via scripts/kafka.sh;
//              its records have no header
//     raw      a kafkajs loop doing the bench's work: the same records (the 1 KiB value, one buffer
//              for all, and a mqkit-stamp header made per record from a clock reading), at most
//              WINDOW (1000) records unacknowledged, produce requests of up to BATCH records and the
//              driver's byte limit, one in flight (the order-keeping rule the driver follows;
//              kafkajs reorders concurrent sendBatch calls)
//     raw-bare the same without the header: what kafkajs does for a bare 1 KiB record
//     raw-2    raw with two half-size requests in flight (does NOT keep order; shows what the
//              ordering rule costs)
//     driver   the raw loop's records published one by one through mqkit's Kafka driver (publish()
//              promises, at most WINDOW unconfirmed): the driver's own cost, apart from bench's
//     bench    BenchRunner publish-only: producers 1, consumers 0, confirm window 1000 (the stamp in
//              a header, the Kafka default)
//     bench-body  the same with --stamp body (the stamp in the value's first 40 bytes, no header):
//              compare with raw-bare
//   consume side (PERF_CONSUME=0 skips): one producer and one consumer at once, consumed msg/s
//   from the first publish to the last receipt:
//     raw      kafkajs consumer (the driver's group timings), eachMessage reading the stamp header,
//              offsets committed once per event-loop turn as the driver does, fed by the raw
//              producer loop
//     driver consume  the raw producer loop feeding a consumer through mqkit's Kafka driver
//              (prefetch 1000, the handler reads the stamp header and acks): what the driver's
//              commit-after-ack bookkeeping costs, apart from bench's measuring
//     bench    BenchRunner with consumers 1, prefetch 1000 (its clock starts once its consumer has joined)
//   kcat (PERF_KCAT=0 skips): the CLI against kcat, whole processes, 1M lines of 100 B published from
//   stdin and consumed to a file, with issue 14's targets (perf/kafka-kcat.mjs, which runs alone too)
// Usage: node perf/kafka-perf.mjs [records=100000] [rounds=3]
// Env: PERF_ACKS=leader|all|none (default leader = acks 1), PERF_KAFKA_QUERY (driver knobs for
//      bench, e.g. "batchSize=500&lingerMs=1"; raw uses the same batchSize), PERF_TOOL=0 (skip
//      the Java tool), PERF_CONSUME=0, PERF_CONTENDERS (comma list of the names above, e.g.
//      "raw,bench"; "kcat" alone runs only the kcat part), PERF_KCAT=0, PERF_KCAT_LINES (default
//      1000000), PERF_DIST (another build's dist/), MQKIT_TEST_KAFKA_URL.
import {spawn} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import kafkajs from 'kafkajs'
import {DIST, fmt, intArg, loadBench, median, mqkitVersion, publishWindowed, receipts, runRounds, seconds, spread, topicsOf} from './perf-common.mjs'
import {kcatComparison} from './kafka-kcat.mjs'

const {Kafka, logLevel} = kafkajs
const COUNT = intArg(2, 100_000)
const ROUNDS = intArg(3, 3)
const ACKS = process.env.PERF_ACKS ?? 'leader'
const ACKS_CODE = {all: -1, leader: 1, none: 0}[ACKS]
if (ACKS_CODE === undefined) throw new Error(`PERF_ACKS must be all, leader or none, got "${ACKS}"`)
const JAVA_ACKS = {all: 'all', leader: '1', none: '0'}[ACKS]
const BASE_URL = process.env.MQKIT_TEST_KAFKA_URL ?? 'kafka://127.0.0.1:9092'
const BROKER = new URL(BASE_URL).host
const QUERY = process.env.PERF_KAFKA_QUERY ?? ''
const BENCH_URL = QUERY ? `${BASE_URL}?${QUERY}` : BASE_URL
const WINDOW = 1000
const BATCH = Number(new URLSearchParams(QUERY).get('batchSize') ?? 1000)
const SIZE = 1024
const GROUP_TIMINGS = {sessionTimeout: 10_000, rebalanceTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 100}
const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')

const {BenchRunner, defaultBenchOptions} = await loadBench()
const {formatStampHeader, readStampHeader, STAMP_HEADER} = await import(pathToFileURL(path.join(DIST, 'bench', 'stamp-header.js')).href)
const {nowNs} = await import(pathToFileURL(path.join(DIST, 'bench', 'clock.js')).href)
const {createDriver} = await import(pathToFileURL(path.join(DIST, 'drivers', 'index.js')).href)
const {MAX_REQUEST_RECORD_BYTES, recordBytes} = await import(pathToFileURL(path.join(DIST, 'drivers', 'kafka', 'publish.js')).href)
const kafka = new Kafka({clientId: 'mqkit-perf-raw', brokers: [BROKER], logLevel: logLevel.NOTHING})
const admin = kafka.admin()
await admin.connect()
const withTopic = topicsOf(admin)

/** Produce COUNT records: `inFlight` sendBatch calls at once, WINDOW records unacknowledged at most. */
async function rawProduce(producer, topic, inFlight, onFirstSend, stamped = true) {
  const body = Buffer.alloc(SIZE, 'x')
  const record = (sequence) => (stamped ? {value: body, headers: {[STAMP_HEADER]: formatStampHeader(0, sequence, 0, nowNs(), 0)}} : {value: body})
  // As many records per request as the driver sends: BATCH, and its byte limit.
  const perRecord = recordBytes(record(COUNT))
  const perRequest = Math.max(1, Math.floor(Math.min(BATCH, WINDOW, Math.floor(MAX_REQUEST_RECORD_BYTES / perRecord)) / inFlight))
  let next = 0
  const lane = async () => {
    while (next < COUNT) {
      const n = Math.min(perRequest, COUNT - next)
      const first = next
      next += n
      const messages = new Array(n)
      for (let i = 0; i < n; i++) messages[i] = record(first + i)
      await producer.sendBatch({acks: ACKS_CODE, topicMessages: [{topic, messages}]})
    }
  }
  onFirstSend?.()
  await Promise.all(Array.from({length: inFlight}, lane))
}

async function rawPublish(inFlight, stamped = true) {
  return withTopic('raw', async (topic) => {
    const producer = kafka.producer({allowAutoTopicCreation: false})
    await producer.connect()
    try {
      const start = process.hrtime.bigint()
      await rawProduce(producer, topic, inFlight, undefined, stamped)
      return COUNT / seconds(start, process.hrtime.bigint())
    } finally {
      await producer.disconnect()
    }
  })
}

/** A connected mqkit driver on BENCH_URL, closed after `work`. */
async function withDriver(work) {
  const driver = await createDriver(BENCH_URL, {clientName: 'mqkit perf driver'})
  await driver.connect()
  try {
    return await work(driver)
  } finally {
    await driver.close().catch(() => {})
  }
}

/** Ends the run: a perf contender that lost a message has no figure worth printing. */
function fail(what, error) {
  console.error(`${what}: ${error.message ?? error}`)
  process.exit(1)
}

/** The raw loop's records through driver.publish(), at most WINDOW unconfirmed. */
function driverPublish() {
  return withTopic('driver', (topic) =>
    withDriver(async (driver) => {
      const body = Buffer.alloc(SIZE, 'x')
      const confirms = receipts(COUNT)
      const failed = (error) => fail('driver: publish failed', error)
      let sequence = 0
      const start = process.hrtime.bigint()
      await publishWindowed(COUNT, WINDOW, (confirmed) => {
        const headers = {[STAMP_HEADER]: formatStampHeader(0, sequence++, 0, nowNs(), 0)}
        driver.publish(topic, {body, acks: ACKS_CODE, headers}).then(() => {
          confirmed()
          confirms.one()
        }, failed)
      })
      await confirms.finished
      return COUNT / seconds(start, confirms.at())
    }),
  )
}

/** The raw producer loop feeding a consumer through the driver; msg/s from the first publish to the last receipt. */
function driverConsume() {
  return withTopic('driverc', (topic) =>
    withDriver(async (driver) => {
      const producer = kafka.producer({allowAutoTopicCreation: false})
      await producer.connect()
      try {
        const seen = receipts(COUNT)
        const fields = new Float64Array(5)
        const subscription = await driver.consume(topic, {from: {kind: 'beginning'}, prefetch: 1000}, (delivery) => {
          if (!readStampHeader(delivery.headers[STAMP_HEADER], fields)) fail('driver consume', 'a record without its stamp')
          void delivery.ack()
          seen.one()
        })
        let start = 0n
        await rawProduce(producer, topic, 1, () => (start = process.hrtime.bigint()))
        await seen.finished
        await subscription.cancel()
        return COUNT / seconds(start, seen.at())
      } finally {
        await producer.disconnect()
      }
    }),
  )
}

async function benchRun(consumers, stamp = undefined) {
  const options = defaultBenchOptions({
    count: COUNT,
    sizeBytes: SIZE,
    maxSizeBytes: SIZE,
    producers: 1,
    consumers,
    partitions: 1,
    acks: ACKS,
    confirmWindow: WINDOW,
    prefetch: 1000,
    stamp,
  })
  const runner = new BenchRunner(options, {url: BENCH_URL, clientName: 'mqkit perf', mqkitVersion: mqkitVersion()})
  const result = await runner.run()
  const i = result.integrity
  if (i.confirmed !== COUNT || (consumers > 0 && (i.lost !== 0 || i.outOfOrder !== 0 || i.unique !== COUNT))) {
    console.log(`  bench integrity problem: ${JSON.stringify(i)}`)
  }
  return consumers === 0 ? result.throughput.published.perSecond : result.throughput.consumed.perSecond
}

function producerPerformance() {
  return withTopic('tool', (topic) => {
    const args = [
      'scripts/kafka.sh',
      'run',
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      topic,
      '--num-records',
      String(COUNT),
      '--record-size',
      String(SIZE),
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${BROKER}`,
      `acks=${JAVA_ACKS}`,
    ]
    return new Promise((resolve, reject) => {
      const child = spawn('bash', args, {cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe']})
      let out = ''
      let err = ''
      child.stdout.on('data', (chunk) => (out += chunk))
      child.stderr.on('data', (chunk) => (err += chunk))
      child.on('error', reject)
      child.on('close', (code) => {
        const match = [...out.matchAll(/^(\d+) records sent, ([\d.]+) records\/sec .*$/gm)].at(-1)
        if (code !== 0 || !match || Number(match[1]) !== COUNT)
          reject(new Error(`ProducerPerformance exited ${code}: ${(out + err).trim().split('\n').slice(-3).join(' | ')}`))
        else resolve({perSecond: Number(match[2]), line: match[0]})
      })
    })
  })
}

/** Consumer and producer at once; msg/s from the first publish to the last receipt. */
async function rawConsume() {
  return withTopic('rawc', async (topic) => {
    const consumer = kafka.consumer({groupId: `${topic}-group`, ...GROUP_TIMINGS, allowAutoTopicCreation: false})
    const producer = kafka.producer({allowAutoTopicCreation: false})
    await Promise.all([consumer.connect(), producer.connect()])
    try {
      const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve))
      const seen = receipts(COUNT)
      let commitAt = -1
      let commitScheduled = false
      const commit = () => {
        commitScheduled = false
        void consumer.commitOffsets([{topic, partition: 0, offset: String(commitAt + 1)}]).catch(() => {})
      }
      await consumer.subscribe({topics: [topic], fromBeginning: true})
      const fields = new Float64Array(5)
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({message}) => {
          if (!readStampHeader(message.headers[STAMP_HEADER]?.toString(), fields)) throw new Error('raw consume: a record without its stamp')
          commitAt = Number(message.offset)
          if (!commitScheduled) {
            commitScheduled = true
            setImmediate(commit)
          }
          seen.one()
        },
      })
      await joined
      let start = 0n
      await rawProduce(producer, topic, 1, () => (start = process.hrtime.bigint()))
      await seen.finished
      return COUNT / seconds(start, seen.at())
    } finally {
      await Promise.all([consumer.disconnect(), producer.disconnect()])
    }
  })
}

const publishSide = {
  ...(process.env.PERF_TOOL === '0' ? {} : {tool: async () => (await producerPerformance()).perSecond}),
  raw: () => rawPublish(1),
  'raw-bare': () => rawPublish(1, false),
  'raw-2': () => rawPublish(2),
  driver: driverPublish,
  bench: () => benchRun(0),
  'bench-body': () => benchRun(0, 'body'),
}
const consumeSide = process.env.PERF_CONSUME === '0' ? {} : {'raw consume': rawConsume, 'driver consume': driverConsume, 'bench consume': () => benchRun(1)}
const only = process.env.PERF_CONTENDERS?.split(',')
const jobs = Object.entries({...publishSide, ...consumeSide}).filter(([name]) => !only || only.includes(name))
console.log(
  `kafka perf: ${fmt(COUNT)} records of ${SIZE} B, acks ${ACKS} (${ACKS_CODE}), window ${WINDOW}, batch ${BATCH}, bench url ${BENCH_URL}, ${ROUNDS} rounds, dist ${path.relative(repoRoot, DIST) || '.'}`,
)
const {results, cpuPerMessage} =
  jobs.length > 0 ? await runRounds(jobs, {rounds: ROUNDS, count: COUNT, unit: 'msg/s', noCpu: ['tool']}) : {results: {}, cpuPerMessage: {}}

const ratios = (a, b) => results[a].map((x, i) => x / results[b][i])
const report = (label, a, b, target) => {
  if (!results[a] || !results[b]) return
  const r = ratios(a, b)
  console.log(`${label}: median ${median(r).toFixed(3)}x (rounds ${spread(r)})${target ? `  target ${target}` : ''}`)
}
report('bench / ProducerPerformance (publish msg/s)', 'bench', 'tool', 'match it (1.0x)')
report('bench / raw kafkajs, one request in flight, same records (publish msg/s)', 'bench', 'raw', '≥ 0.95x')
report('driver / raw kafkajs, same records (publish msg/s: the driver alone, no measuring)', 'driver', 'raw')
report('bench / driver (publish msg/s: what bench adds to the driver)', 'bench', 'driver')
report('bench --stamp body / raw kafkajs without a header (publish msg/s)', 'bench-body', 'raw-bare', '≥ 0.95x')
report('bench --stamp body / ProducerPerformance (publish msg/s)', 'bench-body', 'tool')
report('raw kafkajs with the stamp header / without (publish msg/s: what the header costs kafkajs)', 'raw', 'raw-bare')
report('bench / raw kafkajs, two requests in flight, unordered (publish msg/s)', 'bench', 'raw-2')
report('raw kafkajs without a header / ProducerPerformance (publish msg/s)', 'raw-bare', 'tool')
report('bench / raw kafkajs (consumed msg/s, produce and consume at once)', 'bench consume', 'raw consume', '≥ 0.95x')
report('driver / raw kafkajs consumer (consumed msg/s: commit-after-ack through the driver, no measuring)', 'driver consume', 'raw consume')
report('bench / driver consumer (consumed msg/s: what bench adds, its producer included)', 'bench consume', 'driver consume')
const nodeJobs = jobs.filter(([name]) => name !== 'tool')
if (nodeJobs.length > 0)
  console.log(`CPU µs/msg in this process, median: ${nodeJobs.map(([name]) => `${name} ${median(cpuPerMessage[name]).toFixed(1)}`).join(' | ')}`)
if (process.env.PERF_KCAT !== '0' && (!only || only.includes('kcat'))) {
  await kcatComparison({admin, url: BASE_URL, broker: BROKER, lines: Number(process.env.PERF_KCAT_LINES ?? 1_000_000), rounds: ROUNDS})
}
await admin.disconnect()
