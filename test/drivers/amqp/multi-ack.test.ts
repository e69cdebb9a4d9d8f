// ConsumeOptions.ackEvery against the real RabbitMQ: the frames the driver sends (amqplib's
// Channel.prototype.ack/nack watched) and what the broker gives back afterwards. "Nothing else
// came back" is judged after a message that was deliberately left unacked has come back
// redelivered: it is returned in the same step as any wrongly unacked message would be.
import amqp from 'amqplib'
import {afterAll, afterEach, beforeAll, describe, expect, it, vi} from 'vitest'
import type {Delivery, Driver} from '../../../src/drivers/types.js'
import {AMQP_URL, amqpAvailable, waitFor} from '../../helpers/brokers.js'
import {collect, connectedDriver, createdNames} from './helpers.js'

const available = await amqpAvailable()

describe.skipIf(!available)('amqp driver: multi-ack (ackEvery)', () => {
  let driver: Driver
  let raw: amqp.ChannelModel
  let rawChannel: amqp.Channel
  let channelProto: {ack: amqp.Channel['ack']; nack: amqp.Channel['nack']}
  const names = createdNames()
  beforeAll(async () => {
    driver = await connectedDriver()
    raw = await amqp.connect(AMQP_URL)
    rawChannel = await raw.createChannel()
    // The driver's channels are amqplib Channels too: same prototype.
    channelProto = Object.getPrototypeOf(rawChannel) as typeof channelProto
  })
  afterEach(() => {
    vi.restoreAllMocks()
  })
  afterAll(async () => {
    await driver?.close()
    await raw?.close()
    await names.cleanup()
  })

  /** Record [kind, tag, flag] for every ack/nack frame sent from this process. */
  function watchFrames() {
    const frames: Array<[string, number, boolean]> = []
    const ack = channelProto.ack
    const nack = channelProto.nack
    vi.spyOn(channelProto, 'ack').mockImplementation(function (this: amqp.Channel, message, allUpTo) {
      frames.push(['ack', message.fields.deliveryTag, allUpTo ?? false])
      return ack.call(this, message, allUpTo)
    })
    vi.spyOn(channelProto, 'nack').mockImplementation(function (this: amqp.Channel, message, allUpTo, requeue) {
      frames.push(['nack', message.fields.deliveryTag, requeue ?? true])
      return nack.call(this, message, allUpTo, requeue)
    })
    return frames
  }

  async function fill(queue: string, bodies: string[]) {
    await driver.declare({name: queue, durable: false})
    for (const body of bodies) await driver.publish(queue, {body: Buffer.from(body)})
  }

  it('acks 25 deliveries with ackEvery 10 in three frames; nothing but the held 26th comes back', async () => {
    const queue = names.queue('multi-25')
    await fill(
      queue,
      Array.from({length: 26}, (_, i) => `m${i + 1}`),
    )
    const frames = watchFrames()
    const seen: Delivery[] = []
    // prefetch 10: the broker sends tags 11.. only once the multiple ack for 1..10 has arrived.
    const sub = await driver.consume(queue, {prefetch: 10, ackEvery: 10}, async (d) => {
      seen.push(d)
      if (seen.length <= 25) await d.ack() // the 26th is held
    })
    await waitFor('26 deliveries', () => seen.length === 26)
    await waitFor('the flush timer acking 21..25', () => frames.length === 3)
    expect(frames).toEqual([
      ['ack', 10, true],
      ['ack', 20, true],
      ['ack', 25, true],
    ])
    await sub.cancel()
    const [back] = await collect(driver, queue, 1)
    expect([back.body.toString(), back.redelivered]).toEqual(['m26', true])
    expect((await rawChannel.checkQueue(queue)).messageCount).toBe(0)
  })

  it('out of order: tag 2 acked before tag 1, then close — 1 comes back redelivered, 2 does not', async () => {
    const queue = names.queue('multi-order')
    await fill(queue, ['first', 'second', 'third'])
    const own = await connectedDriver()
    const frames = watchFrames()
    const seen: Delivery[] = []
    await own.consume(queue, {prefetch: 10, ackEvery: 2}, (d) => {
      seen.push(d)
    })
    await waitFor('3 deliveries', () => seen.length === 3)
    await seen[1].ack()
    await seen[2].ack() // 2..3 is a run of 2, but tag 1 is held: nothing may be sent
    expect(frames).toEqual([])
    // Driver.close flushes what is batched before the connection goes (2 and 3, one by one).
    await own.close()
    expect(frames).toEqual([
      ['ack', 2, false],
      ['ack', 3, false],
    ])
    const [back] = await collect(driver, queue, 1)
    expect([back.body.toString(), back.redelivered]).toEqual(['first', true])
    expect((await rawChannel.checkQueue(queue)).messageCount).toBe(0)
  })

  it('a nack(requeue) in a run breaks it: acks below go first, the nacked message comes back', async () => {
    const queue = names.queue('multi-nack')
    await fill(queue, ['a', 'b', 'c', 'd', 'e', 'held'])
    const frames = watchFrames()
    const seen: Delivery[] = []
    const sub = await driver.consume(queue, {prefetch: 20, ackEvery: 10}, async (d) => {
      seen.push(d)
      const body = d.body.toString()
      if (body === 'held') return
      await (body === 'c' && !d.redelivered ? d.nack(true) : d.ack())
    })
    await waitFor('the requeued "c" again', () => seen.length === 7)
    expect(seen.map((d) => `${d.body}${d.redelivered ? '*' : ''}`)).toEqual(['a', 'b', 'c', 'd', 'e', 'held', 'c*'])
    // 'a','b' (tags 1-2) go as one frame before the nack of 3, at once.
    expect(frames.slice(0, 2)).toEqual([
      ['ack', 2, true],
      ['nack', 3, true],
    ])
    // 'd','e' (4-5) and the redelivered 'c' (7) wait for the flush timer, as 6 is held: 4-5 as
    // one multiple ack (or one by one if the timer came between them), 7 alone — a multiple ack
    // for 7 would take the held 6 with it.
    await waitFor('the timer flush of 4, 5 and 7', () => frames.some(([, tag]) => tag === 7) && frames.some(([, tag]) => tag === 5))
    const later = frames.slice(2)
    expect(later.filter(([, tag, multiple]) => multiple && tag !== 5)).toEqual([])
    expect(later.flatMap(([, tag, multiple]) => (multiple ? [4, 5] : [tag])).sort()).toEqual([4, 5, 7])
    await sub.cancel()
    const [back] = await collect(driver, queue, 1)
    expect([back.body.toString(), back.redelivered]).toEqual(['held', true])
    expect((await rawChannel.checkQueue(queue)).messageCount).toBe(0)
  })

  it('refuses ackEvery below 1 with a usage error', async () => {
    const queue = names.queue('multi-bad')
    await fill(queue, [])
    await expect(driver.consume(queue, {ackEvery: 0}, () => {})).rejects.toMatchObject({code: 'USAGE', message: expect.stringMatching(/--multi-ack/)})
  })
})
