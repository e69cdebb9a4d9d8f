// A Kafka record batch (magic 2) written in one pass into one buffer: the bytes
// @platformatic/kafka's createRecordsBatch writes for the same messages (test/drivers/kafka/
// record-batch.test.ts compares them), without its writer objects, varint buffers and
// concatenations per record, which cost more than the rest of a publish of short records.
// Format: https://kafka.apache.org/documentation/#recordbatch

/** Bytes, or text written as UTF-8; null and undefined are null on the wire. */
type Bytes = Buffer | string | null | undefined

/**
 * A record: as the library hands it to its produce API (key, value and headers already bytes,
 * headers a Map), or as the Publisher builds it (a string key, headers an object of strings).
 */
export interface BatchMessage {
  /** With `partition`, names the producer's sequence (idempotence) for the batch's first message. */
  topic?: string
  partition?: number
  key?: Bytes
  value?: Buffer | null
  headers?: Map<Buffer, Buffer | null | undefined> | Record<string, string | undefined>
  timestamp?: bigint | number
}

/** The library's produce options that reach the record batch (idempotence, transactions, codec). */
export interface BatchOptions {
  compression?: string
  producerId?: bigint
  producerEpoch?: number
  partitionLeaderEpoch?: number
  transactionalId?: string
  sequences?: {getWithDefault(key: string, fallback: number): number}
}

/** What the batch needs from the library: its CRC-32C and its codecs (gzip, ...). */
export interface BatchCodecs {
  crc32c(data: Buffer): number
  compress(algorithm: string): {bitmask: number; compressSync(data: Buffer): Buffer} | undefined
}

const MAGIC = 2
const IS_TRANSACTIONAL = 1 << 4
/** baseOffset(8) batchLength(4): before what batchLength counts. */
const LOG_OVERHEAD = 12
/** partitionLeaderEpoch(4) magic(1) crc(4): counted by batchLength, before what the CRC covers. */
const CRC_PREFIX = 9
/** attributes(2) lastOffsetDelta(4) firstTimestamp(8) maxTimestamp(8) producerId(8) producerEpoch(2) baseSequence(4) recordCount(4). */
const CRC_HEADER = 40
/** Where the records start. */
const RECORDS_AT = LOG_OVERHEAD + CRC_PREFIX + CRC_HEADER

/** Bytes of `value` as a zigzag varint (32-bit values: lengths, offset deltas). */
function varIntBytes(value: number): number {
  return unsignedVarIntBytes(zigzag(value))
}

function zigzag(value: number): number {
  // Exact for |value| < 2^52 (a timestamp delta in milliseconds is far below that).
  return value >= 0 ? value * 2 : -value * 2 - 1
}

function unsignedVarIntBytes(value: number): number {
  let bytes = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    bytes++
  }
  return bytes
}

function writeUnsignedVarInt(buffer: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    buffer[at++] = (value % 0x80) | 0x80
    value = Math.floor(value / 0x80)
  }
  buffer[at++] = value
  return at
}

const lengthOf = (bytes: Bytes): number => (bytes == null ? -1 : typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length)

/** Bytes of a length-prefixed field (varint length, then the bytes). */
const fieldBytes = (bytes: Bytes): number => {
  const length = lengthOf(bytes)
  return varIntBytes(length) + Math.max(length, 0)
}

function writeBytes(buffer: Buffer, at: number, bytes: Bytes): number {
  if (bytes == null) return writeUnsignedVarInt(buffer, at, 1) // zigzag(-1): null
  if (typeof bytes === 'string') {
    at = writeUnsignedVarInt(buffer, at, zigzag(Buffer.byteLength(bytes)))
    return at + buffer.write(bytes, at)
  }
  at = writeUnsignedVarInt(buffer, at, zigzag(bytes.length))
  return at + bytes.copy(buffer, at)
}

function headerCount(headers: BatchMessage['headers']): number {
  if (headers === undefined) return 0
  if (headers instanceof Map) return headers.size
  let count = 0
  for (const name in headers) if (headers[name] !== undefined) count++
  return count
}

/** The header count and headers, bytes. An object's undefined values are left out (as the library leaves them out). */
function headersBytes(headers: BatchMessage['headers']): number {
  let bytes = varIntBytes(headerCount(headers))
  if (headers instanceof Map) {
    for (const [name, value] of headers) bytes += fieldBytes(name) + fieldBytes(value)
  } else if (headers !== undefined) {
    for (const name in headers) {
      const value = headers[name]
      if (value !== undefined) bytes += fieldBytes(name) + fieldBytes(value)
    }
  }
  return bytes
}

function writeHeaders(buffer: Buffer, at: number, headers: BatchMessage['headers']): number {
  at = writeUnsignedVarInt(buffer, at, zigzag(headerCount(headers)))
  if (headers instanceof Map) {
    for (const [name, value] of headers) at = writeBytes(buffer, writeBytes(buffer, at, name), value)
  } else if (headers !== undefined) {
    for (const name in headers) {
      const value = headers[name]
      if (value !== undefined) at = writeBytes(buffer, writeBytes(buffer, at, name), value)
    }
  }
  return at
}

/**
 * One partition's messages as a record batch. Messages without a timestamp get `now` (the
 * library's produce request sets them before this runs). `codecs` comes from the library.
 */
export function encodeRecordBatch(messages: readonly BatchMessage[], options: BatchOptions, codecs: BatchCodecs): Buffer {
  const now = BigInt(Date.now())
  const firstTimestamp = toBigInt(messages[0].timestamp ?? now)
  let maxTimestamp = firstTimestamp
  const count = messages.length
  // Pass 1: each record's body length (what its length varint counts) and the batch's size.
  const bodyLengths = new Array<number>(count)
  const deltas = new Array<number>(count)
  let recordsBytes = 0
  for (let i = 0; i < count; i++) {
    const message = messages[i]
    const timestamp = message.timestamp === undefined ? now : toBigInt(message.timestamp)
    if (timestamp > maxTimestamp) maxTimestamp = timestamp
    const delta = timestamp === firstTimestamp ? 0 : Number(timestamp - firstTimestamp)
    deltas[i] = delta
    // attributes(1), timestamp delta, offset delta, key, value, header count and headers
    const body = 1 + varIntBytes(delta) + varIntBytes(i) + fieldBytes(message.key) + fieldBytes(message.value) + headersBytes(message.headers)
    bodyLengths[i] = body
    recordsBytes += varIntBytes(body) + body
  }

  // Pass 2: the records, after room for the header (filled in once the records are there).
  let buffer = Buffer.allocUnsafe(RECORDS_AT + recordsBytes)
  let at = RECORDS_AT
  for (let i = 0; i < count; i++) {
    const message = messages[i]
    at = writeUnsignedVarInt(buffer, at, zigzag(bodyLengths[i]))
    buffer[at++] = 0 // record attributes: unused
    at = writeUnsignedVarInt(buffer, at, zigzag(deltas[i]))
    at = writeUnsignedVarInt(buffer, at, zigzag(i))
    at = writeBytes(buffer, at, message.key)
    at = writeBytes(buffer, at, message.value)
    at = writeHeaders(buffer, at, message.headers)
  }

  let attributes = 0
  if (options.transactionalId) attributes |= IS_TRANSACTIONAL
  const compression = options.compression ?? 'none'
  if (compression !== 'none') {
    const algorithm = codecs.compress(compression)
    if (algorithm === undefined) throw new Error(`Unsupported compression algorithm ${compression}`)
    attributes |= algorithm.bitmask
    const compressed = algorithm.compressSync(buffer.subarray(RECORDS_AT))
    const header = buffer.subarray(0, RECORDS_AT)
    buffer = Buffer.allocUnsafe(RECORDS_AT + compressed.length)
    header.copy(buffer, 0)
    compressed.copy(buffer, RECORDS_AT)
  }

  const firstSequence = options.sequences ? options.sequences.getWithDefault(`${messages[0].topic}:${messages[0].partition}`, 0) : 0
  buffer.writeBigInt64BE(0n, 0) // baseOffset: the broker assigns offsets
  buffer.writeInt32BE(buffer.length - LOG_OVERHEAD, 8)
  buffer.writeInt32BE(options.partitionLeaderEpoch ?? 0, 12)
  buffer.writeInt8(MAGIC, 16)
  let header = LOG_OVERHEAD + CRC_PREFIX
  header = buffer.writeInt16BE(attributes, header)
  header = buffer.writeInt32BE(count - 1, header) // lastOffsetDelta
  header = buffer.writeBigInt64BE(firstTimestamp, header)
  header = buffer.writeBigInt64BE(maxTimestamp, header)
  header = buffer.writeBigInt64BE(options.producerId ?? -1n, header)
  header = buffer.writeInt16BE(options.producerEpoch ?? 0, header)
  header = buffer.writeInt32BE(firstSequence, header)
  buffer.writeInt32BE(count, header)
  buffer.writeUInt32BE(codecs.crc32c(buffer.subarray(LOG_OVERHEAD + CRC_PREFIX)) >>> 0, 17)
  return buffer
}

const toBigInt = (timestamp: bigint | number): bigint => (typeof timestamp === 'bigint' ? timestamp : BigInt(timestamp))
