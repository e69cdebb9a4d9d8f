// URL → amqplib connect options, and opening the connection within the connect timeout.
// Everything a user can tune lives in the URL so that `--url` alone reproduces a setup:
//   amqp://user:pass@host:port/vhost?heartbeat=10&frameMax=131072
//   amqps://host/vhost?cafile=ca.pem&certfile=cert.pem&keyfile=key.pem&passphrase=x&insecure=true
import amqp, {type ChannelModel, type Options, type SocketOptions} from 'amqplib'
import {UsageError} from '../../errors.js'
import type {ParsedUrl} from '../../url.js'
import {DEFAULT_CONNECT_TIMEOUT_MS} from '../defaults.js'
import type {DriverContext} from '../types.js'
import {withDeadline} from '../deadline.js'
import {tlsFileOptions} from '../tls-options.js'
import {connectionError} from './errors.js'
import {batchConnectionWrites} from './write-batching.js'

/** The IANA ports of amqp:// and amqps://, used when the URL names none. */
export const AMQP_PORT = 5672
export const AMQPS_PORT = 5671

export interface AmqpTarget {
  connect: Options.Connect
  socket: SocketOptions
  /** For messages: who and where, never the password. */
  user: string
  vhost: string
  hostPort: string
  connectTimeoutMs: number
}

export function amqpTarget(url: ParsedUrl, context: DriverContext): AmqpTarget {
  const parsed = url.url
  if (!parsed) throw new UsageError(`--url "${url.redacted}" is not an amqp:// URL`)
  const tls = url.scheme === 'amqps'
  const port = parsed.port === '' ? (tls ? AMQPS_PORT : AMQP_PORT) : Number(parsed.port)
  // URL keeps user and password percent-encoded; the broker wants them decoded.
  const user = parsed.username === '' ? 'guest' : decodeURIComponent(parsed.username)
  const password = parsed.username === '' && parsed.password === '' ? 'guest' : decodeURIComponent(parsed.password)
  // amqp://host/ and amqp://host both mean the default vhost "/"; "%2f" spells "/" explicitly.
  const vhost = url.path === '' ? '/' : url.path
  const connectTimeoutMs = context.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  const query = url.query
  const connect: Options.Connect = {
    protocol: tls ? 'amqps' : 'amqp',
    hostname: parsed.hostname.replace(/^\[|\]$/g, ''),
    port,
    username: user,
    password,
    vhost,
    heartbeat: optionalInt(query, 'heartbeat', url.redacted),
    frameMax: optionalInt(query, 'frameMax', url.redacted),
  }
  const socket: SocketOptions = {
    // Without it Nagle's algorithm and delayed ACKs hold every small frame for an ACK timer: one
    // message in flight at a time crawls (docs/performance.md).
    noDelay: true,
    timeout: connectTimeoutMs,
    clientProperties: {connection_name: context.clientName},
  }
  if (tls) Object.assign(socket, tlsFileOptions(query))
  return {connect, socket, user, vhost, hostPort: `${connect.hostname}:${port}`, connectTimeoutMs}
}

function optionalInt(query: URLSearchParams, key: string, redacted: string): number | undefined {
  const raw = query.get(key)
  if (raw === null) return undefined
  if (!/^\d+$/.test(raw)) throw new UsageError(`--url query parameter ${key} must be a whole number, got "${raw}" in "${redacted}"`)
  return Number(raw)
}

/**
 * Open the connection or fail with a ConnectionError within connectTimeoutMs. amqplib's own
 * `timeout` is a socket idle timeout; the extra deadline covers a broker that trickles bytes.
 */
export async function openConnection(target: AmqpTarget): Promise<ChannelModel> {
  const attempt = amqp.connect(target.connect, target.socket)
  try {
    const model = await withDeadline(attempt, target.connectTimeoutMs, () => new Error('connect ETIMEDOUT'))
    // One socket write per burst of frames instead of one per frame (see write-batching.ts).
    batchConnectionWrites(model)
    return model
  } catch (error) {
    // A connection that opens after we gave up must not leak.
    attempt.then((late) => late.close().catch(() => {})).catch(() => {})
    throw connectionError(error, target)
  }
}
