// @platformatic/kafka's Producer with its Produce API (versions 9 to 11, the flexible ones) writing
// record batches with record-batch.ts: the same request, field for field, as the library's
// produce-v9..v11 createRequest. Everything else (metadata, leaders, connections, retries,
// idempotence, responses and their errors) stays the library's. Other versions use the library's
// own API unchanged.
import type {API, Callback, MessageToProduce, Producer, ProducerOptions} from '@platformatic/kafka'
import type {ProducerLibrary} from './library.js'
import {type BatchMessage, type BatchOptions, encodeRecordBatch} from './record-batch.js'

type AnyApi = API<Array<unknown>, unknown>

/** Produce versions whose request this module writes (compact strings and arrays, tagged fields). */
const FLEXIBLE_PRODUCE_VERSIONS = new Set([9, 10, 11])

export type BatchProducer = Producer<string, Buffer, string, string> & {
  /**
   * Whether the broker takes a Produce version whose request this module writes: only then may
   * batchMessage()'s messages be sent (another version would send the batch as one record).
   */
  writesBatches(): Promise<boolean>
  /**
   * One message carrying all of `records` as the record batch of `topic`'s `partition`, encoded
   * now (with `compression`): the library's per-message work (serializers, partitioner, grouping,
   * encoding) is done once for the batch. Only for a producer without idempotence or transactions.
   */
  batchMessage(topic: string, partition: number, records: readonly BatchMessage[], compression: string): MessageToProduce<string, Buffer, string, string>
}

/** A Producer class whose produce requests carry record-batch.ts batches. */
export function fastProducerClass(library: ProducerLibrary): new (options: ProducerOptions<string, Buffer, string, string>) => BatchProducer {
  const {Writer, groupByProperty, crc32c, compressionsAlgorithms, createAPI} = library
  const codecs = {
    crc32c: (data: Buffer) => crc32c(data),
    compress: (algorithm: string) => (compressionsAlgorithms as Record<string, {bitmask: number; compressSync(data: Buffer): Buffer}>)[algorithm],
  }
  const parsers: Record<number, unknown> = {9: library.produceV9.parseResponse, 10: library.produceV10.parseResponse, 11: library.produceV11.parseResponse}

  /** The values of batchMessage()'s messages: whole record batches, sent as they are. */
  const batches = new WeakSet<Buffer>()
  const recordsOf = (messages: BatchMessage[], options: BatchOptions): Buffer => {
    const value = messages[0].value
    if (value == null || !batches.has(value)) return encodeRecordBatch(messages, options, codecs)
    if (messages.length > 1 || options.producerId !== undefined || options.transactionalId !== undefined)
      throw new Error("an encoded record batch must be its partition's only message, and is made for a producer without idempotence or transactions")
    return value
  }

  const createRequest = (acks: number, timeout: number, topicData: BatchMessage[], options: BatchOptions) => {
    const now = BigInt(Date.now())
    for (const message of topicData) {
      message.partition ??= 0
      message.timestamp ??= now
    }
    const writer = Writer.create()
      .appendString(options.transactionalId)
      .appendInt16(acks)
      .appendInt32(timeout)
      .appendArray(groupByProperty(topicData, 'topic'), (w, [topic, messages]) => {
        w.appendString(topic as string).appendArray(groupByProperty(messages as BatchMessage[], 'partition'), (w, [partition, messages]) => {
          const records = recordsOf(messages as BatchMessage[], options)
          w.appendInt32(Number(partition))
            .appendUnsignedVarInt(records.length + 1)
            .append(records)
        })
      })
      .appendTaggedFields()
    if (acks === 0) writer.context.noResponse = true // no response comes for acks 0
    return writer
  }

  // One replacement per library API object (one per negotiated version), made on first use.
  const replaced = new WeakMap<object, AnyApi>()
  const fast = (api: AnyApi): AnyApi => {
    let done = replaced.get(api)
    if (done === undefined) {
      done = createAPI(api.key, api.version, createRequest, parsers[api.version] as never) as AnyApi
      replaced.set(api, done)
    }
    return done
  }

  class FastProducer extends library.Producer<string, Buffer, string, string> {
    override [library.kGetApi]<A extends Array<unknown>, R>(name: string, callback: Callback<API<A, R>>): void {
      super[library.kGetApi]<A, R>(name, (error, api) => {
        if (error || api === undefined || name !== 'Produce' || !FLEXIBLE_PRODUCE_VERSIONS.has(api.version)) callback(error, api)
        else callback(null, fast(api as AnyApi) as unknown as API<A, R>)
      })
    }

    writesBatches(): Promise<boolean> {
      return new Promise((resolve, reject) =>
        super[library.kGetApi]('Produce', (error, api) => (error ? reject(error) : resolve(api !== undefined && FLEXIBLE_PRODUCE_VERSIONS.has(api.version)))),
      )
    }

    batchMessage(topic: string, partition: number, records: readonly BatchMessage[], compression: string): MessageToProduce<string, Buffer, string, string> {
      const value = encodeRecordBatch(records, {compression}, codecs)
      batches.add(value)
      return {topic, partition, value}
    }
  }
  return FastProducer
}
