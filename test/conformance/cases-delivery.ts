// Conformance cases about getting messages to consumers: round trip, order, acks, requeue,
// redelivery, competing consumers, prefetch, autoAck, cancel.
import {expect} from 'vitest'
import {publishWithCallbacks} from '../../src/drivers/publish-callbacks.js'
import type {Delivery} from '../../src/drivers/types.js'
import {waitFor} from '../helpers/brokers.js'
import {type ConformanceCase, endedWithin, quietPeriod, range} from './harness.js'

/** The case only a backend with an end of log runs (the queue backends pin it as skipped). */
export const EXIT_AT_END = "exitAtEnd: the subscription ends with kind 'end' once everything published was delivered and acked"

export const deliveryCases: ConformanceCase[] = [
  {
    name: 'round trip keeps body bytes, key, headers and properties',
    async run(t) {
      await t.declare()
      const body = Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x80, 0xc3, 0x28, 0x0a, ...Buffer.from('héllo ✓')])
      const headers = {'x-trace': 'abc-123', 'x-unicode': 'é✓'}
      const collector = await t.consume(t.queue)
      const before = Date.now()
      await t.driver.publish(t.queue, {body, key: 'key-1', headers, messageId: 'id-1', correlationId: 'corr-1', contentType: 'application/octet-stream'})
      await collector.waitForCount(1)
      const [delivery] = collector.deliveries
      expect(Buffer.compare(delivery.body, body)).toBe(0)
      expect(delivery.queue).toBe(t.queue)
      if (t.features.keyPreserved) expect(delivery.key).toBe('key-1')
      expect(delivery.headers).toMatchObject(headers)
      expect(delivery.messageId).toBe('id-1')
      expect(delivery.correlationId).toBe('corr-1')
      expect(delivery.contentType).toBe('application/octet-stream')
      expect(delivery.redelivered).toBe(false)
      expect(delivery.deliveryCount).toBe(1)
      if (delivery.timestampMs !== 0) expect(Math.abs(delivery.timestampMs - before)).toBeLessThan(60_000)
    },
  },
  {
    name: 'FIFO: 200 messages arrive in publish order',
    async run(t) {
      await t.declare()
      const bodies = range(200)
      // One key: where ordering is per partition, one key means one partition.
      await t.publishAll(t.queue, bodies, {key: 'order'})
      const collector = await t.consume(t.queue, {prefetch: 50})
      await collector.waitForCount(200)
      expect(collector.bodies()).toEqual(bodies)
    },
  },
  {
    name: 'publish with callbacks (the bench hot path): 200 outstanding at once, each confirmed exactly once, delivered in order',
    async run(t) {
      await t.declare()
      const bodies = range(200)
      const confirms = new Array<number>(bodies.length).fill(0)
      const failures: Error[] = []
      const publish = publishWithCallbacks(t.driver)
      await new Promise<void>((resolve) => {
        let settled = 0
        const counted = () => ++settled === bodies.length && resolve()
        for (const [index, body] of bodies.entries())
          publish(
            t.queue,
            {body: Buffer.from(body), key: 'order'},
            () => {
              confirms[index]++
              counted()
            },
            (error) => {
              failures.push(error)
              counted()
            },
          )
      })
      const collector = await t.consume(t.queue, {prefetch: 50})
      await collector.waitForCount(200)
      await quietPeriod()
      expect(failures).toEqual([])
      expect(confirms.every((n) => n === 1)).toBe(true)
      expect(collector.bodies()).toEqual(bodies)
    },
  },
  {
    name: 'publish with callbacks to a missing queue calls failed once with NotFoundError, never confirmed',
    when: (f) => f.missingQueueOnPublish === 'not-found',
    async run(t) {
      const missing = t.name('missing')
      const outcomes: Array<Error | 'confirmed'> = []
      const publish = publishWithCallbacks(t.driver)
      await new Promise<void>((resolve) => {
        publish(
          missing,
          {body: Buffer.from('x')},
          () => {
            outcomes.push('confirmed')
            resolve()
          },
          (error) => {
            outcomes.push(error)
            resolve()
          },
        )
      })
      await quietPeriod()
      expect(outcomes).toHaveLength(1)
      expect((outcomes[0] as Error & {code?: string}).code).toBe('NOT_FOUND')
      expect((outcomes[0] as Error).message).toContain(missing)
    },
  },
  {
    name: 'acked messages are gone: ready 0, inFlight 0',
    async run(t) {
      await t.declare()
      await t.publishAll(t.queue, range(3))
      const collector = await t.consume(t.queue)
      await collector.waitForCount(3)
      await t.waitForStats(t.queue, 'ready 0 and inFlight 0 after acks', (s) => s.ready === 0 && s.inFlight === 0)
      await collector.subscription.cancel()
      await quietPeriod()
      expect(collector.deliveries).toHaveLength(3)
    },
  },
  {
    name: 'unacked deliveries are counted in inFlight, not ready',
    async run(t) {
      await t.declare()
      await t.publishAll(t.queue, range(3))
      const collector = await t.consume(t.queue, {prefetch: 10, settle: 'hold'})
      await collector.waitForCount(3)
      await t.waitForStats(t.queue, 'inFlight 3, ready 0', (s) => s.inFlight === 3 && s.ready === 0)
      for (const delivery of collector.deliveries) await delivery.ack()
      await t.waitForStats(t.queue, 'inFlight 0 after acks', (s) => s.inFlight === 0 && s.ready === 0)
    },
  },
  {
    name: 'nack(requeue) redelivers at the head with redelivered=true and deliveryCount 2',
    when: (f) => f.requeue,
    async run(t) {
      await t.declare()
      await t.publishAll(t.queue, ['again', 'later'])
      let first = true
      const collector = await t.consume(t.queue, {
        prefetch: 1,
        settle: async (delivery) => {
          if (first) {
            first = false
            await delivery.nack(true)
          } else await delivery.ack()
        },
      })
      await collector.waitForCount(3)
      const [once, twice] = collector.deliveries
      expect(collector.bodies()).toEqual(['again', 'again', 'later'])
      expect(once.redelivered).toBe(false)
      expect(once.deliveryCount).toBe(1)
      expect(twice.redelivered).toBe(true)
      expect(twice.deliveryCount).toBe(2)
    },
  },
  {
    name: 'unacked deliveries go to another consumer when their connection closes',
    when: (f) => f.redeliverOnClose,
    async run(t) {
      await t.declare()
      const first = await t.openDriver()
      const bodies = range(5)
      const held = await t.consume(t.queue, {prefetch: 10, settle: 'hold'}, first)
      await t.publishAll(t.queue, bodies)
      await held.waitForCount(5)
      const second = await t.consume(t.queue, {prefetch: 10})
      await first.close()
      await second.waitForCount(5)
      expect(new Set(second.bodies())).toEqual(new Set(bodies))
      // A queue broker keeps each message's delivery state and marks it redelivered (RabbitMQ's
      // flag; memory and local count). A log keeps none: the group member that takes over a
      // partition reads from the committed offset and cannot know another member had the records
      // (Kafka marks only what the same consumer gets again).
      if (!t.features.backlogIsGroupLag) {
        expect(second.deliveries.map((d) => [d.redelivered, d.deliveryCount])).toEqual(bodies.map(() => [true, 2]))
      }
    },
  },
  {
    name: 'competing consumers share the messages: each gets some, none twice, all delivered',
    when: (f) => f.competingConsumers,
    async run(t) {
      await t.declare(t.features.partitions ? {partitions: 2} : {})
      const bodies = range(40)
      let release = false
      const held: Delivery[] = []
      // Hold the first deliveries so one consumer's prefetch fills and the other must get some.
      const settle = async (delivery: Delivery) => {
        if (release) await delivery.ack()
        else held.push(delivery)
      }
      const a = await t.consume(t.queue, {prefetch: 5, settle}, await t.openDriver())
      const b = await t.consume(t.queue, {prefetch: 5, settle}, await t.openDriver())
      await t.waitForStats(t.queue, '2 consumers', (s) => s.consumers === 2)
      // Distinct keys spread the messages over partitions where there are any.
      for (const body of bodies) await t.driver.publish(t.queue, {body: Buffer.from(body), key: body})
      await waitFor('10 held deliveries', () => held.length >= 10)
      release = true
      for (const delivery of held) await delivery.ack()
      const all = () => [...a.bodies(), ...b.bodies()]
      await waitFor(`all 40 delivered (have ${all().length})`, () => new Set(all()).size === 40)
      await quietPeriod()
      expect(a.deliveries.length).toBeGreaterThan(0)
      expect(b.deliveries.length).toBeGreaterThan(0)
      expect(all()).toHaveLength(40) // none twice
      expect(new Set(all())).toEqual(new Set(bodies))
    },
  },
  {
    name: 'prefetch 5 without acks delivers exactly 5; acking releases more',
    async run(t) {
      await t.declare()
      await t.publishAll(t.queue, range(20))
      const collector = await t.consume(t.queue, {prefetch: 5, settle: 'hold'})
      await collector.waitForCount(5)
      await quietPeriod()
      expect(collector.deliveries).toHaveLength(5)
      for (const delivery of collector.deliveries.slice(0, 5)) await delivery.ack()
      await collector.waitForCount(10)
      await quietPeriod()
      expect(collector.deliveries).toHaveLength(10)
      expect(collector.bodies()).toEqual(range(10))
    },
  },
  {
    name: 'autoAck: deliveries need no ack and nothing stays in flight',
    async run(t) {
      await t.declare()
      const collector = await t.consume(t.queue, {autoAck: true, settle: 'hold'})
      await t.publishAll(t.queue, range(3))
      await collector.waitForCount(3)
      expect(collector.bodies()).toEqual(range(3))
      await t.waitForStats(t.queue, 'ready 0 and inFlight 0', (s) => s.ready === 0 && s.inFlight === 0)
      await collector.deliveries[0].ack() // a no-op, not an error
    },
  },
  {
    name: 'cancel() ends the subscription and stops its deliveries',
    async run(t) {
      await t.declare()
      const cancelled = await t.consume(t.queue)
      await cancelled.subscription.cancel()
      expect(await endedWithin(cancelled.subscription)).toEqual({kind: 'cancelled'})
      await t.driver.publish(t.queue, {body: Buffer.from('after-cancel')})
      const next = await t.consume(t.queue)
      await next.waitForCount(1)
      expect(next.bodies()).toEqual(['after-cancel'])
      expect(cancelled.deliveries).toHaveLength(0)
    },
  },
  {
    name: EXIT_AT_END,
    when: (f) => f.endOfLog,
    async run(t) {
      await t.declare()
      const bodies = range(25)
      await t.publishAll(t.queue, bodies, {key: 'end'})
      const collector = await t.consume(t.queue, {exitAtEnd: true, prefetch: 10})
      const reason = await endedWithin(collector.subscription, 20_000)
      expect(reason.kind).toBe('end')
      expect(collector.bodies()).toEqual(bodies)
    },
  },
]
