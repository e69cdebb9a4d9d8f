// Conformance cases about queues themselves: expiry, dead letters, priority, length limits,
// declare / delete / inspect / purge semantics and their errors.
import {expect} from 'vitest'
import {type ConformanceCase, endedWithin, quietPeriod, range} from './harness.js'

/** Assert `promise` rejects with an mqkit error of this code (instanceof-free: works across builds). */
async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<Error & {code?: string}> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error & {code?: string},
  )
  expect(error, `expected a ${code} error`).toBeDefined()
  expect(error!.code, error!.message).toBe(code)
  return error!
}

export const queueCases: ConformanceCase[] = [
  {
    name: 'queue TTL expires messages that nobody consumed',
    when: (f) => f.ttl,
    async run(t) {
      // The fresh message goes out once the consumer is subscribed, and the TTL leaves it a second
      // to arrive: at 150 ms, published before the subscription, it expired on a loaded machine.
      // The messages must be seen in the queue first: "ready 0" alone also holds when they never
      // landed. One read right after the confirms, well inside the TTL (ready counts are live).
      await t.declare({ttlMs: 1000})
      await t.publishAll(t.queue, range(3, 'old'))
      expect((await t.stats(t.queue)).ready, 'the published messages are in the queue before they expire').toBe(3)
      await t.waitForStats(t.queue, 'expired messages gone', (s) => s.ready === 0)
      const collector = await t.consume(t.queue)
      await t.driver.publish(t.queue, {body: Buffer.from('fresh')})
      await collector.waitForCount(1)
      expect(collector.bodies()).toEqual(['fresh'])
    },
  },
  {
    name: 'expired messages are dead-lettered',
    when: (f) => f.ttl && f.deadLetter,
    async run(t) {
      const dlq = t.name('dlq')
      await t.declare({name: dlq})
      await t.declare({ttlMs: 100, deadLetter: dlq})
      await t.publishAll(t.queue, ['x1', 'x2'])
      await t.waitForStats(dlq, '2 dead letters', (s) => s.ready === 2)
      const collector = await t.consume(dlq)
      await collector.waitForCount(2)
      expect(collector.bodies()).toEqual(['x1', 'x2'])
      expect((await t.stats(t.queue)).ready).toBe(0)
    },
  },
  {
    name: 'nack(requeue=false) dead-letters the message',
    when: (f) => f.deadLetter,
    async run(t) {
      const dlq = t.name('dlq')
      await t.declare({name: dlq})
      await t.declare({deadLetter: dlq})
      const rejected = await t.consume(t.queue, {settle: (d) => d.nack(false)})
      await t.driver.publish(t.queue, {body: Buffer.from('bad'), headers: {'x-why': 'test'}})
      await rejected.waitForCount(1)
      const dead = await t.consume(dlq)
      await dead.waitForCount(1)
      expect(dead.bodies()).toEqual(['bad'])
      expect(dead.deliveries[0].headers).toMatchObject({'x-why': 'test'})
      await t.waitForStats(t.queue, 'source queue empty', (s) => s.ready === 0 && s.inFlight === 0)
    },
  },
  {
    name: 'per-message expiration drops the expired message only',
    when: (f) => f.messageTtl,
    async run(t) {
      await t.declare()
      await t.driver.publish(t.queue, {body: Buffer.from('short'), expirationMs: 100})
      await t.driver.publish(t.queue, {body: Buffer.from('long')})
      await t.waitForStats(t.queue, 'one message left', (s) => s.ready === 1)
      const collector = await t.consume(t.queue)
      await collector.waitForCount(1)
      expect(collector.bodies()).toEqual(['long'])
    },
  },
  {
    name: 'priority: higher first, FIFO within a priority, above maxPriority clamped',
    when: (f) => f.priority,
    async run(t) {
      await t.declare({maxPriority: 10})
      const sent: Array<[string, number | undefined]> = [
        ['p1', 1],
        ['p5a', 5],
        ['none', undefined],
        ['p9', 9],
        ['p5b', 5],
        ['p200', 200],
        ['p10', 10],
      ]
      for (const [body, priority] of sent) await t.driver.publish(t.queue, {body: Buffer.from(body), priority})
      const collector = await t.consume(t.queue, {prefetch: 1})
      await collector.waitForCount(sent.length)
      expect(collector.bodies()).toEqual(['p200', 'p10', 'p9', 'p5a', 'p5b', 'p1', 'none'])
    },
  },
  {
    name: 'maxLength with drop-head keeps the newest messages',
    when: (f) => f.maxLength,
    async run(t) {
      await t.declare({maxLength: 3, overflow: 'drop-head'})
      await t.publishAll(t.queue, range(5))
      await t.waitForStats(t.queue, 'ready 3', (s) => s.ready === 3)
      const collector = await t.consume(t.queue)
      await collector.waitForCount(3)
      expect(collector.bodies()).toEqual(['m2', 'm3', 'm4'])
    },
  },
  {
    name: 'maxLength drop-head dead-letters the dropped messages',
    when: (f) => f.maxLength && f.deadLetter,
    async run(t) {
      const dlq = t.name('dlq')
      await t.declare({name: dlq})
      await t.declare({maxLength: 2, overflow: 'drop-head', deadLetter: dlq})
      await t.publishAll(t.queue, range(5))
      await t.waitForStats(dlq, '3 dropped to the DLQ', (s) => s.ready === 3)
      const dead = await t.consume(dlq)
      await dead.waitForCount(3)
      expect(dead.bodies()).toEqual(['m0', 'm1', 'm2'])
    },
  },
  {
    name: 'maxLength with reject-publish rejects the publish with a DeliveryError',
    when: (f) => f.maxLength,
    async run(t) {
      await t.declare({maxLength: 2, overflow: 'reject-publish'})
      await t.publishAll(t.queue, range(2))
      await rejectsWithCode(t.driver.publish(t.queue, {body: Buffer.from('one too many')}), 'DELIVERY')
      expect((await t.stats(t.queue)).ready).toBe(2)
    },
  },
  {
    name: 'declare is idempotent for an identical spec',
    async run(t) {
      expect(await t.declare()).toEqual({created: true})
      expect(await t.declare()).toEqual({created: false})
    },
  },
  {
    name: 'declare with a different setting fails with PreconditionError',
    async run(t) {
      const f = t.features
      const [first, second] = f.maxLength
        ? [{maxLength: 10}, {maxLength: 20}]
        : f.partitions
          ? [{partitions: 1}, {partitions: 3}]
          : [{ttlMs: 60_000}, {ttlMs: 120_000}]
      await t.declare(first)
      const error = await rejectsWithCode(t.declare(second), 'PRECONDITION')
      expect(error.message).toContain(t.queue)
    },
  },
  {
    name: 'publish to a missing queue fails with NotFoundError naming it',
    when: (f) => f.missingQueueOnPublish === 'not-found',
    async run(t) {
      const missing = t.name('missing')
      const error = await rejectsWithCode(t.driver.publish(missing, {body: Buffer.from('x')}), 'NOT_FOUND')
      expect(error.message).toContain(missing)
    },
  },
  {
    name: 'inspect after delete fails with NotFoundError',
    async run(t) {
      await t.declare()
      await t.driver.delete(t.queue)
      await rejectsWithCode(t.driver.inspect([t.queue], {group: t.group}), 'NOT_FOUND')
    },
  },
  {
    name: 'inspect counts ready messages and consumers',
    async run(t) {
      await t.declare()
      await t.publishAll(t.queue, range(10))
      await t.waitForStats(t.queue, 'ready 10', (s) => s.ready === 10)
      const collector = await t.consume(t.queue, {prefetch: 1, settle: 'hold'})
      await t.waitForStats(t.queue, '1 consumer', (s) => s.consumers === 1)
      await collector.subscription.cancel()
      await t.waitForStats(t.queue, '0 consumers after cancel', (s) => s.consumers === 0)
    },
  },
  {
    name: 'purge removes ready messages and returns how many',
    async run(t) {
      await t.declare()
      await t.publishAll(t.queue, range(5))
      await t.waitForStats(t.queue, 'ready 5', (s) => s.ready === 5)
      expect(await t.driver.purge(t.queue)).toBe(5)
      expect((await t.stats(t.queue)).ready).toBe(0)
    },
  },
  {
    name: "deleting the queue ends its subscriptions with kind 'deleted'",
    when: (f) => f.endsOnDelete,
    async run(t) {
      await t.declare()
      // A live subscription: it has delivered, so "nothing after the end" below is not vacuous.
      const collector = await t.consume(t.queue)
      await t.driver.publish(t.queue, {body: Buffer.from('before'), key: 'k'})
      await collector.waitForCount(1)
      await t.driver.delete(t.queue)
      const reason = await endedWithin(collector.subscription)
      expect(reason.kind).toBe('deleted')
      await quietPeriod()
      expect(collector.bodies()).toEqual(['before'])
    },
  },
]
