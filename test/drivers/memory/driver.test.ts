import {describe, expect, it} from 'vitest'
import {createDriver} from '../../../src/drivers/index.js'
import type {Delivery} from '../../../src/drivers/types.js'
import {DeliveryError, NotFoundError, PreconditionError, UnsupportedError} from '../../../src/errors.js'
import {EXIT_AT_END, runConformance} from '../../conformance/suite.js'
import {uniqueName, waitFor} from '../../helpers/brokers.js'

const context = {clientName: 'mqkit test'}

// Every driver made here is a separate connection to the same in-process broker.
runConformance('memory', async () => createDriver(`memory://conf-${process.pid}`, context), {
  features: {
    priority: true,
    ttl: true,
    messageTtl: true,
    deadLetter: true,
    maxLength: true,
    requeue: true,
    deliveryCount: true,
    ordering: 'queue',
    partitions: false,
    persistence: false,
    competingConsumers: true,
    exchanges: false,
    redeliverOnClose: true,
    crossProcess: false,
    missingQueueOnPublish: 'not-found',
    endsOnDelete: true,
    keyPreserved: true,
  },
  skips: [EXIT_AT_END],
})

async function connected(url = `memory://specific-${process.pid}`) {
  const driver = await createDriver(url, context)
  await driver.connect()
  return driver
}

const bodiesOf = (deliveries: Delivery[]) => deliveries.map((d) => d.body.toString())
const range = (count: number) => Array.from({length: count}, (_, i) => `m${i}`)

describe('memory:// specifics', () => {
  it('round-robins across competing consumers with credit, one each in turn', async () => {
    const driver = await connected()
    const queue = uniqueName('rr')
    await driver.declare({name: queue})
    const received: string[][] = [[], [], []]
    for (const box of received)
      await driver.consume(queue, {prefetch: 10}, async (d) => {
        box.push(d.body.toString())
        await d.ack()
      })
    for (const body of range(30)) await driver.publish(queue, {body: Buffer.from(body)})
    await waitFor('30 delivered', () => received.flat().length === 30)
    expect(received.map((box) => box.length)).toEqual([10, 10, 10])
    expect(received[0]).toEqual(['m0', 'm3', 'm6', 'm9', 'm12', 'm15', 'm18', 'm21', 'm24', 'm27'])
    await driver.close()
  })

  it('two driver instances on one URL share a broker; another path is another broker', async () => {
    const name = `shared-${process.pid}`
    const producer = await connected(`memory://${name}`)
    const consumer = await connected(`memory://${name}`)
    const other = await connected(`memory://${name}-other`)
    const queue = uniqueName('shared')
    await producer.declare({name: queue})
    const got: Delivery[] = []
    await consumer.consume(queue, {}, (d) => void got.push(d))
    await producer.publish(queue, {body: Buffer.from('hello')})
    await waitFor('delivery across connections', () => got.length === 1)
    await expect(other.inspect([queue])).rejects.toMatchObject({code: 'NOT_FOUND'})
    const all = await producer.inspect([])
    expect(all.source).toBe('in-process broker')
    expect(all.queues.map((q) => q.name)).toContain(queue)
    await Promise.all([producer.close(), consumer.close(), other.close()])
  })

  it('drop-head dead-letters the oldest with death headers; reject-publish rejects with reason "rejected"', async () => {
    const driver = await connected()
    const queue = uniqueName('dh')
    await driver.declare({name: `${queue}-dlq`})
    await driver.declare({name: queue, maxLength: 1, deadLetter: `${queue}-dlq`})
    await driver.publish(queue, {body: Buffer.from('first'), headers: {a: '1'}})
    await driver.publish(queue, {body: Buffer.from('second')})
    const dead: Delivery[] = []
    await driver.consume(`${queue}-dlq`, {}, (d) => void dead.push(d))
    await waitFor('dead letter', () => dead.length === 1)
    expect(dead[0].body.toString()).toBe('first')
    expect(dead[0].headers).toMatchObject({a: '1', 'x-first-death-reason': 'maxlen', 'x-first-death-queue': queue})
    expect(dead[0].deliveryCount).toBe(1)

    await driver.declare({name: `${queue}-full`, maxLength: 1, overflow: 'reject-publish'})
    await driver.publish(`${queue}-full`, {body: Buffer.from('fits')})
    const error = await driver.publish(`${queue}-full`, {body: Buffer.from('no room')}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeliveryError)
    expect((error as DeliveryError).reason).toBe('rejected')
    await driver.close()
  })

  it('delete ends subscriptions with kind "deleted"; deleting a missing queue is NotFound', async () => {
    const driver = await connected()
    const queue = uniqueName('del')
    await driver.declare({name: queue})
    const subscription = await driver.consume(queue, {}, () => {})
    await driver.delete(queue)
    expect(await subscription.ended).toEqual({kind: 'deleted', message: `queue "${queue}" was deleted`})
    await expect(driver.delete(queue)).rejects.toBeInstanceOf(NotFoundError)
    await expect(driver.publish(queue, {body: Buffer.from('x')})).rejects.toThrow(`queue "${queue}" does not exist`)
    await driver.close()
  })

  it('close() returns unacked deliveries to the head, in order, redelivered, deliveryCount+1', async () => {
    const producer = await connected()
    const first = await connected()
    const queue = uniqueName('close')
    await producer.declare({name: queue})
    for (const body of range(6)) await producer.publish(queue, {body: Buffer.from(body)})
    const held: Delivery[] = []
    await first.consume(queue, {prefetch: 2}, (d) => void held.push(d))
    const late = await first.consume(queue, {prefetch: 2}, (d) => void held.push(d))
    await waitFor('4 held', () => held.length === 4)
    await late.cancel() // a cancelled consumer's unacked stay pending until close
    expect((await producer.inspect([queue])).queues[0]).toMatchObject({ready: 2, inFlight: 4, consumers: 1})
    await first.close()
    await held[0].ack() // after close: ignored, the message was handed back
    expect((await producer.inspect([queue])).queues[0]).toMatchObject({ready: 6, inFlight: 0, consumers: 0})
    const again: Delivery[] = []
    await producer.consume(queue, {}, (d) => void again.push(d))
    await waitFor('6 again', () => again.length === 6)
    expect(bodiesOf(again)).toEqual(range(6))
    expect(again.slice(0, 4).map((d) => [d.redelivered, d.deliveryCount])).toEqual(Array(4).fill([true, 2]))
    expect(again.slice(4).map((d) => [d.redelivered, d.deliveryCount])).toEqual(Array(2).fill([false, 1]))
    await producer.close()
  })

  it('redeclare with a different setting names it; unsupported settings are refused', async () => {
    const driver = await connected()
    const queue = uniqueName('decl')
    await driver.declare({name: queue, maxLength: 10})
    const error = await driver.declare({name: queue, maxLength: 20}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PreconditionError)
    expect((error as PreconditionError).message).toBe(`queue "${queue}" exists with maxLength=10, declared with maxLength=20`)
    expect((error as PreconditionError).setting).toBe('maxLength')
    await expect(driver.declare({name: queue, maxLength: 10, overflow: 'drop-head'})).resolves.toEqual({created: false})
    await expect(driver.declare({name: uniqueName('p'), partitions: 2})).rejects.toBeInstanceOf(UnsupportedError)
    await expect(driver.declare({name: uniqueName('qt'), queueType: 'quorum'})).rejects.toBeInstanceOf(UnsupportedError)
    await expect(driver.publish(queue, {body: Buffer.from('x'), exchange: 'amq.direct'})).rejects.toBeInstanceOf(UnsupportedError)
    expect((await driver.inspect([queue])).queues[0].extras).toEqual({maxLength: 10, overflow: 'drop-head'})
    await driver.close()
  })

  it('a handler that throws gets the message back (requeued, deliveryCount 2)', async () => {
    const driver = await connected()
    const queue = uniqueName('throw')
    await driver.declare({name: queue})
    const seen: Delivery[] = []
    await driver.consume(queue, {}, async (d) => {
      seen.push(d)
      if (seen.length === 1) throw new Error('handler failed')
      await d.ack()
    })
    await driver.publish(queue, {body: Buffer.from('x')})
    await waitFor('redelivery', () => seen.length === 2)
    expect(seen[1].deliveryCount).toBe(2)
    await driver.close()
  })

  it('delivers a deep queue in batches without starving timers', async () => {
    const driver = await connected()
    const queue = uniqueName('deep')
    await driver.declare({name: queue})
    const total = 50_000
    const body = Buffer.alloc(16)
    for (let i = 0; i < total; i++) await driver.publish(queue, {body})
    let received = 0
    let receivedWhenTimerFired = -1
    setTimeout(() => (receivedWhenTimerFired = received), 0)
    await driver.consume(queue, {autoAck: true}, () => void received++)
    await waitFor('all delivered', () => received === total)
    expect(receivedWhenTimerFired).toBeGreaterThanOrEqual(0)
    expect(receivedWhenTimerFired).toBeLessThan(total) // the timer ran mid-way
    await driver.close()
  })

  it('an expired message behind the head is dead-lettered once it reaches the head (sweep timer)', async () => {
    const driver = await connected()
    const queue = uniqueName('sweep')
    await driver.declare({name: `${queue}-dlq`})
    await driver.declare({name: queue, deadLetter: `${queue}-dlq`})
    await driver.publish(queue, {body: Buffer.from('keeps')})
    await driver.publish(queue, {body: Buffer.from('expires'), expirationMs: 50})
    const got: Delivery[] = []
    await driver.consume(queue, {prefetch: 1}, (d) => void got.push(d)) // holds 'keeps', unacked
    await waitFor('head taken', () => got.length === 1)
    await waitFor('dead-lettered', async () => (await driver.inspect([`${queue}-dlq`])).queues[0].ready === 1)
    expect((await driver.inspect([queue])).queues[0]).toMatchObject({ready: 0, inFlight: 1})
    await driver.close()
  })

  it('operations after close fail with a ConnectionError', async () => {
    const driver = await connected()
    await driver.close()
    await expect(driver.inspect([])).rejects.toMatchObject({code: 'CONNECTION'})
  })
})
