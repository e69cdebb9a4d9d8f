// kafkajs and @platformatic/kafka errors → mqkit errors, at the driver boundary. Both wrap the
// interesting error in layers (kafkajs: KafkaJSNumberOfRetriesExceeded → cause,
// KafkaJSAggregateError → errors[], KafkaJSNonRetriableError → cause; @platformatic/kafka:
// MultipleErrors → errors[], ResponseError → errors[] of ProtocolError, NetworkError → cause),
// so we unwrap to the innermost typed one first. A broker error code reads the same from either
// client: kafkajs's `type`, or @platformatic/kafka's `apiId` under kafkajs's name (NORMALISED).
import {ConnectionError, DeliveryError, MqkitError, NotFoundError, PreconditionError, TimeoutError, UsageError} from '../../errors.js'
import {tlsProblem} from './tls-errors.js'

interface KafkaJsLikeError {
  name?: string
  message?: string
  type?: string
  code?: string
  broker?: string
  cause?: unknown
  errors?: unknown[]
  /** KafkaJSDeleteTopicRecordsError: per-partition errors. */
  partitions?: Array<{error?: unknown}>
  /** @platformatic/kafka ProtocolError: the broker's error code name. */
  apiId?: string
}

/** @platformatic/kafka's names for broker error codes that kafkajs (and this module) name otherwise. */
const NORMALISED: Record<string, string> = {NOT_LEADER_OR_FOLLOWER: 'NOT_LEADER_FOR_PARTITION'}

/** @platformatic/kafka's code for an error of its network layer (refused, reset, TLS, timeouts). */
const PLATFORMATIC_NETWORK = 'PLT_KFK_NETWORK'
const PLATFORMATIC_AUTHENTICATION = 'PLT_KFK_AUTHENTICATION'

/** A broker error code carried by a @platformatic/kafka error, as kafkajs names it. */
function platformaticType(error: KafkaJsLikeError): string | undefined {
  if (typeof error.apiId === 'string') return NORMALISED[error.apiId] ?? error.apiId
  // Its metadata step reports UNKNOWN_TOPIC_OR_PARTITION as a UserError of its own, cause dropped.
  if (error.code === 'PLT_KFK_USER' && /^Unknown topic /.test(error.message ?? '')) return 'UNKNOWN_TOPIC_OR_PARTITION'
  return undefined
}

/** @platformatic/kafka's error for an operation it retried: `errors` holds one per attempt. */
function retriedAttempts(error: KafkaJsLikeError): boolean {
  return error.code === 'PLT_KFK_MULTIPLE' && / failed \d+ times\.$/.test(error.message ?? '')
}

/**
 * @platformatic/kafka could not decode a broker's answer (its reader ran past the end). Seen with
 * Produce v10+ answers that carry KIP-951 tagged fields, which its reader does not skip: a
 * NOT_LEADER_OR_FOLLOWER naming the new leader, as a broker that is stopping or has lost a
 * partition's leadership sends. The library then neither knows the error nor refreshes metadata.
 */
export function unreadableAnswer(error: unknown): boolean {
  let found = false
  walk(error, (e) => (found ||= e.code === 'OUT_OF_BOUNDS'))
  return found
}

/** True when `error` or anything it wraps is @platformatic/kafka's error with `code`. */
function wrapsPlatformatic(error: unknown, code: string): boolean {
  let found = false
  walk(error, (e) => (found ||= e.code === code))
  return found
}

function walk(error: unknown, visit: (error: KafkaJsLikeError) => void, depth = 0): void {
  if (!error || typeof error !== 'object' || depth > 10) return
  const e = error as KafkaJsLikeError
  visit(e)
  if (Array.isArray(e.errors)) for (const inner of e.errors) walk(inner, visit, depth + 1)
  walk(e.cause, visit, depth + 1)
}

/** The innermost error that says what actually went wrong. */
export function rootKafkaError(error: unknown): KafkaJsLikeError {
  let current = error as KafkaJsLikeError
  for (let depth = 0; depth < 10 && current && typeof current === 'object'; depth++) {
    if (current.type) return current // a broker protocol error code: as precise as it gets
    const type = platformaticType(current)
    if (type !== undefined) return {...current, message: current.message, name: current.name, type}
    if (Array.isArray(current.errors) && current.errors.length > 0) {
      // A retried operation's errors are its attempts, oldest first: the last says how it ended
      // (a broker stopping answers one request it then cannot finish, the retries are refused).
      current = (retriedAttempts(current) ? current.errors.at(-1) : current.errors[0]) as KafkaJsLikeError
      continue
    }
    if (Array.isArray(current.partitions) && current.partitions[0]?.error) {
      current = current.partitions[0].error as KafkaJsLikeError
      continue
    }
    if (current.cause && typeof current.cause === 'object') {
      current = current.cause as KafkaJsLikeError
      continue
    }
    break
  }
  return current ?? {}
}

/**
 * kafkajs's fetchTopicMetadata throws "Cannot read properties of null (reading 'topicMetadata')"
 * when its metadata request failed: the broker pool's withBroker() swallows the error and answers
 * null. It happens right after a topic is deleted, under load: the client's cached metadata still
 * names it (so it does not refresh), and the broker no longer knows it.
 */
export function metadataRequestFailed(error: unknown): boolean {
  // describeCluster destructures `brokers` from the same null answer.
  return error instanceof TypeError && /'(topicMetadata|brokers)'/.test(error.message) && error.message.includes('null')
}

/** Broker protocol error code (UNKNOWN_TOPIC_OR_PARTITION, ...) anywhere in the chain. */
export function kafkaErrorType(error: unknown): string | undefined {
  return rootKafkaError(error).type
}

export interface ErrorContext {
  /** What we were doing, e.g. `publish to "orders"`. */
  action: string
  /** Topic concerned, for not-found messages. */
  topic?: string
  /** Broker list for connection messages. */
  brokers?: string
}

/** Map any kafkajs (or other) error to a one-line MqkitError. MqkitErrors pass through. */
export function toMqkitError(error: unknown, context: ErrorContext): MqkitError {
  if (error instanceof MqkitError) return error
  if (metadataRequestFailed(error)) return new ConnectionError(`${context.action}: the broker did not answer the metadata request`, {cause: error})
  const root = rootKafkaError(error)
  const detail = oneLine(root.message ?? String(error))
  const topic = context.topic === undefined ? 'topic' : `topic "${context.topic}"`
  const options = {cause: error}
  switch (root.type) {
    case 'UNKNOWN_TOPIC_OR_PARTITION':
      return new NotFoundError(`${topic} does not exist (${context.action})`, options)
    case 'TOPIC_ALREADY_EXISTS':
      return new PreconditionError(`${topic} already exists (${context.action})`, options)
    case 'INVALID_PARTITIONS':
      return new UsageError(`invalid partition count for ${topic}: must be an integer ≥ 1 (${context.action})`, options)
    case 'INVALID_REPLICATION_FACTOR':
      return new UsageError(`invalid replication factor for ${topic}: must be ≥ 1 and at most the number of brokers (${context.action})`, options)
    case 'INVALID_TOPIC_EXCEPTION':
      return new UsageError(
        `invalid topic name${context.topic === undefined ? '' : ` "${context.topic}"`}: use letters, digits, ".", "_" and "-" (at most 249)`,
        options,
      )
    case 'INVALID_CONFIG':
      return new UsageError(`the broker rejected a topic setting for ${topic} (${context.action}): ${detail}`, options)
    case 'POLICY_VIOLATION':
      return new PreconditionError(`the broker's policy refused ${context.action}: ${detail}`, options)
    case 'MESSAGE_TOO_LARGE':
    case 'RECORD_LIST_TOO_LARGE':
      return new DeliveryError(
        `message too large for ${topic}: it exceeds the topic's max.message.bytes (or the broker's message.max.bytes) (${context.action})`,
        {...options, reason: 'rejected'},
      )
    case 'INVALID_RECORD':
    case 'CORRUPT_MESSAGE':
      return new DeliveryError(`the broker rejected the record for ${topic}: ${detail}`, {...options, reason: 'rejected'})
    case 'TOPIC_AUTHORIZATION_FAILED':
    case 'GROUP_AUTHORIZATION_FAILED':
    case 'CLUSTER_AUTHORIZATION_FAILED':
      return new ConnectionError(`not authorised to ${context.action}: ${detail}`, {...options, retriable: false})
    case 'SASL_AUTHENTICATION_FAILED':
    case 'ILLEGAL_SASL_STATE':
    case 'UNSUPPORTED_SASL_MECHANISM':
      return new ConnectionError(`Kafka authentication failed at ${context.brokers ?? 'the broker'}: ${detail}`, {...options, retriable: false})
    case 'REQUEST_TIMED_OUT':
      return new TimeoutError(`Kafka request timed out (${context.action})`, options)
    case 'NOT_ENOUGH_REPLICAS':
    case 'NOT_ENOUGH_REPLICAS_AFTER_APPEND':
      return new DeliveryError(`not enough in-sync replicas for ${topic} to satisfy acks=all (${context.action})`, options)
    default:
      break
  }
  const name = root.name ?? ''
  if (name === 'KafkaJSSASLAuthenticationError') {
    return new ConnectionError(`Kafka authentication failed at ${context.brokers ?? 'the broker'}: ${detail}`, {...options, retriable: false})
  }
  if (wrapsPlatformatic(error, PLATFORMATIC_AUTHENTICATION)) {
    return new ConnectionError(`Kafka authentication failed at ${context.brokers ?? 'the broker'}: ${detail}`, {...options, retriable: false})
  }
  const where = context.brokers ?? root.broker ?? 'the bootstrap servers'
  const platformaticNetwork = wrapsPlatformatic(error, PLATFORMATIC_NETWORK)
  // A failed handshake or an untrusted certificate fails the same way on every retry.
  const tls =
    name.startsWith('KafkaJSConnection') || platformaticNetwork
      ? tlsProblem(root.message ?? '', typeof root.code === 'string' ? root.code : undefined)
      : undefined
  if (tls !== undefined) return new ConnectionError(`cannot connect to Kafka at ${where}: ${tls}`, {...options, retriable: false})
  if (name === 'KafkaJSConnectionClosedError' && context.action === 'connect') {
    // What a TLS or SASL listener does with a plain client's first request.
    return new ConnectionError(
      `cannot reach Kafka at ${where}: the broker closed the connection at once (${detail}); if this is an SSL listener add ?ssl=true, if SASL ?sasl=`,
      options,
    )
  }
  if (
    name.startsWith('KafkaJSConnection') ||
    name === 'KafkaJSNoBrokerAvailableError' ||
    name === 'KafkaJSBrokerNotFound' ||
    root.code === 'ECONNREFUSED' ||
    platformaticNetwork
  ) {
    return new ConnectionError(`cannot reach Kafka at ${where}: ${detail}`, options)
  }
  if (name === 'KafkaJSRequestTimeoutError' || name === 'KafkaJSTimeout') {
    return new TimeoutError(`Kafka request timed out (${context.action}): ${detail}`, options)
  }
  return new MqkitError(`Kafka error during ${context.action}: ${detail}`, options)
}

function oneLine(text: string): string {
  return text.split('\n')[0].trim()
}
