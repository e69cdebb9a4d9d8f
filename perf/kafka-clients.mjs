#!/usr/bin/env node
// node perf/kafka-clients.mjs [records=200000] [rounds=3] — prints, never asserts. Needs
// `npm run build` and Kafka on 127.0.0.1:9092. The producing side of mqkit's two Kafka wire
// clients (?client=), IN THE SAME RUN, in alternating rounds, each on a fresh 1-partition topic:
//   bench kafkajs        BenchRunner publish-only (producers 1, consumers 0, confirm window 1000,
//                        the stamp in a header) on ?client=kafkajs
//   bench platformatic   the same on ?client=platformatic
//   raw platformatic     a @platformatic/kafka loop sending the same records (the 1 KiB value, one
//                        buffer for all, and the stamp header made per record from a clock
//                        reading): at most WINDOW records unacknowledged, requests of up to BATCH
//                        records and the driver's byte limit, one in flight (the driver's
//                        order-keeping rule), header as bytes (no serializer)
//   raw kafkajs          the same loop on kafkajs (sendBatch)
//   tool                 Kafka's ProducerPerformance (PERF_TOOL=0 skips it), as in kafka-perf.mjs
// Per contender: median msg/s and this process's CPU µs per record, with the rounds' range.
// Env: PERF_ACKS=leader|all|none (default leader), PERF_CONTENDERS (comma list of the names
//      above), PERF_TOOL=0, MQKIT_TEST_KAFKA_URL.
import {spawn} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import kafkajs from 'kafkajs'
import {Producer as PlatformaticProducer} from '@platformatic/kafka'
import {DIST, fmt, intArg, loadBench, median, mqkitVersion, runRounds, seconds, topicsOf} from './perf-common.mjs'

const COUNT = intArg(2, 200_000)
const ROUNDS = intArg(3, 3)
const ACKS = process.env.PERF_ACKS ?? 'leader'
const ACKS_CODE = {all: -1, leader: 1, none: 0}[ACKS]
if (ACKS_CODE === undefined) throw new Error(`PERF_ACKS must be all, leader or none, got "${ACKS}"`)
const JAVA_ACKS = {all: 'all', leader: '1', none: '0'}[ACKS]
const BASE_URL = process.env.MQKIT_TEST_KAFKA_URL ?? 'kafka://127.0.0.1:9092'
const BROKER = new URL(BASE_URL).host
const WINDOW = 1000
const BATCH = 1000
const SIZE = 1024
const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')

const {BenchRunner, defaultBenchOptions} = await loadBench()
const {formatStampHeader, STAMP_HEADER} = await import(pathToFileURL(path.join(DIST, 'bench', 'stamp-header.js')).href)
const {nowNs} = await import(pathToFileURL(path.join(DIST, 'bench', 'clock.js')).href)
const {MAX_REQUEST_RECORD_BYTES, recordBytes} = await import(pathToFileURL(path.join(DIST, 'drivers', 'kafka', 'publish.js')).href)
const kafka = new kafkajs.Kafka({clientId: 'mqkit-perf-clients', brokers: [BROKER], logLevel: kafkajs.logLevel.NOTHING})
const admin = kafka.admin()
await admin.connect()
const withTopic = topicsOf(admin)

const body = Buffer.alloc(SIZE, 'x')
const stamp = (sequence) => formatStampHeader(0, sequence, 0, nowNs(), 0)
/** Records per request, as the driver cuts them: BATCH, WINDOW and its byte limit. */
const PER_REQUEST = Math.max(
  1,
  Math.min(BATCH, WINDOW, Math.floor(MAX_REQUEST_RECORD_BYTES / recordBytes({value: body, headers: {[STAMP_HEADER]: stamp(COUNT)}}))),
)

/** COUNT records in requests of PER_REQUEST, one in flight (so at most WINDOW unacknowledged). */
async function rawLoop(sendRequest) {
  const start = process.hrtime.bigint()
  for (let next = 0; next < COUNT; ) {
    const n = Math.min(PER_REQUEST, COUNT - next)
    await sendRequest(next, n)
    next += n
  }
  return COUNT / seconds(start, process.hrtime.bigint())
}

function rawPlatformatic() {
  return withTopic('raw-plt', async (topic) => {
    const producer = new PlatformaticProducer({clientId: 'mqkit-perf-raw', bootstrapBrokers: [BROKER]})
    const headerKey = Buffer.from(STAMP_HEADER)
    try {
      await producer.connectToBrokers()
      return await rawLoop((first, n) => {
        const messages = new Array(n)
        for (let i = 0; i < n; i++) messages[i] = {topic, value: body, headers: new Map([[headerKey, Buffer.from(stamp(first + i))]])}
        return producer.send({messages, acks: ACKS_CODE})
      })
    } finally {
      await producer.close()
    }
  })
}

function rawKafkajs() {
  return withTopic('raw-kjs', async (topic) => {
    const producer = kafka.producer({allowAutoTopicCreation: false})
    await producer.connect()
    try {
      return await rawLoop((first, n) => {
        const messages = new Array(n)
        for (let i = 0; i < n; i++) messages[i] = {value: body, headers: {[STAMP_HEADER]: stamp(first + i)}}
        return producer.sendBatch({acks: ACKS_CODE, topicMessages: [{topic, messages}]})
      })
    } finally {
      await producer.disconnect()
    }
  })
}

async function bench(client) {
  const options = defaultBenchOptions({
    count: COUNT,
    sizeBytes: SIZE,
    maxSizeBytes: SIZE,
    producers: 1,
    consumers: 0,
    partitions: 1,
    acks: ACKS,
    confirmWindow: WINDOW,
  })
  const runner = new BenchRunner(options, {url: `${BASE_URL}?client=${client}`, clientName: 'mqkit perf', mqkitVersion: mqkitVersion()})
  const result = await runner.run()
  if (result.integrity.confirmed !== COUNT) console.log(`  bench ${client} integrity problem: ${JSON.stringify(result.integrity)}`)
  return result.throughput.published.perSecond
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
      child.stdout.on('data', (chunk) => (out += chunk))
      child.stderr.on('data', (chunk) => (out += chunk))
      child.on('error', reject)
      child.on('close', (code) => {
        const match = [...out.matchAll(/^(\d+) records sent, ([\d.]+) records\/sec .*$/gm)].at(-1)
        if (code !== 0 || !match || Number(match[1]) !== COUNT)
          reject(new Error(`ProducerPerformance exited ${code}: ${out.trim().split('\n').slice(-3).join(' | ')}`))
        else resolve(Number(match[2]))
      })
    })
  })
}

const contenders = {
  'bench kafkajs': () => bench('kafkajs'),
  'bench platformatic': () => bench('platformatic'),
  'raw platformatic': rawPlatformatic,
  'raw kafkajs': rawKafkajs,
  ...(process.env.PERF_TOOL === '0' ? {} : {tool: producerPerformance}),
}
const only = process.env.PERF_CONTENDERS?.split(',')
const jobs = Object.entries(contenders).filter(([name]) => !only || only.includes(name))
console.log(
  `kafka clients perf (publish): ${fmt(COUNT)} records of ${SIZE} B + stamp header, acks ${ACKS} (${ACKS_CODE}), window ${WINDOW}, ${PER_REQUEST} records per request, one partition, ${ROUNDS} rounds, dist ${path.relative(repoRoot, DIST) || '.'}`,
)
const {results, cpuPerMessage} = await runRounds(jobs, {rounds: ROUNDS, count: COUNT, unit: 'msg/s', noCpu: ['tool']})

const range = (values, digits = 0) => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`
for (const [name] of jobs) {
  const cpu = name === 'tool' ? '' : `, CPU ${median(cpuPerMessage[name]).toFixed(2)} µs/msg (${range(cpuPerMessage[name], 2)})`
  console.log(`${name.padEnd(18)} ${fmt(median(results[name]))} msg/s (${range(results[name])})${cpu}`)
}
const report = (label, a, b, target) => {
  if (!results[a] || !results[b]) return
  const r = results[a].map((x, i) => x / results[b][i])
  console.log(`${label}: median ${median(r).toFixed(3)}x (rounds ${range(r, 3)})${target ? `  target ${target}` : ''}`)
}
report('bench platformatic / bench kafkajs', 'bench platformatic', 'bench kafkajs', '≥ 2.5x')
report('bench platformatic / raw platformatic loop', 'bench platformatic', 'raw platformatic', '≥ 0.9x')
report('bench platformatic / ProducerPerformance', 'bench platformatic', 'tool', '≥ 2x')
report('raw platformatic / raw kafkajs', 'raw platformatic', 'raw kafkajs')
await admin.disconnect()
