// kafka:// URL → kafkajs client configuration, plus the driver's own knobs. Everything a user
// can set on a Kafka connection lives in the URL query so that every command (and bench) gets it
// for free: ?clientId= ?ssl=true&cafile=&certfile=&keyfile=&passphrase=&insecure=true (tls-options.ts)
// ?sasl=plain|scram-sha-256|scram-sha-512 (user:password from the URL) ?compression=gzip
// ?lingerMs= ?batchSize= ?client=platformatic|kafkajs (the library that produces). The same settings are given to both wire
// clients (kafkajs's KafkaConfig, @platformatic/kafka's connection options).
import kafkajs from 'kafkajs'
import './kafkajs-warnings.js'
import type {KafkaConfig, SASLOptions} from 'kafkajs'
import type {BaseOptions as PlatformaticBaseOptions, SASLOptions as PlatformaticSasl} from '@platformatic/kafka'
import {UsageError} from '../../errors.js'
import type {ParsedUrl} from '../../url.js'
import {DEFAULT_CONNECT_TIMEOUT_MS} from '../defaults.js'
import type {DriverContext} from '../types.js'
import {sslOptions, TLS_QUERY_KEYS} from '../tls-options.js'

import {KAFKA_CLIENTS, type Compression, type KafkaClientName} from './produce/produce-client.js'

const {logLevel} = kafkajs

/**
 * Bounded retries: kafkajs defaults to 5 retries with up to 30 s between them, so an unreachable
 * broker would take minutes to report. Three quick attempts within about a second is enough to
 * ride out a leader move, and the driver adds an overall deadline on top (see connect()).
 */
export const RETRY = {retries: 3, initialRetryTime: 100, maxRetryTime: 1000, factor: 0.2, multiplier: 2} as const

/**
 * Which wire client produces when the URL names none: @platformatic/kafka, which passes the same
 * suite as kafkajs and sends the same records for a fraction of the CPU (perf/kafka-clients.mjs compares them).
 * Admin and consuming are kafkajs's whatever ?client= says, so ?client=kafkajs is kafkajs for
 * every role.
 * @default 'platformatic'
 */
export const DEFAULT_PRODUCER_CLIENT: KafkaClientName = 'platformatic'

/** @platformatic/kafka's connection settings (its Producer/Admin/Consumer options share them). */
export type PlatformaticConnection = Pick<
  PlatformaticBaseOptions,
  'clientId' | 'bootstrapBrokers' | 'connectTimeout' | 'requestTimeout' | 'timeout' | 'retries' | 'retryDelay' | 'tls' | 'sasl'
>

export interface KafkaDriverOptions {
  client: KafkaConfig
  /** The same connection for @platformatic/kafka. */
  platformatic: PlatformaticConnection
  /** ?client=: the wire client that produces. @default DEFAULT_PRODUCER_CLIENT */
  producerClient: KafkaClientName
  connectTimeoutMs: number
  /** Codec for produce requests. kafkajs ships gzip only (snappy/lz4/zstd need extra codecs). */
  compression: Compression
  /**
   * How long a publish() waits for others to join its batch. 0 = the batch leaves once its
   * publisher pauses for an event-loop turn, at most 5 ms after it opened (produce/publish.ts).
   * @default 0
   */
  lingerMs: number
  /** A batch is flushed as soon as it holds this many messages. @default 1000 */
  batchSize: number
}

const KNOWN_QUERY_KEYS: readonly string[] = ['clientId', ...TLS_QUERY_KEYS, 'sasl', 'compression', 'lingerMs', 'batchSize', 'client']

export function kafkaOptionsFromUrl(url: ParsedUrl, context: DriverContext): KafkaDriverOptions {
  const query = url.query
  for (const key of query.keys()) {
    if (!KNOWN_QUERY_KEYS.includes(key)) {
      throw new UsageError(`--url has unknown Kafka option "${key}"; known: ${KNOWN_QUERY_KEYS.join(', ')}`)
    }
  }
  const connectTimeoutMs = context.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  const client: KafkaConfig = {
    clientId: query.get('clientId') ?? clientIdFrom(context.clientName),
    brokers: url.hosts,
    connectionTimeout: connectTimeoutMs,
    authenticationTimeout: connectTimeoutMs,
    // Produce with acks=all and fetches with maxWait can legitimately take a while; 30 s is
    // kafkajs's default and only bites when the broker is alive but stuck.
    requestTimeout: 30_000,
    retry: {...RETRY},
    ...logging(),
  }
  const ssl = sslOptions(query)
  if (ssl !== undefined) client.ssl = ssl
  const sasl = saslOptions(url)
  if (sasl !== undefined) client.sasl = sasl
  const platformatic: PlatformaticConnection = {
    clientId: client.clientId!,
    bootstrapBrokers: url.hosts,
    connectTimeout: connectTimeoutMs,
    requestTimeout: client.requestTimeout,
    // The broker's own wait for acks=all replicas (Produce timeout_ms), as kafkajs's requestTimeout.
    timeout: client.requestTimeout,
    retries: RETRY.retries,
    retryDelay: (_client, _operation, attempt) => Math.min(RETRY.initialRetryTime * RETRY.multiplier ** (attempt - 1), RETRY.maxRetryTime),
  }
  if (ssl !== undefined) platformatic.tls = ssl === true ? {} : ssl
  if (sasl !== undefined) platformatic.sasl = platformaticSasl(sasl)
  return {
    client,
    platformatic,
    producerClient: clientOption(query.get('client')),
    connectTimeoutMs,
    compression: compressionOption(query.get('compression')),
    lingerMs: intOption(query, 'lingerMs', 0, 0),
    batchSize: intOption(query, 'batchSize', 1000, 1),
  }
}

function clientOption(value: string | null): KafkaClientName {
  if (value === null || value === '') return DEFAULT_PRODUCER_CLIENT
  if ((KAFKA_CLIENTS as readonly string[]).includes(value)) return value as KafkaClientName
  throw new UsageError(`--url ?client must be ${KAFKA_CLIENTS.join(' or ')}, got "${value}"`)
}

function platformaticSasl(sasl: SASLOptions): PlatformaticSasl {
  const {username, password} = sasl as {username: string; password: string}
  const mechanism = sasl.mechanism === 'plain' ? 'PLAIN' : sasl.mechanism === 'scram-sha-256' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512'
  return {mechanism, username, password}
}

function clientIdFrom(clientName: string): string {
  // Kafka client ids show up in broker logs and quotas: keep them to safe characters.
  return clientName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'mqkit'
}

function compressionOption(value: string | null): Compression {
  if (value === null || value === '' || value === 'none') return 'none'
  if (value === 'gzip') return 'gzip'
  throw new UsageError(`--url ?compression must be none or gzip, got "${value}" (kafkajs has no built-in snappy/lz4/zstd)`)
}

function intOption(query: URLSearchParams, key: string, fallback: number, min: number): number {
  const raw = query.get(key)
  if (raw === null) return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--url ?${key} must be an integer ≥ ${min}, got "${raw}"`)
  return value
}

function saslOptions(url: ParsedUrl): SASLOptions | undefined {
  const mechanism = url.query.get('sasl')
  if (mechanism === null) return undefined
  const username = decodeURIComponent(url.url?.username ?? '')
  const password = decodeURIComponent(url.url?.password ?? '')
  if (username === '') throw new UsageError('--url ?sasl needs a user and password: kafka://user:password@host:9092?sasl=plain')
  switch (mechanism.toLowerCase()) {
    case 'plain':
      return {mechanism: 'plain', username, password}
    case 'scram-sha-256':
      return {mechanism: 'scram-sha-256', username, password}
    case 'scram-sha-512':
      return {mechanism: 'scram-sha-512', username, password}
    default:
      throw new UsageError(`--url ?sasl must be plain, scram-sha-256 or scram-sha-512, got "${mechanism}"`)
  }
}

/**
 * Drivers never print. kafkajs logs are silenced unless DEBUG names kafkajs (or mqkit), in which
 * case they go to stderr as one JSON line each. The replacer matters: kafkajs hands BigInt
 * fields (DeleteRecords low watermarks) to the logger, and a logger that throws turns the
 * request itself into a failure.
 */
function logging(): Pick<KafkaConfig, 'logLevel' | 'logCreator'> {
  const debug = process.env.DEBUG ?? ''
  if (!/\b(kafkajs|mqkit)\b|\*/.test(debug)) return {logLevel: logLevel.NOTHING}
  return {
    logLevel: logLevel.DEBUG,
    logCreator:
      () =>
      ({namespace, level, label, log}) => {
        try {
          const line = JSON.stringify({level: label ?? level, namespace, ...log}, (_key, value: unknown) =>
            typeof value === 'bigint' ? value.toString() : value,
          )
          process.stderr.write(`[kafkajs] ${line}\n`)
        } catch {
          // a log line must never break a request
        }
      },
  }
}
