// Shared set-up for the RabbitMQ tests: a driver per test file, names that are cleaned up
// afterwards, and a raw amqplib connection for the broker-side view.
import amqp from 'amqplib'
import {createDriver} from '../../../src/drivers/index.js'
import type {Delivery, Driver} from '../../../src/drivers/types.js'
import {AMQP_URL, uniqueName, waitFor} from '../../helpers/brokers.js'

export const ctx = {clientName: 'mqkit test amqp', connectTimeoutMs: 5000}

export async function connectedDriver(url = AMQP_URL, context = ctx): Promise<Driver> {
  const driver = await createDriver(url, context)
  await driver.connect()
  return driver
}

/** Queues and exchanges created by a test file, removed in afterAll even if a test failed. */
export function createdNames() {
  const queues: string[] = []
  const exchanges: string[] = []
  return {
    queue(prefix: string) {
      const name = uniqueName(prefix)
      queues.push(name)
      return name
    },
    exchange(prefix: string) {
      const name = uniqueName(prefix)
      exchanges.push(name)
      return name
    },
    async cleanup() {
      const model = await amqp.connect(AMQP_URL)
      const channel = await model.createChannel()
      for (const queue of queues) await channel.deleteQueue(queue)
      for (const exchange of exchanges) await channel.deleteExchange(exchange)
      await model.close()
    },
  }
}

/** Collect deliveries (acking each unless told not to) and wait for `count` of them. */
export async function collect(driver: Driver, queue: string, count: number, options: {ack?: boolean; from?: Parameters<Driver['consume']>[1]['from']} = {}) {
  const got: Delivery[] = []
  const sub = await driver.consume(queue, {prefetch: 50, from: options.from}, async (delivery) => {
    got.push(delivery)
    if (options.ack !== false) await delivery.ack()
  })
  await waitFor(`${count} deliveries from ${queue}`, () => got.length >= count)
  await sub.cancel()
  return got
}
