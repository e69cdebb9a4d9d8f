// Shared set-up for the Kafka tests: a connected driver and a fresh topic per test.
import {createDriver} from '../../src/drivers/index.js'
import type {Delivery, Driver, Subscription} from '../../src/drivers/types.js'
import {KAFKA_URL, uniqueName, waitFor} from '../helpers/brokers.js'

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
