// @platformatic/kafka's Producer with its Produce API (versions 9 to 11, the flexible ones) writing
// record batches with record-batch.ts: the same request, field for field, as the library's
// produce-v9..v11 createRequest. Everything else (metadata, leaders, connections, retries,
// idempotence, responses and their errors) stays the library's. Other versions use the library's
// own API unchanged.
import type {API, Callback, Producer, ProducerOptions} from '@platformatic/kafka'
import {type BatchMessage, type BatchOptions, encodeRecordBatch} from './record-batch.js'

type Library = typeof import('@platformatic/kafka')

type AnyApi = API<Array<unknown>, unknown>

/** Produce versions whose request this module writes (compact strings and arrays, tagged fields). */
const FLEXIBLE_PRODUCE_VERSIONS = new Set([9, 10, 11])

/** A Producer class whose produce requests carry record-batch.ts batches. */
export function fastProducerClass(
  library: Library,
): new (
  options: ProducerOptions<string, Buffer, string, string>,
) => Producer<string, Buffer, string, string> {
  const {Writer, groupByProperty, crc32c, compressionsAlgorithms, createAPI} = library
  const codecs = {
    crc32c: (data: Buffer) => crc32c(data),
    compress: (algorithm: string) => (compressionsAlgorithms as Record<string, {bitmask: number; compressSync(data: Buffer): Buffer}>)[algorithm],
  }
  const parsers: Record<number, unknown> = {9: library.produceV9.parseResponse, 10: library.produceV10.parseResponse, 11: library.produceV11.parseResponse}

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
          const records = encodeRecordBatch(messages as BatchMessage[], options, codecs)
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
  }
  return FastProducer
}
