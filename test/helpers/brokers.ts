// Which brokers a test run can reach. Under CI=true a broker that cannot be reached is a
// failure (the test throws), never a silent skip; locally the broker's tests are skipped
// with a note on stderr.
import {readFileSync} from 'node:fs'
import net from 'node:net'

export const AMQP_URL = process.env.MQKIT_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
export const KAFKA_URL = process.env.MQKIT_TEST_KAFKA_URL ?? 'kafka://127.0.0.1:9092'

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1'

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
 * Resolve true when the broker answers; false (skip) when it does not and we are not in CI;
 * throw when it does not and CI=true.
 */
export async function brokerAvailable(name: string, host: string, port: number): Promise<boolean> {
  if (await tcpReachable(host, port)) return true
  const message = `${name} broker not reachable at ${host}:${port}`
  if (IN_CI) throw new Error(`${message} (CI=true: broker tests must not be skipped; .ci/run starts the brokers)`)
  process.stderr.write(`[skip] ${message}; start it to run these tests\n`)
  return false
}

export const amqpAvailable = () => brokerAvailable('RabbitMQ', '127.0.0.1', 5672)
export const kafkaAvailable = () => brokerAvailable('Kafka', '127.0.0.1', Number(process.env.KAFKA_PORT ?? 9092))

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
