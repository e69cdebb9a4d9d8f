// Connection URLs: parsing into a scheme-tagged form, and redaction so that a password
// never reaches a terminal, a log line or a JSON document.
import {UsageError} from './errors.js'

export const SUPPORTED_SCHEMES = ['memory://', 'file:', 'amqp://', 'amqps://', 'kafka://'] as const

export type Scheme = 'memory' | 'file' | 'amqp' | 'amqps' | 'kafka'

export interface ParsedUrl {
  scheme: Scheme
  /** The URL as given (may contain secrets; never print it — use `redacted`). */
  raw: string
  /** Safe to print: password replaced by `***`, secret query parameters too. */
  redacted: string
  /** Parsed form for single-host schemes (amqp, amqps, memory). */
  url?: URL
  /** kafka://h1:9092,h2:9092 — every bootstrap server as host:port. */
  hosts: string[]
  /** Path part: file: store path as written (relative paths stay relative), memory:// broker name. */
  path: string
  /** Query parameters (options such as ?heartbeat=10, ?clientId=x, ?cafile=...). */
  query: URLSearchParams
}

const SECRET_QUERY_KEYS = /^(pass(word)?|secret|token|sasl[_-]?password|key[_-]?passphrase|passphrase)$/i

/** Replace any password in a URL (or in every URL inside a longer message) by `***`. */
export function redactUrl(text: string): string {
  // user:password@ in any scheme://. The password runs up to the "@", whatever it holds but
  // whitespace or another "://": an unencoded "/" in it (an invalid URL, which the usage error
  // then quotes) must not hide it, and a URL nested in the query (?mgmt=http://u:p@h) is its own.
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):((?:(?!:\/\/)[^\s@])*)@/gi, '$1:***@')
  out = out.replace(/([?&])([^=&\s]+)=([^&\s]*)/g, (match, sep: string, key: string) =>
    SECRET_QUERY_KEYS.test(key) ? `${sep}${key}=***` : match,
  )
  return out
}

const SCHEME_RE = /^([a-z][a-z0-9+.-]*):(.*)$/i

export function parseUrl(raw: string): ParsedUrl {
  const trimmed = raw.trim()
  const hint = `supported schemes: ${SUPPORTED_SCHEMES.join(', ')}`
  if (trimmed === '') throw new UsageError(`--url is empty; ${hint}`)
  const redacted = redactUrl(trimmed)
  const match = SCHEME_RE.exec(trimmed)
  if (!match) throw new UsageError(`--url is not a valid URL: "${redacted}"; ${hint}`)
  const scheme = match[1].toLowerCase()
  const rest = match[2]
  const [beforeQuery, queryString = ''] = splitOnce(rest, '?')
  const query = new URLSearchParams(queryString)
  switch (scheme) {
    case 'file': {
      // file:./q.db (relative), file:/abs/q.db, file:///abs/q.db, file:~/q.db
      const path = beforeQuery.startsWith('//') ? beforeQuery.slice(2) : beforeQuery
      return {scheme: 'file', raw: trimmed, redacted, hosts: [], path: decodeURIComponent(path), query}
    }
    case 'kafka': {
      if (!beforeQuery.startsWith('//')) throw new UsageError(`--url "${redacted}" must look like kafka://host:port[,host:port]`)
      const authority = beforeQuery.slice(2).split('/')[0]
      const hostList = authority.includes('@') ? authority.slice(authority.lastIndexOf('@') + 1) : authority
      const hosts = hostList.split(',').map((h) => h.trim()).filter(Boolean)
      if (hosts.length === 0) throw new UsageError(`--url "${redacted}" has no host; e.g. kafka://127.0.0.1:9092`)
      for (const host of hosts) {
        if (!/^(\[[0-9a-f:]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i.test(host)) {
          throw new UsageError(`--url "${redacted}" has a bad broker address "${host}"; e.g. kafka://127.0.0.1:9092`)
        }
      }
      const withPorts = hosts.map((h) => (/:\d+$/.test(h) ? h : `${h}:9092`))
      const first = new URL(`kafka://${authority.includes('@') ? authority.slice(0, authority.lastIndexOf('@') + 1) : ''}${hosts[0]}`)
      return {scheme: 'kafka', raw: trimmed, redacted, url: first, hosts: withPorts, path: '', query}
    }
    case 'memory':
    case 'amqp':
    case 'amqps': {
      let url: URL
      try {
        url = new URL(trimmed)
      } catch {
        throw new UsageError(`--url is not a valid URL: "${redacted}"; ${hint}`)
      }
      if (scheme !== 'memory' && url.hostname === '') {
        throw new UsageError(`--url "${redacted}" has no host; e.g. ${scheme}://guest:guest@127.0.0.1:5672`)
      }
      const path = scheme === 'memory' ? url.hostname + url.pathname : decodeURIComponent(url.pathname.replace(/^\//, ''))
      const host = url.port ? `${url.hostname}:${url.port}` : url.hostname
      return {scheme, raw: trimmed, redacted, url, hosts: host ? [host] : [], path, query}
    }
    default:
      throw new UsageError(`--url has unsupported scheme "${scheme}:" in "${redacted}"; ${hint}`)
  }
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator)
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)]
}
