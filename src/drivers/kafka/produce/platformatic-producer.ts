// ProduceClient on @platformatic/kafka: one send() per produce request. The library is loaded on
// connect(), so that a run on kafkajs never loads it.
import type {MessageToProduce, Producer, ProducerOptions} from '@platformatic/kafka'
import type {PlatformaticConnection} from '../config.js'
import {unreadableAnswer} from '../errors.js'
import {fastProducerClass} from './produce-request.js'
import type {ProduceClient, ProduceRequest} from './produce-client.js'

type Library = typeof import('@platformatic/kafka')

/** Keys and header names/values are strings in mqkit; the wire wants bytes. Values are Buffers already. */
const toBytes = (text: string | undefined): Buffer | undefined => (text === undefined ? undefined : Buffer.from(text))

export function platformaticProducer(connection: PlatformaticConnection): ProduceClient {
  let producer: Producer<string, Buffer, string, string> | undefined
  return {
    async connect() {
      const library: Library = await import('@platformatic/kafka')
      const FastProducer = fastProducerClass(library)
      producer = new FastProducer(producerOptions(library, connection))
      // Metadata, then a connection to every broker: "cannot reach" is an error here, not at the first send.
      await producer.connectToBrokers()
    },
    async disconnect() {
      await producer?.close(true)
    },
    async send({acks, compression, topics}: ProduceRequest) {
      if (producer === undefined) throw new Error('platformatic producer used before connect()')
      const messages: Array<MessageToProduce<string, Buffer, string, string>> = []
      for (const {topic, records} of topics) {
        for (const record of records) messages.push({topic, key: record.key, value: record.value, partition: record.partition, headers: record.headers})
      }
      try {
        await producer.send({messages, acks, compression})
      } catch (error) {
        if (!unreadableAnswer(error)) throw error
        // Most likely a leader moved (../errors.ts unreadableAnswer): forget the leaders, as the
        // library does for a NOT_LEADER_OR_FOLLOWER it can read, and send once more. Still the
        // only request in flight, so order holds; the records may have been written (at least
        // once, as any retried produce).
        producer.clearMetadata()
        await producer.send({messages, acks, compression})
      }
    },
  }
}

function producerOptions(library: Library, connection: PlatformaticConnection): ProducerOptions<string, Buffer, string, string> {
  let roundRobin = 0
  return {
    ...connection,
    autocreateTopics: false,
    // With a key: murmur2 as Java's producer (and kafkajs's DefaultPartitioner) places it; the
    // library's own default does not mask the sign bit, so a key would land elsewhere. Without a
    // key: round robin (the library applies `% partitions`).
    partitioner: (message, key) => (key === undefined ? (roundRobin = (roundRobin + 1) & 0x7fffffff) : library.compatibilityPartitioner(message, key)),
    serializers: {key: toBytes, headerKey: toBytes, headerValue: toBytes},
  }
}
