// The broker stops and comes back while a driver publishes (on a private broker; the shared one
// is never touched), once per ?client=. Publishes made while it is gone fail as connection errors
// (exit 3 at the command) within the connect timeout, naming the refusal; once it is back the same
// driver publishes again (fresh metadata, new connections) and per-key order holds.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Driver} from '../../../src/drivers/types.js'
import {ConnectionError} from '../../../src/errors.js'
import {kafkaAvailable, waitFor} from '../../helpers/brokers.js'
import {CLIENTS, collector, kafkaDriver, topicName, withClient} from './helpers.js'
import {privateKafka, type PrivateKafka} from './private-broker.js'

const available = await kafkaAvailable() // the shared broker's jars are what the private one runs on
const CONNECT_TIMEOUT_MS = 3000
const KEYS = 5

describe.runIf(available)('kafka: broker stopped and restarted while publishing (private broker)', () => {
  let broker: PrivateKafka
  const drivers: Driver[] = []

  beforeAll(async () => {
    broker = await privateKafka({sasl: false})
    await broker.start()
  }, 180_000)
  afterAll(async () => {
    await Promise.all(drivers.map((d) => d.close().catch(() => {})))
    await broker?.destroy()
  }, 90_000)

  it.each(CLIENTS)(
    '?client=%s: a ConnectionError within the connect timeout while it is gone; publishing resumes on the same driver once it is back, in order per key',
    async (client) => {
      const driver = await kafkaDriver(withClient(broker.url, client), CONNECT_TIMEOUT_MS)
      drivers.push(driver)
      const topic = topicName(`produce-restart-${client}`)
      await driver.declare({name: topic, partitions: 3})

      // Publishers that keep going: each remembers what was confirmed, per key, in order.
      const confirmed: string[][] = Array.from({length: KEYS}, () => [])
      const failures: Array<{error: unknown; atMs: number}> = []
      let running = true
      const publisher = async (key: number) => {
        for (let i = 0; running; i++) {
          const body = `${key}:${i}`
          try {
            await driver.publish(topic, {body: Buffer.from(body), key: `k${key}`})
            confirmed[key].push(body)
          } catch (error) {
            failures.push({error, atMs: performance.now()})
            await new Promise((resolve) => setTimeout(resolve, 50))
          }
        }
      }
      const publishers = Array.from({length: KEYS}, (_, key) => publisher(key))
      const total = () => confirmed.reduce((sum, list) => sum + list.length, 0)
      await waitFor('publishes before the stop', () => total() >= 200, 20_000)

      await broker.stop()
      const stoppedAtMs = performance.now()
      const failure = await waitFor('a failed publish after the stop', () => failures.find((f) => f.atMs >= stoppedAtMs), CONNECT_TIMEOUT_MS + 2000)
      expect(failure.atMs - stoppedAtMs).toBeLessThan(CONNECT_TIMEOUT_MS)
      expect(failure.error).toBeInstanceOf(ConnectionError)
      expect((failure.error as Error).message).toMatch(/^cannot reach Kafka at 127\.0\.0\.1:\d+/)

      // Every failure, also those while the broker shut down (answers the client could not read
      // included), is a connection error naming what happened.
      for (const {error} of failures) {
        expect(error).toBeInstanceOf(ConnectionError)
        expect((error as Error).message).not.toMatch(/out of bounds/i)
      }

      await broker.start()
      const before = total()
      await waitFor('publishes confirmed after the restart', () => total() >= before + 200, 30_000)
      running = false
      await Promise.all(publishers)

      // Everything confirmed is stored, and each key's records are in publish order (a retried
      // request may add duplicates: at least once).
      const reader = collector()
      const subscription = await driver.consume(topic, {from: {kind: 'beginning'}}, reader.handler)
      await reader.waitFor(total(), 30_000)
      await subscription.cancel()
      for (let key = 0; key < KEYS; key++) {
        const stored = reader.received.filter((d) => d.key === `k${key}`).map((d) => d.body.toString())
        const firsts = stored.filter((body, index) => stored.indexOf(body) === index)
        expect(firsts.filter((body) => confirmed[key].includes(body))).toEqual(confirmed[key])
      }
      await driver.delete(topic)
    },
    120_000,
  )
})
