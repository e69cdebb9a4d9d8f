// Per-key (per-partition) publish order on kafka://: thousands of publish() calls outstanding at
// once, split into many small produce requests, must land on each partition in publish order.
// Kafka's own producer promises this (idempotence or max.in.flight=1); kafkajs does not when
// several sendBatch() calls run at once, so the driver's Publisher must keep the order itself.
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'
import type {TopicInfo} from '../../../src/drivers/kafka/admin/admin.js'
import type {TopicCache} from '../../../src/drivers/kafka/admin/metadata.js'
import type {ProduceClient, ProduceRequest} from '../../../src/drivers/kafka/produce/produce-client.js'
import {Publisher} from '../../../src/drivers/kafka/produce/publish.js'
import type {Driver} from '../../../src/drivers/types.js'
import {KAFKA_URL, kafkaAvailable} from '../../helpers/brokers.js'
import {CLIENTS, collector, kafkaDriver, topicName, withClient} from './helpers.js'

const available = await kafkaAvailable()
const MESSAGES = 4000
const KEYS = 6

/** Out-of-order receipts per key: a sequence lower than one already seen for the same key. */
function outOfOrderPerKey(received: Array<{key: string | undefined; body: Buffer}>): number {
  const highest = new Map<string, number>()
  let outOfOrder = 0
  for (const {key, body} of received) {
    const sequence = Number(body.toString())
    const previous = highest.get(key ?? '') ?? -1
    if (sequence < previous) outOfOrder++
    else highest.set(key ?? '', sequence)
  }
  return outOfOrder
}

/** A producer whose send takes 0-2 ms; records what it was sent and how many calls overlapped. */
function fakeProducer() {
  const sent: string[] = []
  /** Records per send call. */
  const requests: number[] = []
  let inFlight = 0
  let maxInFlight = 0
  const producer: ProduceClient = {
    connect: async () => {},
    disconnect: async () => {},
    async send(request: ProduceRequest) {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      let records = 0
      for (const {records: list} of request.topics)
        for (const r of list) {
          sent.push(String(r.value))
          records++
        }
      requests.push(records)
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3)))
      inFlight--
    },
  }
  return {producer, sent, requests, maxInFlight: () => maxInFlight}
}

function fakePublisher(producer: ProduceClient, topics: Pick<TopicCache, 'peek' | 'get' | 'forget'>, batchSize = 7): Publisher {
  return new Publisher({
    producer: async () => producer,
    renewProducer: async () => producer,
    topicExists: async () => true,
    topics: topics as TopicCache,
    compression: 'none',
    lingerMs: 0,
    batchSize,
    brokers: 'fake:9092',
  })
}

const ONE_PARTITION: TopicInfo = {name: 't', partitions: [0], replication: 1}

describe('kafka Publisher order (fake producer)', () => {
  it('one produce request at a time, records in publish order, drain waits for all of them', async () => {
    const fake = fakeProducer()
    const publisher = fakePublisher(fake.producer, {peek: () => ONE_PARTITION, get: async () => ONE_PARTITION, forget: () => {}})
    const settled: string[] = []
    const expected: string[] = []
    for (let i = 0; i < 300; i++) {
      expected.push(String(i))
      void publisher.publish('t', {body: Buffer.from(String(i))}).then(() => settled.push(String(i)))
      if (i % 40 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    await publisher.drain()
    await new Promise((resolve) => setImmediate(resolve))
    expect(fake.maxInFlight()).toBe(1)
    expect(fake.sent).toEqual(expected)
    expect(settled).toEqual(expected)
  })

  it('after a request settles, the next one waits while its publisher refills it in slices: full requests, not the first slice', async () => {
    const fake = fakeProducer()
    const publisher = fakePublisher(fake.producer, {peek: () => ONE_PARTITION, get: async () => ONE_PARTITION, forget: () => {}}, 50)
    // A closed loop as bench runs it: at most 60 unconfirmed, sending in slices of 10 per event-loop turn.
    let outstanding = 0
    let wake: (() => void) | undefined
    const confirmed = () => {
      outstanding--
      wake?.()
    }
    for (let i = 0; i < 1000; i++) {
      while (outstanding >= 60) await new Promise<void>((resolve) => (wake = resolve))
      outstanding++
      publisher.publishCallback('t', {body: Buffer.from(String(i))}, confirmed, () => {})
      if (i % 10 === 9) await new Promise((resolve) => setImmediate(resolve))
    }
    await publisher.drain()
    const meanRecords = fake.requests.reduce((a, b) => a + b, 0) / fake.requests.length
    // Sent one turn after the previous request settled, requests alternated 50 and 30 (mean 40).
    expect(meanRecords, fake.requests.join(' ')).toBeGreaterThan(45)
    expect(fake.sent).toHaveLength(1000)
  })

  it('publishCallback: a confirm callback that throws leaves the rest of its batch confirmed once, and the throw is raised on its own turn', async () => {
    const fake = fakeProducer()
    const publisher = fakePublisher(fake.producer, {peek: () => ONE_PARTITION, get: async () => ONE_PARTITION, forget: () => {}}, 5)
    const raised: Array<() => void> = []
    vi.stubGlobal('queueMicrotask', (task: () => void) => raised.push(task))
    const confirms = [0, 0, 0, 0, 0]
    const failures: Error[] = []
    try {
      for (let i = 0; i < 5; i++) {
        publisher.publishCallback(
          't',
          {body: Buffer.from(String(i))},
          () => {
            confirms[i]++
            if (i === 1) throw new Error('bug in the caller')
          },
          (error) => failures.push(error),
        )
      }
      await publisher.drain()
    } finally {
      vi.unstubAllGlobals()
    }
    expect(confirms).toEqual([1, 1, 1, 1, 1])
    expect(failures).toEqual([])
    expect(raised).toHaveLength(1)
    expect(() => raised[0]()).toThrow('bug in the caller')
  })

  it('publishCallback: bad input calls failed at once, before it returns (no confirm, nothing sent)', () => {
    const fake = fakeProducer()
    const publisher = fakePublisher(fake.producer, {peek: () => ONE_PARTITION, get: async () => ONE_PARTITION, forget: () => {}})
    const outcomes: string[] = []
    publisher.publishCallback(
      't',
      {body: Buffer.from('x'), partition: 3},
      () => outcomes.push('confirmed'),
      (error) => outcomes.push(error.message),
    )
    publisher.publishCallback(
      't',
      {body: Buffer.from('x'), priority: 5},
      () => outcomes.push('confirmed'),
      (error) => outcomes.push(error.message),
    )
    expect(outcomes).toEqual(['partition 3 does not exist in topic "t" (partitions 0..0)', 'message priority is not supported on kafka://'])
    expect(fake.sent).toEqual([])
  })

  it('a publish made while the topic metadata arrives queues behind the publishes that waited for it', async () => {
    const fake = fakeProducer()
    let known: TopicInfo | undefined
    let lookup: Promise<TopicInfo> | undefined
    let publishMeanwhile = () => {}
    const publisher = fakePublisher(fake.producer, {
      peek: () => known,
      // Like TopicCache: one shared lookup, then hits. The cache learns the topic before the
      // waiting callers hear of it, and someone publishes in between: that publish must not
      // overtake the ones still waiting.
      get: () =>
        known !== undefined
          ? Promise.resolve(known)
          : (lookup ??= new Promise<TopicInfo>((resolve) =>
              setTimeout(() => {
                known = ONE_PARTITION
                publishMeanwhile()
                resolve(ONE_PARTITION)
              }, 5),
            )),
      forget: () => {},
    })
    const first = ['a', 'b', 'c'].map((body) => publisher.publish('t', {body: Buffer.from(body)}))
    let late: Promise<void> | undefined
    publishMeanwhile = () => (late = publisher.publish('t', {body: Buffer.from('d')}))
    await Promise.all(first)
    await late
    expect(fake.sent).toEqual(['a', 'b', 'c', 'd'])
  })
})

describe.runIf(available)('kafka publish order (real broker)', () => {
  const drivers: Driver[] = []
  const topics: string[] = []
  let admin: Driver
  beforeAll(async () => {
    admin = await kafkaDriver()
  })
  afterAll(async () => {
    for (const topic of topics) await admin.delete(topic).catch(() => {})
    await Promise.all([admin, ...drivers].map((d) => d.close()))
  })

  const cases: Array<{acks: -1 | 1; query: string}> = [
    {acks: 1, query: 'batchSize=20'},
    {acks: -1, query: 'batchSize=20'},
    {acks: 1, query: 'batchSize=50&compression=gzip'},
  ]
  for (const client of CLIENTS)
    for (const {acks, query} of cases) {
      it(`?client=${client}, acks ${acks}, ?${query}: ${MESSAGES} concurrent publishes over ${KEYS} keys keep per-key order`, async () => {
        const topic = topicName(`order-${acks === -1 ? 'all' : 'leader'}`)
        topics.push(topic)
        await admin.declare({name: topic, partitions: 3})
        const publisher = await kafkaDriver(withClient(`${KAFKA_URL}?${query}`, client))
        drivers.push(publisher)
        const publishes: Array<Promise<void>> = []
        for (let i = 0; i < MESSAGES; i++) {
          publishes.push(publisher.publish(topic, {body: Buffer.from(String(i)), key: `key-${i % KEYS}`, acks}))
          // Let some batches leave mid-stream, as a producer with a confirm window does.
          if (i % 700 === 0) await new Promise((resolve) => setImmediate(resolve))
        }
        await Promise.all(publishes)

        const consumer = await kafkaDriver()
        drivers.push(consumer)
        const sink = collector()
        const subscription = await consumer.consume(topic, {prefetch: 1000, from: {kind: 'beginning'}}, sink.handler)
        await sink.waitFor(MESSAGES, 30_000)
        await subscription.cancel()

        expect(sink.received).toHaveLength(MESSAGES)
        expect(new Set(sink.bodies()).size).toBe(MESSAGES)
        // Each key stays on one partition, and on each partition offsets follow publish order.
        expect(outOfOrderPerKey(sink.received)).toBe(0)
        const partitionsOfKey = new Map<string, Set<number | undefined>>()
        for (const d of sink.received) partitionsOfKey.set(d.key ?? '', (partitionsOfKey.get(d.key ?? '') ?? new Set()).add(d.partition))
        for (const partitions of partitionsOfKey.values()) expect(partitions.size).toBe(1)
      })
    }

  it("every client puts a key on the partition Java's producer would (murmur2, sign bit masked): the same one", async () => {
    const topic = topicName('key-placement')
    topics.push(topic)
    await admin.declare({name: topic, partitions: 7})
    const keys = Array.from({length: 40}, (_, i) => `customer-${i * 7919}`)
    for (const client of CLIENTS) {
      const publisher = await kafkaDriver(withClient(KAFKA_URL, client))
      drivers.push(publisher)
      // A first request, so that the keys go in a later one: @platformatic/kafka's producer places
      // the records of a topic whose partitions it knows itself (platformatic-producer.ts), the
      // first request's through the library's partitioner.
      await publisher.publish(topic, {body: Buffer.from('first'), key: keys[0]})
      await Promise.all(keys.map((key) => publisher.publish(topic, {body: Buffer.from(client), key})))
    }
    const consumer = await kafkaDriver()
    drivers.push(consumer)
    const sink = collector()
    const subscription = await consumer.consume(topic, {prefetch: 1000, from: {kind: 'beginning'}}, sink.handler)
    await sink.waitFor((keys.length + 1) * CLIENTS.length, 30_000)
    await subscription.cancel()
    const placement = (client: string) => Object.fromEntries(sink.received.filter((d) => d.body.toString() === client).map((d) => [d.key, d.partition]))
    for (const client of CLIENTS) expect(placement(client), client).toEqual(placement(CLIENTS[0]))
    // The first request's key (the library's partitioner) where the later requests put it.
    for (const first of sink.received.filter((d) => d.body.toString() === 'first')) expect(first.partition).toBe(placement(CLIENTS[0])[keys[0]])
    // Keys spread over several partitions (a partitioner answering 0 would pass the equality alone).
    expect(new Set(Object.values(placement(CLIENTS[0]))).size).toBeGreaterThan(3)
  })
})
