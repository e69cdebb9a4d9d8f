// amqplib / broker failures → the typed errors of src/errors.ts. One line each, naming the
// queue, exchange, user or setting involved, and never the password (amqplib messages do not
// contain it, and we never echo a URL here, only host:port, user and vhost).
import {ConnectionError, MqkitError, NotFoundError, PreconditionError, UsageError} from '../../errors.js'
import {CLIENT_CERT_REJECTED, CLIENT_CERT_REQUIRED, NOT_TLS_PORT, sslReason} from '../tls-reason.js'

export interface ConnectionFacts {
  user: string
  vhost: string
  hostPort: string
  connectTimeoutMs: number
}

const SOCKET_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
}

export function connectionError(error: unknown, facts: ConnectionFacts): ConnectionError {
  const text = messageOf(error)
  const where = `amqp ${facts.hostPort} vhost "${facts.vhost}"`
  const code = (error as {code?: unknown})?.code
  const tls = tlsProblem(text, code)
  if (tls !== undefined) return new ConnectionError(`cannot connect to ${facts.hostPort}: ${tls}`, {cause: error, retriable: false})
  if (typeof code === 'string' && SOCKET_CODES[code]) {
    return new ConnectionError(`cannot connect to ${facts.hostPort}: ${SOCKET_CODES[code]} (${code})`, {cause: error})
  }
  if (/ETIMEDOUT/.test(text)) {
    return new ConnectionError(`cannot connect to ${facts.hostPort}: no answer within ${facts.connectTimeoutMs} ms (--connect-timeout)`, {cause: error})
  }
  if (/ACCESS.REFUSED/.test(text)) {
    return new ConnectionError(`${where}: access refused for user "${facts.user}" (wrong user name or password)`, {cause: error, retriable: false})
  }
  // Authentication passed but connection.open was refused: RabbitMQ answers NOT_ALLOWED (530)
  // for an unknown vhost or one the user has no permissions on; amqplib hides the text.
  if (/NOT.ALLOWED|Expected ConnectionOpenOk/.test(text)) {
    return new ConnectionError(`${where}: vhost not found or user "${facts.user}" has no access to it`, {cause: error, retriable: false})
  }
  if (/Frame size|Handshake|Unexpected|protocol/i.test(text)) {
    return new ConnectionError(`cannot connect to ${facts.hostPort}: not an AMQP 0-9-1 broker, or a TLS port (use amqps://)? (${firstLine(text)})`, {
      cause: error,
    })
  }
  return new ConnectionError(`cannot connect to ${facts.hostPort}: ${firstLine(text)}`, {cause: error})
}

/** Node's codes for a broker certificate that did not verify. */
const CERT_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME/

/**
 * TLS failures in words a user can act on, naming the URL option to change; undefined when the
 * error is not about TLS (what OpenSSL says: ../tls-reason.ts).
 */
export function tlsProblem(text: string, code: unknown): string | undefined {
  const codeText = typeof code === 'string' ? code : ''
  if (codeText === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `TLS: the broker's certificate is not for this host name (${firstLine(text)}); connect with a name the certificate lists`
  }
  if (CERT_CODES.test(codeText) && !codeText.startsWith('ERR_SSL_')) {
    return `TLS: the broker's certificate could not be verified: ${firstLine(text)} (${codeText}); give the CA that signed it with ?cafile=ca.pem, or skip verification with ?insecure=true`
  }
  const reason = sslReason(text) ?? (/^ERR_SSL_|^ERR_OSSL_/.test(codeText) ? firstLine(text).replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, '') : undefined)
  if (reason === undefined) return undefined
  if (NOT_TLS_PORT.test(reason)) {
    return `TLS: the port does not speak TLS (${reason}); is it a plain AMQP port? (use amqp://)`
  }
  if (CLIENT_CERT_REQUIRED.test(reason)) return `TLS: the broker requires a client certificate (${reason}); give ?certfile= and ?keyfile=`
  if (CLIENT_CERT_REJECTED.test(reason)) {
    return `TLS: the broker rejected the client certificate (${reason})`
  }
  return `TLS: ${reason}`
}

/** What the failed operation was about, so that messages can name it. */
export interface OperationFacts {
  /** e.g. 'declare queue', 'publish', 'consume' */
  operation: string
  queue?: string
  exchange?: string
}

const INEQUIVALENT = /inequivalent arg '([^']+)' for (queue|exchange) '([^']*)' in vhost '([^']*)': received (.*?) but current is (.*?)"?$/

/** Map an error thrown by a channel operation (or a channel closed by the broker). */
export function brokerError(error: unknown, facts: OperationFacts): MqkitError {
  if (error instanceof MqkitError) return error
  const text = messageOf(error)
  const code = (error as {code?: unknown})?.code
  const detail = brokerText(text)
  if (code === 406 || /PRECONDITION.FAILED/.test(text)) {
    const match = INEQUIVALENT.exec(detail)
    if (match) {
      const [, setting, kind, name, , received, current] = match
      return new PreconditionError(
        `${kind} "${name}" already exists with ${setting}=${unquote(current)}; this declaration asks for ${setting}=${unquote(received)} (delete it first or declare it identically)`,
        {cause: error, setting},
      )
    }
    return new PreconditionError(`${facts.operation} failed: ${detail}`, {cause: error})
  }
  if (code === 404 || /NOT.FOUND/.test(text)) {
    const queue = /no queue '([^']*)'/.exec(detail)?.[1]
    if (queue !== undefined) return new NotFoundError(`queue "${queue}" does not exist`, {cause: error})
    const exchange = /no exchange '([^']*)'/.exec(detail)?.[1]
    if (exchange !== undefined) return new NotFoundError(`exchange "${exchange}" does not exist`, {cause: error})
    const what = facts.queue === undefined ? (facts.exchange === undefined ? 'target' : `exchange "${facts.exchange}"`) : `queue "${facts.queue}"`
    return new NotFoundError(`${what} does not exist (${detail})`, {cause: error})
  }
  if (code === 405 || /RESOURCE.LOCKED/.test(text)) {
    return new PreconditionError(`${facts.operation} failed: ${detail} (exclusive to another connection)`, {cause: error, setting: 'exclusive'})
  }
  if (code === 403 || /ACCESS.REFUSED/.test(text)) {
    return new UsageError(`${facts.operation} refused by the broker: ${detail}`, {cause: error})
  }
  if (/Connection closed|Channel ended|channel closed|Socket closed|ECONNRESET|EPIPE/i.test(text)) {
    return new ConnectionError(`${facts.operation}: connection to the broker lost (${firstLine(text)})`, {cause: error})
  }
  return new MqkitError(`${facts.operation} failed: ${detail}`, {cause: error})
}

/** The broker's own words from an amqplib message: `... with message "NOT_FOUND - no queue 'q' ..."`. */
function brokerText(text: string): string {
  const match = /with message "(.*)"\s*$/.exec(text)
  return match ? match[1] : firstLine(text)
}

function unquote(value: string): string {
  return value.replace(/^'(.*)'$/, '$1')
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function firstLine(text: string): string {
  return text.split('\n')[0]
}
