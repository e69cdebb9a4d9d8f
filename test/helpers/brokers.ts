// Which brokers a test run can reach. Under CI=true a broker that cannot be reached is a
// failure (the test throws), never a silent skip; locally the broker's tests are skipped
// with a note on stderr.
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

/** A TCP port nothing listens on right now (the OS picks it), for private brokers and proxies. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}
