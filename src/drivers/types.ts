// The driver contract: the only surface through which commands, bench and tests talk to a
// broker. Kept narrow on purpose (OpenMessaging Benchmark style): declare / delete / publish /
// consume / inspect. Library types (amqplib, kafkajs, better-sqlite3) never leave a driver.
// Drivers never time anything and never print; they throw MqkitError subclasses (src/errors.ts).

export type BackendName = 'memory' | 'local' | 'amqp' | 'kafka'

/**
 * What a backend can do. A feature that is false is refused with UnsupportedError, never faked.
 * A driver declares these; the optional ones' @default values live in defaults.ts
 * (FEATURE_DEFAULTS), and Driver.features has them filled in.
 */
export interface Features {
  /** Per-message priority honoured when the queue is declared with maxPriority. */
  priority: boolean
  /** Per-queue message TTL (ttlMs) with expiry. */
  ttl: boolean
  /** Per-message expiration (OutgoingMessage.expirationMs). */
  messageTtl: boolean
  /** Expired / rejected messages routed to a dead-letter target. */
  deadLetter: boolean
  /** maxLength with overflow policy. */
  maxLength: boolean
  /** nack(requeue=true) puts a message back for redelivery. */
  requeue: boolean
  /** Delivery.deliveryCount is the true count (not just 1 or 2 from the redelivered flag). */
  deliveryCount: boolean
  /** Where ordering holds: the whole queue, or per partition (key). */
  ordering: 'queue' | 'partition'
  /** Queues are split into partitions (QueueSpec.partitions honoured). */
  partitions: boolean
  /** Messages survive a broker restart when durable/persistent. */
  persistence: boolean
  /** Several consumers on one queue share its messages (for Kafka: within one group). */
  competingConsumers: boolean
  /** Exchanges / routing (OutgoingMessage.exchange honoured). */
  exchanges: boolean
  /** Unacked messages return to the queue when their consumer goes away. */
  redeliverOnClose: boolean
  /** Several separate processes can share queues through this backend. */
  crossProcess: boolean
  /**
   * What publish() to a queue that does not exist does: rejects with NotFoundError, silently
   * drops the message (AMQP default exchange without mandatory) or auto-creates it (Kafka).
   * @default 'not-found'
   */
  missingQueueOnPublish?: 'not-found' | 'dropped' | 'auto-created'
  /** Subscription.ended resolves {kind: 'deleted'} when its queue is deleted. @default true */
  endsOnDelete?: boolean
  /**
   * Delivery.key is the key the message was published with to a queue (false for AMQP, where
   * the key of a message published to a queue is the queue name). @default true
   */
  keyPreserved?: boolean
  /**
   * The backend has an end of log: ConsumeOptions.exitAtEnd is honoured, and the subscription
   * ends with {kind: 'end'} once every assigned partition has been read up to its end. Queue
   * brokers have no such point (a queue is never "read to the end"). @default false
   */
  endOfLog?: boolean
  /**
   * Consuming does not remove messages (a log): what a consumer group still has to read is its
   * lag, which inspect() reports per group (InspectOptions.group). Queue brokers count one backlog
   * per queue, whoever consumes it. @default false
   */
  backlogIsGroupLag?: boolean
}

/** Features as a driver exposes them: every optional one filled in (defaults.ts withFeatureDefaults). */
export type DriverFeatures = Readonly<Required<Features>>

export type Overflow = 'drop-head' | 'reject-publish'

/** Backend-neutral queue (or topic) declaration. Undefined fields mean "backend default". */
export interface QueueSpec {
  name: string
  durable?: boolean
  /** Message time-to-live in milliseconds (Kafka: retention.ms). */
  ttlMs?: number
  /** Maximum number of ready messages. */
  maxLength?: number
  /** What happens when maxLength is reached. @default 'drop-head' */
  overflow?: Overflow
  /** Name of the queue (memory/local) or exchange (AMQP) that receives dead letters. */
  deadLetter?: string
  /** AMQP: routing key used for dead letters. */
  deadLetterKey?: string
  /** Highest priority accepted (0..255); messages above it are clamped. */
  maxPriority?: number
  partitions?: number
  replication?: number
  /** AMQP: exclusive to the declaring connection. */
  exclusive?: boolean
  /** AMQP: deleted when its last consumer goes away. */
  autoDelete?: boolean
  /** AMQP x-expires: the queue is deleted after this long unused. */
  expiresMs?: number
  /** AMQP x-max-length-bytes. */
  maxLengthBytes?: number
  /** AMQP x-queue-type. */
  queueType?: 'classic' | 'quorum' | 'stream'
  /** AMQP x-single-active-consumer. */
  singleActiveConsumer?: boolean
  /** Raw backend arguments (x-queue-type, cleanup.policy, ...), already typed. */
  args?: Record<string, string | number | boolean>
}

/** AMQP exchanges (features.exchanges); other backends refuse with UnsupportedError. */
export interface ExchangeSpec {
  name: string
  type: 'direct' | 'fanout' | 'topic' | 'headers'
  durable?: boolean
  autoDelete?: boolean
  internal?: boolean
  alternateExchange?: string
  args?: Record<string, string | number | boolean>
}

export interface BindingSpec {
  /** Exchange the messages come from. */
  source: string
  destination: string
  destinationType: 'queue' | 'exchange'
  routingKey?: string
  /** Headers-exchange match arguments (x-match etc.). */
  args?: Record<string, string | number | boolean>
}

export interface DeclareResult {
  /** False when an identical queue already existed. */
  created: boolean
}

export type Headers = Record<string, string>

export interface OutgoingMessage {
  body: Buffer
  /** Kafka: record key (partitioning). AMQP: routing key when `exchange` is set. */
  key?: string
  headers?: Headers
  priority?: number
  persistent?: boolean
  /** Per-message TTL in milliseconds (features.messageTtl). */
  expirationMs?: number
  messageId?: string
  correlationId?: string
  contentType?: string
  /** Kafka: explicit partition. */
  partition?: number
  /** AMQP: publish to this exchange (with `key` as routing key) instead of the queue. */
  exchange?: string
  /**
   * AMQP: unroutable messages come back and the publish rejects with DeliveryError('unroutable').
   * Queue targets default to true: RabbitMQ drops a message for a missing queue without a word,
   * and the return is the only news of it (NotFoundError). false skips that check for a caller
   * that knows the queue exists and would notice a loss itself (bench declares its queues and
   * counts every message), sparing the broker the mandatory routing work.
   */
  mandatory?: boolean
  /** Kafka: acks required (-1 all, 1 leader, 0 none). */
  acks?: -1 | 0 | 1
}

export interface Delivery {
  queue: string
  body: Buffer
  key?: string
  headers: Headers
  priority?: number
  messageId?: string
  correlationId?: string
  contentType?: string
  /** True when the broker delivered this message before (to this or another consumer). */
  redelivered: boolean
  /** 1 on first delivery. Exact where features.deliveryCount, else 1 or 2 from the flag. */
  deliveryCount: number
  /** When the broker accepted the message, epoch milliseconds (0 when unknown). */
  timestampMs: number
  partition?: number
  /** Kafka offset, as a decimal string. */
  offset?: string
  /** Settle the message. Exactly one of ack/nack/reject per delivery; later calls are ignored. */
  ack(): Promise<void>
  /** Return the message for redelivery (requeue=true) or drop it to the dead-letter target. */
  nack(requeue: boolean): Promise<void>
}

export type StartPosition =
  /**
   * Kafka: what the topic holds, as a queue consumer gets what the queue holds (a named group's
   * committed offsets, else the beginning). RabbitMQ streams: the broker's default ('next').
   */
  {kind: 'default'} | {kind: 'beginning'} | {kind: 'end'} | {kind: 'offset'; offset: string} | {kind: 'timestamp'; epochMs: number}

export interface ConsumeOptions {
  /** Most unacknowledged deliveries in flight to this consumer. @default 100 (defaults.ts DEFAULT_PREFETCH) */
  prefetch?: number
  /** The broker settles on delivery; ack/nack become no-ops. @default false */
  autoAck?: boolean
  /** Kafka consumer group; consumers with the same group compete. Ignored by queue brokers. */
  group?: string
  /** Where a log-based backend starts reading (Kafka, RabbitMQ streams). */
  from?: StartPosition
  /**
   * AMQP: acknowledge with multiple=true once this many deliveries are settled, covering only a
   * contiguous run of settled delivery tags; other backends settle each message individually.
   */
  ackEvery?: number
  /**
   * Kafka: least time between the starts of two offset commits, in milliseconds; the acks made
   * meanwhile share the next commit. An ack still settles only once a commit covering it is
   * confirmed; a consumer that dies without closing (kill -9) gets up to this much more again.
   * @default 0 — one commit per event-loop turn with acks (and one commit in flight at a time)
   */
  commitIntervalMs?: number
  /**
   * features.endOfLog only: end the subscription with {kind: 'end'} once every partition assigned
   * to it has been read up to its end (the high-water mark when the partition was assigned; kcat
   * -e) and every delivery was settled and its commit confirmed. @default false
   */
  exitAtEnd?: boolean
}

export type EndReason =
  | {kind: 'cancelled'} // we cancelled it
  | {kind: 'deleted'; message: string} // the queue went away
  | {kind: 'connection-lost'; message: string}
  | {kind: 'end'} // exitAtEnd: everything assigned was read, settled and committed

export interface Subscription {
  /** Stop deliveries. Unacked deliveries stay pending until acked/nacked or the connection closes. */
  cancel(): Promise<void>
  /** Resolves when the subscription ends for any reason. */
  readonly ended: Promise<EndReason>
  /**
   * Acknowledged deliveries whose acknowledgement the broker has not confirmed (Kafka: offsets
   * not yet committed), so they may be delivered again. Absent where acks cannot go missing.
   */
  uncommitted?(): number
}

export type MessageHandler = (delivery: Delivery) => void | Promise<void>

export interface QueueStats {
  name: string
  /** Messages waiting to be delivered (Kafka: group lag when a group is given, else total retained). */
  ready: number
  /** Delivered but not yet acknowledged. */
  inFlight: number
  consumers: number
  /** Kafka: consumer-group lag. */
  lag?: number
  /** Backend-specific facts (partitions, offsets, queue type, rates...), JSON-safe. */
  extras: Record<string, unknown>
}

export interface InspectOptions {
  /** Kafka: compute lag for this consumer group. */
  group?: string
}

export interface InspectResult {
  queues: QueueStats[]
  /** Where the figures came from, e.g. "management API http://host:15672" or "passive declare". */
  source: string
  /** Backend-level facts (store file and size, broker version...). */
  extras: Record<string, unknown>
}

export interface Driver {
  readonly backend: BackendName
  readonly features: DriverFeatures
  /** Safe to print: the connection URL with secrets removed. */
  readonly displayUrl: string
  connect(): Promise<void>
  /** Close everything; unacked deliveries return to their queues where the backend does that. */
  close(): Promise<void>
  /** Idempotent for an identical spec; PreconditionError naming the differing setting otherwise. */
  declare(spec: QueueSpec): Promise<DeclareResult>
  /** NotFoundError when the queue does not exist. */
  delete(name: string): Promise<void>
  /** Remove ready messages; returns how many were removed. */
  purge(name: string): Promise<number>
  /** Resolves only once the broker has taken the message; rejects with DeliveryError on nack/return. */
  publish(queue: string, message: OutgoingMessage): Promise<void>
  /**
   * publish() with callbacks instead of a promise, for a publisher on its hot path (bench): no
   * promise, no promise reaction and no extra microtask per message. Same semantics as publish():
   * exactly one of the two is called, once; possibly before this returns (bad input). A callback
   * must not throw. Optional: callers go through publishWithCallbacks() (publish-callbacks.ts),
   * which falls back on publish().
   */
  publishCallback?(queue: string, message: OutgoingMessage, confirmed: () => void, failed: (error: Error) => void): void
  /** Deliveries are pushed to the handler, at most `prefetch` unacked at a time. */
  consume(queue: string, options: ConsumeOptions, handler: MessageHandler): Promise<Subscription>
  /** features.exchanges only. */
  declareExchange?(spec: ExchangeSpec): Promise<DeclareResult>
  deleteExchange?(name: string): Promise<void>
  bind?(spec: BindingSpec): Promise<void>
  unbind?(spec: BindingSpec): Promise<void>
  /** Stats for the named queues, or all queues the backend can list when `names` is empty. */
  inspect(names: string[], options?: InspectOptions): Promise<InspectResult>
  /**
   * What the driver can tell about the broker and its client library, for result metadata.
   * Keys by convention: `server.product`, `server.version`, `client.library`, `client.version`
   * (others allowed). Optional: absent where a backend cannot tell. Connected drivers only.
   */
  serverInfo?(): Promise<Record<string, string>>
}

export interface DriverContext {
  /** Client/connection name shown to operators, e.g. "mqkit 0.1.0 consume". */
  clientName: string
  /** Connection timeout in milliseconds. @default 10000 (defaults.ts DEFAULT_CONNECT_TIMEOUT_MS) */
  connectTimeoutMs?: number
  /**
   * Aborted when the run is interrupted (SIGINT/SIGTERM): a driver stops waiting (e.g. the local
   * store for another process's lock), rejects with the signal's reason, and closes without waiting.
   */
  signal?: AbortSignal
}

export type DriverFactory = (url: import('../url.js').ParsedUrl, context: DriverContext) => Driver
