// A TCP proxy in front of the Kafka broker that reads the Kafka protocol passing through it, so a
// test can see what a client really sent, independently of mqkit: its own parser, and its own
// reading of the clock bench stamps records with (process.hrtime: CLOCK_MONOTONIC, one clock for
// every process on the host).
//
// Clients bootstrap through it, and the broker's address in Metadata, FindCoordinator and
// DescribeCluster responses is rewritten to the proxy's port, so every later connection (the
// producer's to the partition leader, the consumers' to the group coordinator) goes through it
// too. One broker: the first address of the URL. It records each Produce request: its acks, its
// records (uncompressed ones with their headers), when it had fully arrived, and when (whether)
// the broker answered it.
import net from 'node:net'
import {brokerAddress} from '../../helpers/brokers.js'

export interface SeenRecord {
  topic: string
  partition: number
  /** Undefined for a compressed batch (not decoded). */
  headers: Record<string, string> | undefined
}

export interface SeenProduce {
  apiVersion: number
  acks: number
  /** CLOCK_MONOTONIC nanoseconds when the request's last byte reached the observer. */
  arrivedNs: number
  records: SeenRecord[]
  /** CLOCK_MONOTONIC nanoseconds when the broker's response arrived; undefined without one (acks=0). */
  answeredNs?: number
}

export interface WireObserver {
  /** The broker URL to give a client: the test URL's credentials and query, the proxy's address. */
  readonly url: string
  /** Produce requests with records for `topic`, in arrival order. */
  produced(topic: string): SeenProduce[]
  close(): Promise<void>
}

const API_PRODUCE = 0
/** Responses that carry broker addresses: Metadata, FindCoordinator, DescribeCluster. */
const ADDRESS_RESPONSES = new Set([3, 10, 60])
/** Produce requests use the flexible encoding (compact strings and arrays, tagged fields) from v9. */
const PRODUCE_FIRST_FLEXIBLE = 9
/** RecordBatch v2: the offset of the record count, and of the first record. */
const BATCH_COUNT_AT = 57
const BATCH_RECORDS_AT = 61

export async function observeKafka(brokerUrl: string): Promise<WireObserver> {
  const broker = brokerAddress(brokerUrl)
  const seen: SeenProduce[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(broker.port, broker.host)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.setNoDelay(true)
      socket.on('error', () => {})
      socket.on('close', () => {
        sockets.delete(socket)
        client.destroy()
        upstream.destroy()
      })
    }
    const requests = new Map<number, {apiKey: number; produce?: SeenProduce}>()
    client.on(
      'data',
      frames((frame) => {
        const arrivedNs = nowNs()
        const apiKey = frame.readInt16BE(4)
        const correlationId = frame.readInt32BE(8)
        const produce = apiKey === API_PRODUCE ? readProduce(frame, arrivedNs) : undefined
        if (produce) seen.push(produce)
        requests.set(correlationId, {apiKey, produce})
        upstream.write(frame)
      }),
    )
    upstream.on(
      'data',
      frames((frame) => {
        const correlationId = frame.readInt32BE(4)
        const request = requests.get(correlationId)
        requests.delete(correlationId)
        if (request?.produce) request.produce.answeredNs = nowNs()
        if (request && ADDRESS_RESPONSES.has(request.apiKey)) rewritePort(frame, broker.port, port)
        client.write(frame)
      }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  const authority = brokerUrl.replace(/^kafka:\/\//, '').split(/[/?#]/)[0]
  const credentials = authority.includes('@') ? authority.slice(0, authority.lastIndexOf('@') + 1) : ''
  return {
    url: `kafka://${credentials}127.0.0.1:${port}${brokerUrl.slice(`kafka://${authority}`.length)}`,
    produced: (topic) => seen.filter((request) => request.records.some((record) => record.topic === topic)),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** The bench stamp's send time (CLOCK_MONOTONIC ns) in a record's mqkit-stamp header, if any. */
export function stampSentNs(record: SeenRecord): number | undefined {
  const fields = record.headers?.['mqkit-stamp']?.split(':')
  return fields?.length === 7 ? Number(fields[4]) : undefined
}

function nowNs(): number {
  const [seconds, nanos] = process.hrtime()
  return seconds * 1e9 + nanos
}

/** Splits a byte stream into size-prefixed Kafka frames (size included). */
function frames(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let buffered = Buffer.alloc(0)
  return (chunk) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
    while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
      const size = 4 + buffered.readInt32BE(0)
      onFrame(Buffer.from(buffered.subarray(0, size)))
      buffered = buffered.subarray(size)
    }
  }
}

/**
 * Each broker port that follows a host name (a length-prefixed string: INT16 length, or a compact
 * string's unsigned varint length + 1) becomes `to`. Same width, so no size field changes.
 */
function rewritePort(frame: Buffer, from: number, to: number): void {
  for (let at = 8; at + 4 <= frame.length; at++) {
    if (frame.readInt32BE(at) !== from) continue
    let start = at
    while (start > 0 && /[\w.:[\]-]/.test(String.fromCharCode(frame[start - 1]))) start--
    for (let length = 1; length <= at - start; length++) {
      const prefixedCompact = frame[at - length - 1] === length + 1
      const prefixedInt16 = at - length - 2 >= 0 && frame.readInt16BE(at - length - 2) === length
      if (prefixedCompact || prefixedInt16) {
        frame.writeInt32BE(to, at)
        break
      }
    }
  }
}

class Reader {
  constructor(
    private readonly bytes: Buffer,
    public at: number,
  ) {}

  int16(): number {
    this.at += 2
    return this.bytes.readInt16BE(this.at - 2)
  }

  int32(): number {
    this.at += 4
    return this.bytes.readInt32BE(this.at - 4)
  }

  unsignedVarint(): number {
    let value = 0
    for (let shift = 1; ; shift *= 128) {
      const byte = this.bytes[this.at++]
      value += (byte & 0x7f) * shift
      if (byte < 0x80) return value
    }
  }

  /** Zigzag-encoded (record fields). */
  varint(): number {
    const raw = this.unsignedVarint()
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2
  }

  take(length: number): Buffer {
    this.at += length
    return this.bytes.subarray(this.at - length, this.at)
  }

  /** INT16 length (-1: null), or compact: unsigned varint length + 1 (0: null). */
  string(flexible: boolean): string | undefined {
    const length = flexible ? this.unsignedVarint() - 1 : this.int16()
    return length < 0 ? undefined : this.take(length).toString()
  }

  arrayLength(flexible: boolean): number {
    return flexible ? this.unsignedVarint() - 1 : this.int32()
  }

  taggedFields(): void {
    for (let count = this.unsignedVarint(); count > 0; count--) {
      this.unsignedVarint()
      this.take(this.unsignedVarint())
    }
  }
}

/** A Produce request (v3+: record batches v2): acks and records. */
function readProduce(frame: Buffer, arrivedNs: number): SeenProduce {
  const reader = new Reader(frame, 4)
  reader.int16() // api key
  const apiVersion = reader.int16()
  reader.int32() // correlation id
  reader.string(false) // client id: INT16 even in the flexible header
  const flexible = apiVersion >= PRODUCE_FIRST_FLEXIBLE
  if (flexible) reader.taggedFields()
  reader.string(flexible) // transactional id
  const acks = reader.int16()
  reader.int32() // timeout
  const records: SeenRecord[] = []
  for (let topics = reader.arrayLength(flexible); topics > 0; topics--) {
    const topic = reader.string(flexible) ?? ''
    for (let partitions = reader.arrayLength(flexible); partitions > 0; partitions--) {
      const partition = reader.int32()
      const batches = reader.take(flexible ? reader.unsignedVarint() - 1 : reader.int32())
      readBatches(batches, topic, partition, records)
      if (flexible) reader.taggedFields()
    }
    if (flexible) reader.taggedFields()
  }
  return {apiVersion, acks, arrivedNs, records}
}

function readBatches(batches: Buffer, topic: string, partition: number, into: SeenRecord[]): void {
  for (let at = 0; at + BATCH_RECORDS_AT <= batches.length; at += 12 + batches.readInt32BE(at + 8)) {
    const count = batches.readInt32BE(at + BATCH_COUNT_AT)
    const compressed = (batches.readInt16BE(at + 21) & 0x07) !== 0
    const reader = new Reader(batches, at + BATCH_RECORDS_AT)
    for (let index = 0; index < count; index++) {
      if (compressed) {
        into.push({topic, partition, headers: undefined})
        continue
      }
      const length = reader.varint()
      const end = reader.at + length
      reader.take(1) // attributes
      reader.varint() // timestamp delta
      reader.varint() // offset delta
      const keyLength = reader.varint()
      if (keyLength > 0) reader.take(keyLength)
      const valueLength = reader.varint()
      if (valueLength > 0) reader.take(valueLength)
      const headers: Record<string, string> = {}
      for (let count = reader.varint(); count > 0; count--) {
        const name = reader.take(reader.varint()).toString()
        const valueBytes = reader.varint()
        headers[name] = valueBytes < 0 ? '' : reader.take(valueBytes).toString()
      }
      into.push({topic, partition, headers})
      reader.at = end
    }
  }
}
