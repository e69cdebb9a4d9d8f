// Per-key (per-partition) publish order on kafka://: thousands of publish() calls outstanding at
// once, split into many small produce requests, must land on each partition in publish order.
// Kafka's own producer promises this (idempotence or max.in.flight=1); kafkajs does not when
// several sendBatch() calls run at once, so the driver's Publisher must keep the order itself.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Driver} from '../../src/drivers/types.js'
import {KAFKA_URL, kafkaAvailable} from '../helpers/brokers.js'
import {collector, kafkaDriver, topicName} from './helpers.js'

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
  for (const {acks, query} of cases) {
    it(`acks ${acks}, ?${query}: ${MESSAGES} concurrent publishes over ${KEYS} keys keep per-key order`, async () => {
      const topic = topicName(`order-${acks === -1 ? 'all' : 'leader'}`)
      topics.push(topic)
      await admin.declare({name: topic, partitions: 3})
      const publisher = await kafkaDriver(`${KAFKA_URL}?${query}`)
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
})
