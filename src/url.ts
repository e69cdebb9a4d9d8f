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

/**
 * A URL's user information: from "scheme://" to the last "@" before the URL ends or another
 * "://" starts (a URL nested in the query, ?mgmt=http://u:p@h, is its own). Up to the last "@",
 * not the first "/": a password holding an unencoded "/", "?", "#" or "@" is still all password,
 * so no part of it is ever shown as a host, port or path. In free text a URL ends at whitespace;
 * a --url value is one URL, spaces and all.
 */
const USERINFO_IN_TEXT = /([a-z][a-z0-9+.-]*:\/\/)((?:(?!:\/\/)\S)*)@/gi
const USERINFO_IN_URL = /([a-z][a-z0-9+.-]*:\/\/)((?:(?!:\/\/)[\s\S])*)@/gi
const QUERY_PARAMETER_IN_TEXT = /([?&])([^=&\s]+)=([^&\s]*)/g
const QUERY_PARAMETER_IN_URL = /([?&])([^=&]+)=([^&]*)/g

/** Replace any password in a URL (or in every URL inside a longer message) by `***`. */
export function redactUrl(text: string): string {
  return redact(text, USERINFO_IN_TEXT, QUERY_PARAMETER_IN_TEXT)
}

/** redactUrl for a text that is one URL (a --url value): whitespace in it does not end it. */
export function redactWholeUrl(url: string): string {
  return redact(url, USERINFO_IN_URL, QUERY_PARAMETER_IN_URL)
}

function redact(text: string, userinfo: RegExp, queryParameter: RegExp): string {
  const out = text.replace(userinfo, (match, scheme: string, info: string) => {
    const colon = info.indexOf(':')
    return colon < 0 ? match : `${scheme}${info.slice(0, colon)}:***@`
  })
  return out.replace(queryParameter, (match, sep: string, key: string) => (SECRET_QUERY_KEYS.test(key) ? `${sep}${key}=***` : match))
}

/**
 * What is wrong with a URL's user information that parsers would read otherwise than redaction
 * does, or undefined. With an unencoded "/", "?" or "#" (or an "@" after the host) a URL parser
 * takes part of the password for a host, port or path, which later messages would show.
 */
export function userinfoProblem(url: string): string | undefined {
  const info = new RegExp(`^${USERINFO_IN_URL.source}`, 'i').exec(url)?.[2]
  if (info === undefined || !info.includes(':')) return undefined
  if (/[/?#]/.test(info)) return 'percent-encode "/", "?" and "#" in a user name or password (%2F, %3F, %23), and an "@" after the host (%40)'
  try {
    for (const part of info.split(':')) decodeURIComponent(part)
  } catch {
    return 'a "%" in a user name or password must start a percent-encoding (a literal "%" is %25)'
  }
  return undefined
}

const SCHEME_RE = /^([a-z][a-z0-9+.-]*):(.*)$/i

/**
 * A broker URL, checked. `subject` begins each refusal ("--url is empty; …"); '' when the caller
 * says where the URL came from itself (a context's URL).
 */
export function parseUrl(raw: string, subject = '--url'): ParsedUrl {
  const refuse = (problem: string) => new UsageError(subject === '' ? problem : `${subject} ${problem}`)
  const trimmed = raw.trim()
  const hint = `supported schemes: ${SUPPORTED_SCHEMES.join(', ')}`
  if (trimmed === '') throw refuse(`is empty; ${hint}`)
  const redacted = redactWholeUrl(trimmed)
  const match = SCHEME_RE.exec(trimmed)
  if (!match) throw refuse(`is not a valid URL: "${redacted}"; ${hint}`)
  const problem = userinfoProblem(trimmed)
  if (problem) throw refuse(`is not a valid URL: "${redacted}"; ${problem}`)
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
      if (!beforeQuery.startsWith('//')) throw refuse(`"${redacted}" must look like kafka://host:port[,host:port]`)
      const authority = beforeQuery.slice(2).split('/')[0]
      const hostList = authority.includes('@') ? authority.slice(authority.lastIndexOf('@') + 1) : authority
      const hosts = hostList
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean)
      if (hosts.length === 0) throw refuse(`"${redacted}" has no host; e.g. kafka://127.0.0.1:9092`)
      for (const host of hosts) {
        if (!/^(\[[0-9a-f:]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i.test(host)) {
          throw refuse(`"${redacted}" has a bad broker address "${host}"; e.g. kafka://127.0.0.1:9092`)
        }
      }
      const withPorts = hosts.map((h) => (/:\d+$/.test(h) ? h : `${h}:9092`))
      let first: URL
      try {
        first = new URL(`kafka://${authority.includes('@') ? authority.slice(0, authority.lastIndexOf('@') + 1) : ''}${hosts[0]}`)
      } catch {
        throw refuse(`is not a valid URL: "${redacted}"; e.g. kafka://user:password@127.0.0.1:9092`)
      }
      return {scheme: 'kafka', raw: trimmed, redacted, url: first, hosts: withPorts, path: '', query}
    }
    case 'memory':
    case 'amqp':
    case 'amqps': {
      let url: URL
      try {
        url = new URL(trimmed)
      } catch {
        throw refuse(`is not a valid URL: "${redacted}"; ${hint}`)
      }
      if (scheme !== 'memory' && url.hostname === '') {
        throw refuse(`"${redacted}" has no host; e.g. ${scheme}://guest:guest@127.0.0.1:5672`)
      }
      const path = scheme === 'memory' ? url.hostname + url.pathname : decodeURIComponent(url.pathname.replace(/^\//, ''))
      const host = url.port ? `${url.hostname}:${url.port}` : url.hostname
      return {scheme, raw: trimmed, redacted, url, hosts: host ? [host] : [], path, query}
    }
    default:
      throw refuse(`has unsupported scheme "${scheme}:" in "${redacted}"; ${hint}`)
  }
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator)
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)]
}
