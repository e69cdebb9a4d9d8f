// Backend-specific bench knobs through the real CLI: RabbitMQ queue type and multi-ack, Kafka
// partitions, acks, compression and batching; each refused (exit 7) where it has no meaning. The
// Kafka producer knobs are checked by what the broker stored, read back by a plain kafkajs client,
// and by what the client sent, read off the wire by a proxy (acks of each request, linger).
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import os from 'node:os'
import path from 'node:path'
import {Kafka, logLevel} from 'kafkajs'
import {describe, expect, it} from 'vitest'
import {STAMP_HEADER, readStampHeader} from '../../src/bench/message/stamp-header.js'
import {hasStamp, STAMP_BYTES} from '../../src/bench/message/stamp.js'
import type {Delivery} from '../../src/drivers/types.js'
import {collector, kafkaDriver, withClient} from '../drivers/kafka/helpers.js'
import {observeKafka, stampSentNs} from '../drivers/kafka/wire-observer.js'
import {runCli} from '../helpers/cli.js'
import {AMQP_URL, KAFKA_URL, amqpAvailable, kafkaAvailable, uniqueName, waitFor} from '../helpers/brokers.js'

const amqp = await amqpAvailable()
const kafka = await kafkaAvailable()

async function benchJson(url: string, queue: string, args: string[]) {
  const r = await runCli(['bench', '--url', url, '--queue', queue, '--keep', '--json', ...args], {timeoutMs: 60_000})
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout)
}

/**
 * What the broker stored, read by a plain kafkajs consumer in this process (independent of the
 * bench child): the number of records in each record batch (from each record's batch context), and
 * how many batches kafkajs decoded per codec (its codec table, looked up once per batch from the
 * batch's attributes, is wrapped to count). The broker keeps the producer's codec
 * (compression.type=producer), so these are the batches bench sent.
 */
async function storedBatches(topic: string, count: number): Promise<{batches: number[]; codecs: {none: number; gzip: number}}> {
  const compression = createRequire(import.meta.url)('kafkajs/src/protocol/message/compression/index.js') as {
    Types: {None: number; GZIP: number}
    Codecs: Record<number, (() => unknown) | undefined>
  }
  const {Codecs, Types} = compression
  const codecs = {none: 0, gzip: 0}
  const gzip = Codecs[Types.GZIP]!
  // lookupCodecByAttributes(attributes) calls Codecs[attributes & 7]: none → null (uncompressed).
  Codecs[Types.None] = () => {
    codecs.none++
    return null
  }
  Codecs[Types.GZIP] = () => {
    codecs.gzip++
    return gzip()
  }
  const client = new Kafka({clientId: 'mqkit-test-observer', brokers: brokerList(KAFKA_URL), logLevel: logLevel.NOTHING})
  const consumer = client.consumer({groupId: uniqueName('observer')})
  const recordsPerBatch = new Map<string, number>()
  let seen = 0
  try {
    await consumer.connect()
    await consumer.subscribe({topic, fromBeginning: true})
    await consumer.run({
      eachMessage: async ({partition, message}) => {
        const batch = `${partition}@${(message as unknown as {batchContext: {firstOffset: string}}).batchContext.firstOffset}`
        recordsPerBatch.set(batch, (recordsPerBatch.get(batch) ?? 0) + 1)
        seen++
      },
    })
    await waitFor(`${count} records read back (have ${seen})`, () => seen >= count, 30_000)
  } finally {
    await consumer.disconnect()
    delete Codecs[Types.None]
    Codecs[Types.GZIP] = gzip
  }
  return {batches: [...recordsPerBatch.values()], codecs}
}

/** kafka://[user@]h1:p1,h2:p2?… → ['h1:p1', 'h2:p2'] */
function brokerList(url: string): string[] {
  return url
    .replace(/^kafka:\/\//, '')
    .split(/[/?]/)[0]
    .replace(/^.*@/, '')
    .split(',')
}

async function inspectQueue(url: string, queue: string) {
  const r = await runCli(['inspect', queue, '--url', url, '--json'])
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout).queues[0]
}

describe.concurrent('bench knobs', () => {
  it.skipIf(!amqp)('RabbitMQ: --queue-type quorum with --multi-ack delivers everything once and leaves nothing unacked', async () => {
    const queue = uniqueName('bench-quorum')
    try {
      const result = await benchJson(AMQP_URL, queue, ['--queue-type', 'quorum', '--multi-ack', '25', '--prefetch', '200', '--count', '3000'])
      expect(result.workload).toMatchObject({queueType: 'quorum', multiAck: 25})
      expect(result.integrity).toMatchObject({sent: 3000, confirmed: 3000, received: 3000, lost: 0, duplicates: 0, leftInQueue: 0})
      const stats = await inspectQueue(AMQP_URL, queue)
      expect(stats.extras.type).toBe('quorum')
      expect(stats.extras.durable).toBe(true)
      expect(stats.ready).toBe(0) // live (passive declare): a message left unacked is requeued when bench's connection closes
      // inFlight comes from the management API, whose figures the broker refreshes only every 5 s:
      // right after the run it can still show the deliveries in flight during it (a CI run saw 80),
      // and a loaded machine has been seen to go 10 s without a refresh (conformance harness).
      await expect.poll(async () => (await inspectQueue(AMQP_URL, queue)).inFlight, {timeout: 30_000, interval: 1000}).toBe(0)
    } finally {
      await runCli(['delete', queue, '--url', AMQP_URL, '--if-exists'])
    }
  })

  it.skipIf(!amqp)('RabbitMQ: --mandatory runs clean and is shown in the workload', async () => {
    const queue = uniqueName('bench-mandatory')
    try {
      const result = await benchJson(AMQP_URL, queue, ['--mandatory', '--count', '2000'])
      expect(result.workload).toMatchObject({mandatory: true})
      expect(result.integrity).toMatchObject({sent: 2000, confirmed: 2000, received: 2000, lost: 0, publishErrors: 0})
    } finally {
      await runCli(['delete', queue, '--url', AMQP_URL, '--if-exists'])
    }
  })

  it.skipIf(!amqp)(
    'RabbitMQ: competing consumers are judged in order per consumer (their handlers interleave; each gets its share in queue order)',
    async () => {
      const queue = uniqueName('bench-competing')
      try {
        const result = await benchJson(AMQP_URL, queue, ['--producers', '2', '--consumers', '2', '--count', '20000'])
        expect(result.integrity).toMatchObject({sent: 20000, received: 20000, unique: 20000, lost: 0, duplicates: 0, outOfOrder: 0})
      } finally {
        await runCli(['delete', queue, '--url', AMQP_URL, '--if-exists'])
      }
    },
  )

  it.skipIf(!amqp)('RabbitMQ: --queue-type stream runs end to end on a stream queue', async () => {
    const queue = uniqueName('bench-stream')
    try {
      const result = await benchJson(AMQP_URL, queue, ['--queue-type', 'stream', '--count', '2000'])
      expect(result.integrity).toMatchObject({sent: 2000, received: 2000, lost: 0, duplicates: 0, outOfOrder: 0})
      expect((await inspectQueue(AMQP_URL, queue)).extras.type).toBe('stream')
    } finally {
      await runCli(['delete', queue, '--url', AMQP_URL, '--if-exists'])
    }
  })

  it.skipIf(!kafka)(
    'Kafka: --compression gzip and --batch-size reach the broker (every stored batch gzip, at most 100 records a request); --keys, --acks, --linger',
    async () => {
      const topic = uniqueName('bench-knobs')
      try {
        // One partition: a produce request then carries exactly one record batch, so the stored
        // batches are the requests.
        const args = [
          '--partitions',
          '1',
          '--keys',
          '6',
          '--acks',
          'leader',
          '--compression',
          'gzip',
          '--batch-size',
          '100',
          '--linger',
          '1ms',
          '--count',
          '3000',
        ]
        const result = await benchJson(KAFKA_URL, topic, args)
        expect(result.meta.url).toContain('compression=gzip')
        expect(result.meta.url).toContain('batchSize=100')
        expect(result.meta.url).toContain('lingerMs=1')
        expect(result.workload).toMatchObject({partitions: 1, keys: 6, acks: 'leader'})
        // Order is judged per key.
        expect(result.integrity).toMatchObject({sent: 3000, received: 3000, lost: 0, duplicates: 0, outOfOrder: 0})
        const stored = await storedBatches(topic, 3000)
        expect(stored.codecs).toEqual({none: 0, gzip: stored.batches.length})
        expect(Math.max(...stored.batches)).toBeLessThanOrEqual(100)
        // 3000 records in requests of at most 100: at least 30, and mostly full ones (the publisher
        // fills a request while bench's confirm window keeps 1000 messages coming).
        expect(stored.batches.length).toBeGreaterThanOrEqual(30)
        expect(stored.batches.length, `records per request: ${stored.batches.join(' ')}`).toBeLessThanOrEqual(45)
      } finally {
        await runCli(['delete', topic, '--url', KAFKA_URL, '--if-exists'])
      }
    },
  )

  it.skipIf(!kafka)('Kafka: consumers share one group per topic, the backlog is its lag (never negative), order holds per partition', async () => {
    const topic = uniqueName('bench-group')
    try {
      const result = await benchJson(KAFKA_URL, topic, ['--partitions', '4', '--consumers', '2', '--count', '6000', '--sample-interval', '20ms'])
      // Two consumers in one group split the partitions: each message once, none left behind.
      expect(result.integrity).toMatchObject({sent: 6000, received: 6000, unique: 6000, duplicates: 0, lost: 0, outOfOrder: 0, leftInQueue: 0})
      expect(result.queueLength.samples).toBeGreaterThan(0)
      for (const [, length] of result.queueLength.series) expect(length).toBeGreaterThanOrEqual(0)
      const inspected = await runCli(['inspect', topic, '--url', KAFKA_URL, '--group', `${topic}-consumers`, '--json'])
      expect(JSON.parse(inspected.stdout).queues[0].lag).toBe(0)
    } finally {
      await runCli(['delete', topic, '--url', KAFKA_URL, '--if-exists'])
    }
  })

  it.skipIf(!kafka)(
    'Kafka: the stamp rides in a mqkit-stamp header and the value is the --payload file exactly; --stamp body puts it back in front',
    async () => {
      const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-stamp-'))
      const file = path.join(folder, 'payload.json')
      writeFileSync(file, '{"order": 42, "items": ["a", "b"]}')
      const topic = uniqueName('bench-stamp')
      const bodyTopic = uniqueName('bench-stamp-body')
      const driver = await kafkaDriver()
      try {
        const result = await benchJson(KAFKA_URL, topic, ['--payload', file, '--count', '30'])
        expect(result.workload.stamp).toBe('header')
        expect(result.integrity).toMatchObject({sent: 30, received: 30, lost: 0, duplicates: 0})
        const bodyResult = await benchJson(KAFKA_URL, bodyTopic, ['--payload', file, '--count', '30', '--stamp', 'body'])
        expect(bodyResult.workload.stamp).toBe('body')
        expect(bodyResult.integrity).toMatchObject({sent: 30, received: 30, lost: 0, duplicates: 0})
        // What any other consumer of the topics sees.
        for (const [name, check] of [
          [
            topic,
            (d: Delivery) => {
              expect(d.body.equals(readFileSync(file))).toBe(true)
              expect(readStampHeader(d.headers[STAMP_HEADER], new Float64Array(5))).toBe(true)
            },
          ],
          [
            bodyTopic,
            (d: Delivery) => {
              expect(d.body.subarray(STAMP_BYTES).equals(readFileSync(file))).toBe(true)
              expect(hasStamp(d.body)).toBe(true)
              expect(d.headers).toEqual({})
            },
          ],
        ] as const) {
          const seen = collector()
          const subscription = await driver.consume(name, {from: {kind: 'beginning'}}, seen.handler)
          await seen.waitFor(30)
          await subscription.cancel()
          seen.received.forEach(check)
        }
      } finally {
        await driver.close()
        rmSync(folder, {recursive: true, force: true})
        for (const name of [topic, bodyTopic]) await runCli(['delete', name, '--url', KAFKA_URL, '--if-exists'])
      }
    },
  )

  it('knobs a backend does not have are refused with exit 7, bad values with exit 2', async () => {
    const cases: Array<[string[], number, string]> = [
      [['--multi-ack', '10'], 7, '--multi-ack: only RabbitMQ'],
      [['--acks', 'all'], 7, '--acks: a Kafka producer setting'],
      [['--mandatory'], 7, '--mandatory: a RabbitMQ publish flag'],
      [['--compression', 'gzip', '--linger', '5ms'], 7, '--compression, --linger: Kafka producer settings; not for memory://'],
      [['--queue-type', 'quorum'], 7, 'quorum'],
      [['--partitions', '3'], 7, 'partitions'],
      [['--acks', 'some'], 2, '--acks'],
      [['--multi-ack', '0'], 2, '--multi-ack'],
      [['--stamp', 'trailer'], 2, '--stamp'],
    ]
    await Promise.all(
      cases.map(async ([args, code, text]) => {
        const r = await runCli(['bench', '--count', '10', '--quiet', ...args])
        expect({args, code: r.code}).toEqual({args, code})
        expect(r.stderr).toContain(text)
        expect(r.stderr.trim().split('\n')).toHaveLength(1)
      }),
    )
  })
})

// What the Kafka client sends, read off the wire by a proxy in front of the broker
// (wire-observer.ts). Not concurrent with the tests above: these judge timings, and each bench's
// start-up (connections, a new topic's leader) slows on a busy machine.
describe('bench knobs on the wire', () => {
  it.skipIf(!kafka)(
    'Kafka: --acks is the acks of every produce request on the wire; with none the broker answers none of them',
    async () => {
      const observer = await observeKafka(KAFKA_URL)
      const runs = [
        {acks: 'none', wire: 0, client: 'platformatic'},
        {acks: 'none', wire: 0, client: 'kafkajs'},
        {acks: 'leader', wire: 1, client: 'platformatic'},
        {acks: 'all', wire: -1, client: 'platformatic'},
      ] as const
      const topics = runs.map(({acks, client}) => uniqueName(`bench-acks-${acks}-${client}`))
      try {
        // One after another: each run's start-up (connections, a new topic's leader) is what is slow.
        for (const [index, {acks, wire, client}] of runs.entries()) {
          const result = await benchJson(withClient(observer.url, client), topics[index], ['--partitions', '1', '--count', '300', '--acks', acks])
          expect(result.integrity).toMatchObject({sent: 300, confirmed: 300, received: 300, lost: 0})
          const requests = observer.produced(topics[index])
          const run = `--acks ${acks} ?client=${client}`
          expect(requests.flatMap((request) => request.records).length, run).toBe(300)
          expect([...new Set(requests.map((request) => request.acks))], run).toEqual([wire])
          // Every other request was answered before bench could count its messages confirmed.
          expect(requests.filter((request) => request.answeredNs !== undefined).length, run).toBe(wire === 0 ? 0 : requests.length)
        }
      } finally {
        await observer.close()
        await Promise.all(topics.map((topic) => runCli(['delete', topic, '--url', KAFKA_URL, '--if-exists'])))
      }
    },
    180_000,
  )

  // With a 200 ms linger the message that opens a produce request waits out the whole linger
  // before the request leaves: the time from its send stamp to the request reaching the wire is at
  // least the injected delay. At two messages a second each message opens a request of its own, so
  // bench's publish latency is the linger too. Without --linger a message published while no
  // request is in flight leaves at once (one published while a request is in flight waits for it:
  // start-up, a slow broker). Bench's warmup keeps the start-up out of its figures.
  it.skipIf(!kafka)(
    "Kafka: --linger holds a publish that long before its request reaches the wire, and bench's publish latency shows it",
    async () => {
      const lingerMs = 200
      const observer = await observeKafka(KAFKA_URL)
      const runs = [`${lingerMs}ms`, undefined] as const
      const topics = runs.map((linger) => uniqueName(`bench-linger-${linger ?? 'none'}`))
      try {
        await Promise.all(
          runs.map(async (linger, index) => {
            const args = ['--partitions', '1', '--rate', '2', '--warmup', '5s', '--duration', '8s', ...(linger ? ['--linger', linger] : [])]
            const result = await benchJson(observer.url, topics[index], args)
            expect(result.integrity).toMatchObject({sent: 26, received: 26, lost: 0})
            const requests = observer.produced(topics[index])
            const requestsMs = requests.map((request) => {
              const sentNs = stampSentNs(request.records[0])!
              return {heldMs: (request.arrivedNs - sentNs) / 1e6, records: request.records.length, sentNs}
            })
            const alone = requestsMs.filter(({sentNs}, i) => i > 0 && sentNs > requests[i - 1].answeredNs!).map(({heldMs}) => heldMs)
            const publish = result.latency.publish
            const run = `--linger ${linger ?? '(none)'}: requests (records, ms from the first one's send stamp to the wire) ${requestsMs.map(({records, heldMs}) => `${records}:${heldMs.toFixed(1)}`).join(' ')}; publish latency min ${publish.min} p50 ${publish.p50} max ${publish.max} ms`
            expect(alone.length, run).toBeGreaterThanOrEqual(5)
            if (linger) {
              // A timer never fires early (Node rounds its delay to whole milliseconds).
              expect(Math.min(...requestsMs.map(({heldMs}) => heldMs)), run).toBeGreaterThanOrEqual(lingerMs - 1)
              expect(publish.p50, run).toBeGreaterThanOrEqual(lingerMs - 1)
            } else {
              expect(Math.min(...alone), run).toBeLessThan(lingerMs / 3)
              expect(publish.min, run).toBeLessThan(lingerMs / 3)
            }
          }),
        )
      } finally {
        await observer.close()
        await Promise.all(topics.map((topic) => runCli(['delete', topic, '--url', KAFKA_URL, '--if-exists'])))
      }
    },
    120_000,
  )
})
