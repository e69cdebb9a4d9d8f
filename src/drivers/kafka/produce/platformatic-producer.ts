// ProduceClient on @platformatic/kafka: one send() per produce request. The library is loaded on
// connect() (library.ts), so that a run on kafkajs never loads it.
import type {MessageToProduce, ProducerOptions} from '@platformatic/kafka'
import type {PlatformaticConnection} from '../config.js'
import {unreadableAnswer} from '../errors.js'
import {type ProducerLibrary, loadProducerLibrary} from './library.js'
import {type BatchProducer, fastProducerClass} from './produce-request.js'
import type {ProduceClient, ProduceRecord, ProduceRequest} from './produce-client.js'

/** Keys and header names/values are strings in mqkit; the wire wants bytes. Values are Buffers already. */
const toBytes = (text: string | undefined): Buffer | undefined => (text === undefined ? undefined : Buffer.from(text))

export function platformaticProducer(connection: PlatformaticConnection): ProduceClient {
  let producer: BatchProducer | undefined
  let place: Placement | undefined
  /** The broker takes requests whose record batches the producer encodes (produce-request.ts). */
  let writesBatches = false
  return {
    async connect() {
      const library = await loadProducerLibrary()
      const FastProducer = fastProducerClass(library)
      place = placement(library)
      producer = new FastProducer(producerOptions(connection, place))
      // Metadata, then a connection to every broker: "cannot reach" is an error here, not at the first send.
      await producer.connectToBrokers()
      writesBatches = await producer.writesBatches()
    },
    async disconnect() {
      await producer?.close(true)
    },
    async send({acks, compression, topics}: ProduceRequest) {
      if (producer === undefined) throw new Error('platformatic producer used before connect()')
      const messages: Array<MessageToProduce<string, Buffer, string, string>> = []
      for (const {topic, records} of topics) {
        // A topic whose partitions the library knows: one message per partition, its records
        // encoded as one batch. Otherwise (its first request) the library places and encodes each.
        const partitionCount = writesBatches ? producer.currentMetadata?.topics.get(topic)?.partitionsCount : undefined
        if (partitionCount !== undefined && place !== undefined) {
          for (const [partition, list] of byPartition(records, partitionCount, place)) messages.push(producer.batchMessage(topic, partition, list, compression))
        } else {
          for (const record of records) messages.push({topic, key: record.key, value: record.value, partition: record.partition, headers: record.headers})
        }
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

/** A record's partition before `% partitions`, from its key's bytes (undefined: no key). */
type Placement = (key: Buffer | undefined) => number

/**
 * With a key: murmur2 as Java's producer (and kafkajs's DefaultPartitioner) places it; the
 * library's own default does not mask the sign bit, so a key would land elsewhere. Without a
 * key: round robin. One counter for the library's partitioner and byPartition().
 */
function placement(library: ProducerLibrary): Placement {
  let roundRobin = 0
  return (key) => (key === undefined ? (roundRobin = (roundRobin + 1) & 0x7fffffff) : library.compatibilityPartitioner(undefined as never, key))
}

/** Records by partition, in order within each: an explicit partition, else placed as the library's partitioner would. */
function byPartition(records: readonly ProduceRecord[], partitionCount: number, place: Placement): Map<number, ProduceRecord[]> {
  const partitions = new Map<number, ProduceRecord[]>()
  for (const record of records) {
    const partition = record.partition ?? place(toBytes(record.key)) % partitionCount
    let list = partitions.get(partition)
    if (list === undefined) partitions.set(partition, (list = []))
    list.push(record)
  }
  return partitions
}

function producerOptions(connection: PlatformaticConnection, place: Placement): ProducerOptions<string, Buffer, string, string> {
  return {
    ...connection,
    autocreateTopics: false,
    // The library applies `% partitions`.
    partitioner: (_message, key) => place(key),
    serializers: {key: toBytes, headerKey: toBytes, headerValue: toBytes},
  }
}
