// Which brokers a test run can reach. Under CI=true a broker that cannot be reached is a
// failure (the test throws), never a silent skip; locally the broker's tests are skipped
// with a note on stderr. What is probed is the address in the URL the tests will use
// (MQKIT_TEST_AMQP_URL, MQKIT_TEST_KAFKA_URL), never a port assumed beside it.
import {readFileSync} from 'node:fs'
import net from 'node:net'

export const AMQP_URL = process.env.MQKIT_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
/** scripts/kafka.sh (and so global-setup) starts the broker on KAFKA_PORT: the default URL follows it. */
export const KAFKA_URL = process.env.MQKIT_TEST_KAFKA_URL ?? `kafka://127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1'

export interface Address {
  host: string
  port: number
}

const DEFAULT_PORTS: Record<string, number> = {amqp: 5672, amqps: 5671, kafka: 9092, http: 80, https: 443}

/** The address a broker URL connects to first: amqp(s)://[user@]host[:port], kafka://[user@]h1[:p1],h2… */
export function brokerAddress(url: string): Address {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase()
  if (scheme === undefined || !(scheme in DEFAULT_PORTS)) throw new Error(`not a broker URL: ${url}`)
  // kafka://h1:p1,h2:p2 is no WHATWG URL: take the authority's first host.
  const authority = url.slice(scheme.length + 3).split(/[/?#]/)[0]
  const first = authority.slice(authority.lastIndexOf('@') + 1).split(',')[0]
  const parsed = new URL(`http://${first}`)
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
  return {host, port: parsed.port === '' ? DEFAULT_PORTS[scheme] : Number(parsed.port)}
}

/**
 * Where the amqp driver finds RabbitMQ's management API for `amqpUrl` (src/drivers/amqp/inspect.ts):
 * `?mgmt=URL`, none with `?mgmt=off`, else port 15672 of the broker's host when the broker is on a
 * standard AMQP port.
 */
export function managementAddress(amqpUrl: string): (Address & {baseUrl: string}) | undefined {
  const given = new URLSearchParams(amqpUrl.split('?')[1] ?? '').get('mgmt')
  if (given !== null && /^(off|false|no|none|0)$/i.test(given)) return undefined
  const broker = brokerAddress(amqpUrl)
  if (given === null && broker.port !== 5672 && broker.port !== 5671) return undefined
  const url = new URL(given ?? `http://${broker.host.includes(':') ? `[${broker.host}]` : broker.host}:15672`)
  url.username = url.password = ''
  const {host, port} = brokerAddress(url.toString())
  return {host, port, baseUrl: url.toString().replace(/\/+$/, '')}
}

export function tcpReachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({host, port})
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/**
 * Resolve true when `what` answers at `address`; false (skip, with a note) when it does not and we
 * are not in CI; throw when it does not and `inCi`.
 */
export async function reachableOrSkip(what: string, address: Address, inCi = IN_CI): Promise<boolean> {
  if (await tcpReachable(address.host, address.port)) return true
  const message = `${what} not reachable at ${address.host}:${address.port}`
  if (inCi) throw new Error(`${message} (CI=true: broker tests must not be skipped; .ci/run starts the brokers)`)
  process.stderr.write(`[skip] ${message}; start it to run these tests\n`)
  return false
}

/** The broker at `url` (the URL the tests will use) answers: see reachableOrSkip. */
export function brokerAvailable(name: string, url: string, inCi = IN_CI): Promise<boolean> {
  return reachableOrSkip(`${name} broker`, brokerAddress(url), inCi)
}

export const amqpAvailable = () => brokerAvailable('RabbitMQ', AMQP_URL)
export const kafkaAvailable = () => brokerAvailable('Kafka', KAFKA_URL)

/**
 * RabbitMQ's management API for AMQP_URL answers (the in-flight counts of inspect and the
 * conformance cases come from it). Under CI its absence fails, as a broker's does.
 */
export async function managementAvailable(inCi = IN_CI): Promise<boolean> {
  const address = managementAddress(AMQP_URL)
  if (address === undefined) {
    if (inCi) throw new Error(`CI=true: the RabbitMQ management API is off for ${AMQP_URL} (?mgmt=off or a non-standard port without ?mgmt=)`)
    process.stderr.write('[skip] the RabbitMQ management API is off for the test URL\n')
    return false
  }
  return reachableOrSkip('RabbitMQ management API', address, inCi)
}

/** A name no other test (or earlier run) uses. */
export function uniqueName(prefix: string): string {
  return `mqkit-test-${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`
}

/** Poll `condition` until it holds; fail with `what` after `timeoutMs`. Never a fixed sleep. */
export async function waitFor<T>(what: string, condition: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await condition()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/**
 * A TCP port for a private broker or proxy to listen on, free now and below the kernel's range
 * for outgoing connections' source ports. Why: a port the OS picks (listen on 0) is from that
 * range, and a broker binds it seconds later (a JVM starting); meanwhile the suite's own client
 * connections take source ports from the same range, and one of them can take it first. A CI run
 * lost a private Kafka at startup (its port open after 3 s, then the process exited), most
 * likely so: its log went with its folder.
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange()
  const floor = Math.max(1024, low - 12_000)
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = floor + Math.floor(Math.random() * (low - floor))
    if (await canListen(port)) return port
  }
  throw new Error(`no free port found in ${floor}-${low - 1}`)
}

/** The kernel's source-port range for outgoing connections (Linux's default when unreadable). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    if (Number.isInteger(low) && Number.isInteger(high) && low > 2048) return [low, high]
  } catch {
    // not Linux: use Linux's default
  }
  return [32768, 60999]
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}
