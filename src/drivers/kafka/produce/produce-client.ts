// What the Publisher (publish.ts) needs from a Kafka wire client: send one produce request's
// records with an acks level and a codec, and hear that all of them were taken or why none was.
// Each client (kafkajs, @platformatic/kafka) implements it in its own module; batching, order,
// byte bounds and error mapping stay in publish.ts and ../errors.ts, the same for both.

export type Acks = -1 | 0 | 1

export type Compression = 'none' | 'gzip'

/** The wire clients a kafka:// URL can name with ?client=. */
export const KAFKA_CLIENTS = ['kafkajs', 'platformatic'] as const
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number]

/** One record as the Publisher builds it. (kafkajs's Message shape: its producer sends it as is.) */
export interface ProduceRecord {
  value: Buffer
  key?: string
  /** Explicit partition, already checked against the topic's partition count. */
  partition?: number
  headers?: Record<string, string>
}

export interface TopicRecords {
  topic: string
  records: ProduceRecord[]
}

export interface ProduceRequest {
  acks: Acks
  compression: Compression
  topics: TopicRecords[]
}

/**
 * A connected producer. send() resolves once the broker took every record as `acks` asks, or
 * rejects with the client's own error (../errors.ts classifies both clients' errors), in which case
 * no record counts as taken. Records without a partition go to murmur2(key) mod partitions, as
 * Java's producer places them (so both clients put a key on the same partition), or round robin
 * when they have no key. Calls are made one at a time (publish.ts keeps order that way).
 */
export interface ProduceClient {
  connect(): Promise<void>
  send(request: ProduceRequest): Promise<void>
  disconnect(): Promise<void>
}
