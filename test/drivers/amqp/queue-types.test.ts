// Quorum and stream queues declared through the driver and consumed (bench --queue-type):
// multi-ack on both, a stream read again from an offset, and the consume options a stream
// refuses turned into clear errors that leave the driver's connection working.
import amqp from 'amqplib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Delivery, Driver} from '../../../src/drivers/types.js'
import {AMQP_URL, amqpAvailable, waitFor} from '../../helpers/brokers.js'
import {collect, connectedDriver, createdNames} from './helpers.js'

const available = await amqpAvailable()

describe.skipIf(!available)('amqp driver: quorum and stream queues', () => {
  let driver: Driver
  let raw: amqp.ChannelModel
  let rawChannel: amqp.Channel
  const names = createdNames()
  beforeAll(async () => {
    driver = await connectedDriver()
    raw = await amqp.connect(AMQP_URL)
    rawChannel = await raw.createChannel()
  })
  afterAll(async () => {
    await driver?.close()
    await raw?.close()
    await names.cleanup()
  })

  async function fill(queue: string, n: number) {
    await Promise.all(Array.from({length: n}, (_, i) => driver.publish(queue, {body: Buffer.from(`m${i}`), persistent: true})))
  }

  it('quorum: 25 acked with ackEvery 10 at prefetch 10; only the held 26th comes back', async () => {
    const queue = names.queue('quorum-multi')
    await driver.declare({name: queue, queueType: 'quorum'})
    await fill(queue, 26)
    const seen: Delivery[] = []
    const sub = await driver.consume(queue, {prefetch: 10, ackEvery: 10}, async (d) => {
      seen.push(d)
      if (seen.length <= 25) await d.ack()
    })
    await waitFor('26 deliveries', () => seen.length === 26)
    await sub.cancel()
    const [back] = await collect(driver, queue, 1)
    expect([back.redelivered, back.deliveryCount]).toEqual([true, 2])
    expect(back.body.toString()).toBe(seen[25].body.toString())
    expect((await rawChannel.checkQueue(queue)).messageCount).toBe(0)
  })

  it('stream: read from the beginning with ackEvery, then again from an offset (a stream keeps its messages)', async () => {
    const queue = names.queue('stream-multi')
    await driver.declare({name: queue, queueType: 'stream'})
    for (let i = 0; i < 25; i++) await driver.publish(queue, {body: Buffer.from(`m${i}`), persistent: true})
    const all: string[] = []
    const sub = await driver.consume(queue, {prefetch: 10, ackEvery: 10, from: {kind: 'beginning'}}, async (d) => {
      all.push(d.body.toString())
      await d.ack()
    })
    // prefetch 10 and 25 arrive: the acks (credit) got through.
    await waitFor('25 stream messages', () => all.length === 25)
    await sub.cancel()
    expect(all).toEqual(Array.from({length: 25}, (_, i) => `m${i}`))
    const tail = await collect(driver, queue, 5, {from: {kind: 'offset', offset: '20'}})
    expect(tail.map((d) => d.body.toString())).toEqual(['m20', 'm21', 'm22', 'm23', 'm24'])
  })

  it('stream: prefetch 0 is a usage error and --no-ack unsupported; the connection survives both', async () => {
    const queue = names.queue('stream-refusals')
    await driver.declare({name: queue, queueType: 'stream'})
    await expect(driver.consume(queue, {prefetch: 0}, () => {})).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/is a stream: .*prefetch/),
    })
    await expect(driver.consume(queue, {autoAck: true}, () => {})).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringMatching(/is a stream: .*--no-ack/),
    })
    // Still connected: a publish and a read work.
    await driver.publish(queue, {body: Buffer.from('after')})
    const [after] = await collect(driver, queue, 1, {from: {kind: 'beginning'}})
    expect(after.body.toString()).toBe('after')
  })
})
