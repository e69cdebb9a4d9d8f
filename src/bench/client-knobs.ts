// Kafka producer knobs given as bench flags (--compression, --batch-size, --linger) are the
// driver's URL settings (?compression= ?batchSize= ?lingerMs=): the flags write them into the
// URL, so every producer connection (and every worker thread) gets the same client config.
import {UnsupportedError, UsageError} from '../errors.js'

/** The knobs as bench's flags give them (typed: src/flags.ts). */
export interface ClientKnobFlags {
  compression?: string
  'batch-size'?: number
  /** ms */
  linger?: number
}

export function applyClientKnobs(url: string, scheme: string, flags: ClientKnobFlags): string {
  const query: Array<[string, string]> = []
  if (flags.compression !== undefined) {
    if (flags.compression !== 'none' && flags.compression !== 'gzip') {
      throw new UsageError(`--compression must be none or gzip, got "${flags.compression}" (kafkajs has no built-in snappy/lz4/zstd)`)
    }
    query.push(['compression', flags.compression])
  }
  if (flags['batch-size'] !== undefined) query.push(['batchSize', String(flags['batch-size'])])
  if (flags.linger !== undefined) query.push(['lingerMs', String(Math.round(flags.linger))])
  if (query.length === 0) return url
  if (scheme !== 'kafka') {
    const names = (['compression', 'batch-size', 'linger'] as const).filter((name) => flags[name] !== undefined)
    throw new UnsupportedError(`--${names.join(', --')}: Kafka producer settings; not for ${scheme}://`)
  }
  // Not `new URL()`: a multi-host kafka://a:9092,b:9092 is no WHATWG URL.
  const at = url.indexOf('?')
  const params = new URLSearchParams(at === -1 ? '' : url.slice(at + 1))
  for (const [key, value] of query) params.set(key, value)
  return `${at === -1 ? url : url.slice(0, at)}?${params.toString()}`
}

/**
 * @default 5 — seconds, --recover on RabbitMQ without ?heartbeat=: a frozen broker (a hung host,
 * SIGSTOP) closes nothing, and only heartbeats notice it; amqplib gives up after about two missed
 * intervals, so about 10-15 s instead of the broker's 60 s default (about two minutes).
 */
export const RECOVERY_HEARTBEAT_S = 5

/** --recover: the URL with a short AMQP heartbeat unless it sets one. */
export function withRecoveryHeartbeat(url: string, scheme: string): string {
  if (scheme !== 'amqp' && scheme !== 'amqps') return url
  const at = url.indexOf('?')
  const params = new URLSearchParams(at === -1 ? '' : url.slice(at + 1))
  if (params.has('heartbeat')) return url
  params.set('heartbeat', String(RECOVERY_HEARTBEAT_S))
  return `${at === -1 ? url : url.slice(0, at)}?${params.toString()}`
}
