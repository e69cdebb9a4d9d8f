#!/usr/bin/env node
// node perf/kafka-consume-clients.mjs [records=300000] [rounds=3] — prints, never asserts. Needs
// Kafka on 127.0.0.1:9092 (or MQKIT_TEST_KAFKA_URL). The consuming side of the two Kafka wire
// clients, to decide whether @platformatic/kafka should consume for mqkit as it produces: one topic
// is filled once with `records` records of 1 KiB (PERF_PARTITIONS partitions, default 1, keys
// spread over them), then each contender reads all of it from the beginning with a new group, in
// alternating rounds:
//   kafkajs eachBatch      consumer.run({eachBatch}), batches resolved whole, no commits (what
//                          mqkit's consumer is built on, src/drivers/kafka/consume/consume.ts)
//   platformatic stream    Consumer.consume({mode: 'earliest', autocommit: false}), a 'data'
//                          listener (one event per record, values left as Buffers)
//   platformatic fetch     Consumer.fetch() in a loop per partition leader, offsets kept here,
//                          no group (the floor: the library's wire and record decoding alone)
// Per contender: median records/s from first request to last record, and this process's CPU µs
// per record, with the rounds' range. Env: PERF_CONTENDERS (comma list), PERF_PARTITIONS.
import kafkajs from 'kafkajs'
import {Consumer as PlatformaticConsumer, Producer as PlatformaticProducer} from '@platformatic/kafka'
import {fmt, intArg, median, runRounds} from './perf-common.mjs'

const COUNT = intArg(2, 300_000)
const ROUNDS = intArg(3, 3)
const PARTITIONS = Number(process.env.PERF_PARTITIONS ?? 1)
const SIZE = 1024
const BASE_URL = process.env.MQKIT_TEST_KAFKA_URL ?? 'kafka://127.0.0.1:9092'
const BROKER = new URL(BASE_URL).host
const TOPIC = `mqkit-perf-consume-${process.pid}`
const FETCH_MAX_BYTES = 10 * 1024 * 1024

const kafka = new kafkajs.Kafka({clientId: 'mqkit-perf-consume', brokers: [BROKER], logLevel: kafkajs.logLevel.NOTHING})
const admin = kafka.admin()
await admin.connect()
await admin.createTopics({topics: [{topic: TOPIC, numPartitions: PARTITIONS}], waitForLeaders: true})
let groupSerial = 0
const group = (label) => `${TOPIC}-${label}-${groupSerial++}`

async function fill() {
  const producer = new PlatformaticProducer({clientId: 'mqkit-perf-fill', bootstrapBrokers: [BROKER], autocreateTopics: false})
  const value = Buffer.alloc(SIZE, 'x')
  const perRequest = 900
  for (let sent = 0; sent < COUNT; sent += perRequest) {
    const n = Math.min(perRequest, COUNT - sent)
    await producer.send({acks: 1, messages: Array.from({length: n}, (_, i) => ({topic: TOPIC, value, partition: (sent + i) % PARTITIONS}))})
  }
  await producer.close()
}

/** Resolves with records/s once `count` records were seen; `count()` is called per record or with a batch size. */
function counter() {
  let seen = 0
  let done
  const finished = new Promise((resolve) => (done = resolve))
  const startedNs = process.hrtime.bigint()
  return {
    add(n) {
      seen += n
      if (seen >= COUNT) done(COUNT / (Number(process.hrtime.bigint() - startedNs) / 1e9))
    },
    finished,
  }
}

async function kafkajsEachBatch() {
  const consumer = kafka.consumer({groupId: group('kafkajs'), maxBytes: FETCH_MAX_BYTES})
  await consumer.connect()
  await consumer.subscribe({topic: TOPIC, fromBeginning: true})
  const count = counter()
  await consumer.run({autoCommit: false, eachBatchAutoResolve: true, eachBatch: async ({batch}) => count.add(batch.messages.length)})
  const rate = await count.finished
  await consumer.disconnect()
  return rate
}

function platformaticConsumer(label) {
  return new PlatformaticConsumer({
    clientId: 'mqkit-perf-consume',
    bootstrapBrokers: [BROKER],
    groupId: group(label),
    maxBytes: FETCH_MAX_BYTES,
    maxWaitTime: 500,
  })
}

async function platformaticStream() {
  const consumer = platformaticConsumer('stream')
  const count = counter()
  const stream = await consumer.consume({topics: [TOPIC], mode: 'earliest', autocommit: false})
  stream.on('data', () => count.add(1))
  const rate = await count.finished
  await stream.close()
  await consumer.close(true)
  return rate
}

async function platformaticFetch() {
  const consumer = platformaticConsumer('fetch')
  const count = counter()
  const metadata = await consumer.metadata({topics: [TOPIC]})
  const topic = metadata.topics.get(TOPIC)
  const byLeader = new Map()
  for (const [index, partition] of topic.partitions.entries()) {
    const list = byLeader.get(partition.leader) ?? []
    list.push({partition: index, offset: 0n, epoch: partition.leaderEpoch})
    byLeader.set(partition.leader, list)
  }
  let finished = false
  void count.finished.then(() => (finished = true))
  await Promise.all(
    [...byLeader].map(async ([node, partitions]) => {
      while (!finished) {
        const response = await consumer.fetch({
          node,
          maxBytes: FETCH_MAX_BYTES,
          maxWaitTime: 500,
          topics: [
            {
              topicId: topic.id,
              partitions: partitions.map((p) => ({
                partition: p.partition,
                currentLeaderEpoch: p.epoch,
                fetchOffset: p.offset,
                lastFetchedEpoch: -1,
                partitionMaxBytes: FETCH_MAX_BYTES,
              })),
            },
          ],
        })
        for (const answer of response.responses[0]?.partitions ?? []) {
          const state = partitions.find((p) => p.partition === answer.partitionIndex)
          for (const batch of answer.records ?? []) {
            // A fetch may start inside a batch: count only the records at or past our offset.
            for (const record of batch.records) {
              const offset = batch.firstOffset + BigInt(record.offsetDelta)
              if (offset < state.offset) continue
              state.offset = offset + 1n
              count.add(1)
            }
          }
        }
      }
    }),
  )
  const rate = await count.finished
  await consumer.close(true)
  return rate
}

const contenders = {
  'kafkajs eachBatch': kafkajsEachBatch,
  'platformatic stream': platformaticStream,
  'platformatic fetch': platformaticFetch,
}
const only = process.env.PERF_CONTENDERS?.split(',')
const jobs = Object.entries(contenders).filter(([name]) => !only || only.includes(name))
try {
  await fill()
  console.log(
    `kafka clients perf (consume): ${fmt(COUNT)} records of ${SIZE} B from the beginning, ${PARTITIONS} partition(s), fetches up to ${FETCH_MAX_BYTES / 1024 / 1024} MiB, ${ROUNDS} rounds`,
  )
  const {results, cpuPerMessage} = await runRounds(jobs, {rounds: ROUNDS, count: COUNT, unit: 'records/s'})
  const range = (values, digits = 0) => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`
  for (const [name] of jobs) {
    console.log(
      `${name.padEnd(20)} ${fmt(median(results[name]))} records/s (${range(results[name])}), CPU ${median(cpuPerMessage[name]).toFixed(2)} µs/record (${range(cpuPerMessage[name], 2)})`,
    )
  }
} finally {
  await admin.deleteTopics({topics: [TOPIC]}).catch(() => {})
  await admin.disconnect()
}
