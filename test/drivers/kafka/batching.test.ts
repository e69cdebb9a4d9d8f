// The Kafka publisher's batching, against a recording stand-in for a wire client's producer (the real
// broker's side is in the conformance suite and ordering.test.ts): produce requests are bounded
// by bytes as well as by count, so that no partition's record batch crosses the broker's
// message.max.bytes (1 MB by default) and bounces back MESSAGE_TOO_LARGE.
import {describe, expect, it} from 'vitest'
import {MAX_REQUEST_RECORD_BYTES, Publisher, recordBytes} from '../../../src/drivers/kafka/produce/publish.js'
import type {TopicCache} from '../../../src/drivers/kafka/admin/metadata.js'
import type {ProduceClient, ProduceRecord} from '../../../src/drivers/kafka/produce/produce-client.js'

function recordingPublisher(batchSize: number) {
  const requests: ProduceRecord[][] = []
  const producer: ProduceClient = {
    connect: async () => {},
    disconnect: async () => {},
    send: async (request) => {
      requests.push(request.topics.flatMap((t) => t.records))
    },
  }
  const info = {partitions: [{partitionId: 0}]}
  const topics = {peek: () => info, get: async () => info, forget: () => {}} as unknown as TopicCache
  const publisher = new Publisher({
    producer: async () => producer,
    renewProducer: async () => producer,
    topicExists: async () => true,
    topics,
    compression: 'none',
    lingerMs: 0,
    batchSize,
    brokers: 'test',
  })
  return {publisher, requests}
}

describe('kafka publisher batching', () => {
  it('splits a burst by bytes (≤ MAX_REQUEST_RECORD_BYTES per request) as well as by count, in order', async () => {
    const {publisher, requests} = recordingPublisher(1000)
    const body = Buffer.alloc(2048, 1)
    const count = 1500 // 3 MB: at least four requests by bytes, though two would do by count
    await Promise.all(Array.from({length: count}, (_, i) => publisher.publish('t', {body, headers: {n: String(i)}})))
    expect(requests.length).toBeGreaterThanOrEqual(4)
    for (const request of requests) {
      const bytes = request.reduce((sum, record) => sum + recordBytes(record), 0)
      expect(bytes).toBeLessThanOrEqual(MAX_REQUEST_RECORD_BYTES)
    }
    expect(requests.flat().map((record) => record.headers!.n)).toEqual(Array.from({length: count}, (_, i) => String(i)))
  })

  it('still fills a request up to batchSize when the records are small', async () => {
    const {publisher, requests} = recordingPublisher(100)
    await Promise.all(Array.from({length: 250}, () => publisher.publish('t', {body: Buffer.from('x')})))
    expect(requests.map((r) => r.length)).toEqual([100, 100, 50])
  })
})
