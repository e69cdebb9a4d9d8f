// Shared set-up for the Kafka tests: a connected driver and a fresh topic per test.
import {readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {createDriver} from '../../../src/drivers/index.js'
import {KAFKA_CLIENTS, type KafkaClientName} from '../../../src/drivers/kafka/produce/produce-client.js'
import type {Delivery, Driver, Subscription} from '../../../src/drivers/types.js'
import {KAFKA_URL, uniqueName, waitFor} from '../../helpers/brokers.js'

/** Every ?client= the URL offers: producer-facing tests run once per client. */
export const CLIENTS: readonly KafkaClientName[] = KAFKA_CLIENTS

/** `url` with ?client=`client` added (after any query it has). */
export function withClient(url: string, client: KafkaClientName): string {
  return `${url}${url.includes('?') ? '&' : '?'}client=${client}`
}

export async function kafkaDriver(url = KAFKA_URL, connectTimeoutMs = 10_000): Promise<Driver> {
  const driver = await createDriver(url, {clientName: 'mqkit-test', connectTimeoutMs})
  await driver.connect()
  return driver
}

export function topicName(prefix: string): string {
  return uniqueName(`kafka-${prefix}`)
}

/** Collects deliveries; ack decides per delivery whether to ack at once. */
export function collector(ack: (d: Delivery, index: number) => boolean = () => true) {
  const received: Delivery[] = []
  return {
    received,
    handler: async (d: Delivery) => {
      received.push(d)
      if (ack(d, received.length - 1)) await d.ack()
    },
    waitFor: (n: number, timeoutMs = 20_000) => waitFor(`${n} deliveries (have ${received.length})`, () => received.length >= n, timeoutMs),
    bodies: () => received.map((d) => d.body.toString()),
  }
}

export async function publishAll(driver: Driver, topic: string, bodies: string[]): Promise<void> {
  await Promise.all(bodies.map((body) => driver.publish(topic, {body: Buffer.from(body)})))
}

export async function cancelAll(...subscriptions: Array<Subscription | undefined>): Promise<void> {
  await Promise.all(subscriptions.map((s) => s?.cancel()))
}

/**
 * The broker under test when it is the one scripts/kafka.sh runs for this checkout's settings
 * (KAFKA_HOME_DIR, KAFKA_VERSION, KAFKA_PORT): its pid file names a live `kafka.Kafka <config>`
 * process. Undefined for someone else's broker (MQKIT_TEST_KAFKA_URL) or one not started so.
 */
export function projectBroker(): {homeDir: string; dataDir: string} | undefined {
  if (process.env.MQKIT_TEST_KAFKA_URL) return undefined
  const port = process.env.KAFKA_PORT ?? '9092'
  const cache = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache')
  const homeDir = process.env.KAFKA_HOME_DIR ?? path.join(cache, 'mqkit', `kafka-${process.env.KAFKA_VERSION ?? '4.4.0'}`)
  try {
    const pid = readFileSync(path.join(homeDir, `kafka-${port}.pid`), 'utf8').trim()
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
    if (!command.includes(`kafka.Kafka ${path.join(homeDir, `server-${port}.properties`)}`)) return undefined
  } catch {
    return undefined
  }
  return {homeDir, dataDir: path.join(homeDir, `data-${port}`)}
}
