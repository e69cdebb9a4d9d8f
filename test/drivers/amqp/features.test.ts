// RabbitMQ-specific behaviour of the driver against the real broker: routing through every
// exchange type, quorum delivery counts, stream offsets, broker-side cancel, inspect sources,
// and byte-for-byte interop with a plain amqplib client.
import amqp from 'amqplib'
import {renderInspectTable} from '../../../src/output/inspect-table.js'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Delivery, Driver} from '../../../src/drivers/types.js'
import {AMQP_URL, amqpAvailable, IN_CI, managementAddress, managementAvailable, waitFor} from '../../helpers/brokers.js'
import {collect, connectedDriver, createdNames} from './helpers.js'

const available = await amqpAvailable()
// The management plugin is optional locally: its test runs only when the API answers (a note on
// stderr otherwise). Under CI=true it runs anyway, and fails on its first line.
const managementOn = available && (await managementAvailable(false))

describe.skipIf(!available)('amqp driver: RabbitMQ features', () => {
  let driver: Driver
  let raw: amqp.ChannelModel
  const names = createdNames()
  beforeAll(async () => {
    driver = await connectedDriver()
    raw = await amqp.connect(AMQP_URL)
  })
  afterAll(async () => {
    await driver?.close()
    await raw?.close()
    await names.cleanup()
  })

  it('routes through direct, topic, fanout and headers exchanges and exchange→exchange bindings', async () => {
    const [direct, topic, fanout, headers, upstream] = ['direct', 'topic', 'fanout', 'headers', 'upstream'].map((t) => names.exchange(t))
    const [qa, qb] = [names.queue('route-a'), names.queue('route-b')]
    for (const queue of [qa, qb]) await driver.declare({name: queue, durable: false})
    await driver.declareExchange!({name: direct, type: 'direct', durable: false})
    await driver.declareExchange!({name: topic, type: 'topic', durable: false})
    await driver.declareExchange!({name: fanout, type: 'fanout', durable: false})
    await driver.declareExchange!({name: headers, type: 'headers', durable: false})
    expect(await driver.declareExchange!({name: upstream, type: 'fanout', durable: false})).toEqual({created: true})
    expect(await driver.declareExchange!({name: upstream, type: 'fanout', durable: false})).toEqual({created: false})
    await driver.bind!({source: direct, destination: qa, destinationType: 'queue', routingKey: 'a'})
    await driver.bind!({source: topic, destination: qb, destinationType: 'queue', routingKey: 'orders.*.eu'})
    await driver.bind!({source: fanout, destination: qa, destinationType: 'queue'})
    await driver.bind!({source: fanout, destination: qb, destinationType: 'queue'})
    await driver.bind!({source: headers, destination: qb, destinationType: 'queue', args: {'x-match': 'all', region: 'eu'}})
    await driver.bind!({source: upstream, destination: direct, destinationType: 'exchange'})

    const send = (exchange: string, key: string, body: string, hdrs?: Record<string, string>) =>
      driver.publish('', {exchange, key, body: Buffer.from(body), headers: hdrs, mandatory: true})
    await send(direct, 'a', 'direct-a')
    await expect(send(direct, 'b', 'direct-b')).rejects.toMatchObject({reason: 'unroutable'})
    await send(topic, 'orders.new.eu', 'topic-eu')
    await expect(send(topic, 'orders.new.us', 'topic-us')).rejects.toMatchObject({reason: 'unroutable'})
    await send(fanout, 'anything', 'fanout')
    await send(headers, '', 'headers-eu', {region: 'eu'})
    await expect(send(headers, '', 'headers-us', {region: 'us'})).rejects.toMatchObject({reason: 'unroutable'})
    // upstream (fanout) → direct: routing key 'a' survives the hop.
    await send(upstream, 'a', 'via-upstream')

    const bodies = async (queue: string, n: number) => (await collect(driver, queue, n)).map((d) => d.body.toString()).sort()
    expect(await bodies(qa, 3)).toEqual(['direct-a', 'fanout', 'via-upstream'])
    expect(await bodies(qb, 3)).toEqual(['fanout', 'headers-eu', 'topic-eu'])

    await driver.unbind!({source: direct, destination: qa, destinationType: 'queue', routingKey: 'a'})
    await expect(send(direct, 'a', 'gone')).rejects.toMatchObject({reason: 'unroutable'})
  })

  it('counts deliveries on a quorum queue from x-delivery-count', async () => {
    const queue = names.queue('quorum')
    await driver.declare({name: queue, queueType: 'quorum'})
    await driver.publish(queue, {body: Buffer.from('again')})
    const seen: Delivery[] = []
    const sub = await driver.consume(queue, {prefetch: 1}, async (delivery) => {
      seen.push(delivery)
      await (seen.length < 3 ? delivery.nack(true) : delivery.ack())
    })
    await waitFor('three deliveries', () => seen.length >= 3)
    await sub.cancel()
    expect(seen.map((d) => d.deliveryCount)).toEqual([1, 2, 3])
    expect(seen.map((d) => d.redelivered)).toEqual([false, true, true])
    // The counting header is the broker's, visible as a header too.
    expect(seen[2].headers['x-delivery-count']).toBe('2')
  })

  it('reads a stream queue from the first offset, and only new messages from the end', async () => {
    const queue = names.queue('stream')
    await driver.declare({name: queue, queueType: 'stream'})
    for (const body of ['s1', 's2', 's3']) await driver.publish(queue, {body: Buffer.from(body)})
    const fromFirst = await collect(driver, queue, 3, {from: {kind: 'beginning'}})
    expect(fromFirst.map((d) => d.body.toString())).toEqual(['s1', 's2', 's3'])
    // A stream keeps its messages: reading from the start again gives them again.
    const again = await collect(driver, queue, 3, {from: {kind: 'offset', offset: '0'}})
    expect(again.map((d) => d.body.toString())).toEqual(['s1', 's2', 's3'])
    const fresh: string[] = []
    const sub = await driver.consume(queue, {prefetch: 10, from: {kind: 'end'}}, async (d) => {
      fresh.push(d.body.toString())
      await d.ack()
    })
    await driver.publish(queue, {body: Buffer.from('s4')})
    await waitFor('the new stream message', () => fresh.length >= 1)
    await sub.cancel()
    expect(fresh).toEqual(['s4'])
  })

  it('ends a subscription with kind "deleted" when the queue is deleted under it', async () => {
    const queue = names.queue('deleted')
    await driver.declare({name: queue, durable: false})
    const sub = await driver.consume(queue, {}, async (d) => d.ack())
    await driver.delete(queue)
    const reason = await sub.ended
    expect(reason.kind).toBe('deleted')
    expect(reason).toMatchObject({message: expect.stringContaining(queue)})
  })

  it('dead-letters a nacked message into a queue named as deadLetter, and requeues with redelivered set', async () => {
    const dlq = names.queue('dlq')
    const queue = names.queue('with-dlq')
    await driver.declare({name: dlq, durable: false})
    await driver.declare({name: queue, durable: false, deadLetter: dlq})
    await driver.publish(queue, {body: Buffer.from('poison')})
    const seen: Delivery[] = []
    const sub = await driver.consume(queue, {prefetch: 1}, async (d) => {
      seen.push(d)
      await d.nack(seen.length === 1) // requeue once, then dead-letter
    })
    await waitFor('two deliveries', () => seen.length >= 2)
    await sub.cancel()
    expect(seen.map((d) => [d.redelivered, d.deliveryCount])).toEqual([
      [false, 1],
      [true, 2],
    ])
    const [dead] = await collect(driver, dlq, 1)
    expect(dead.body.toString()).toBe('poison')
    expect(JSON.parse(dead.headers['x-death'])[0]).toMatchObject({reason: 'rejected', queue})
  })

  it('inspects by passive declare with the management API off', async () => {
    const queue = names.queue('inspect')
    await driver.declare({name: queue, durable: false})
    for (let i = 0; i < 3; i++) await driver.publish(queue, {body: Buffer.from(`${i}`)})
    const passive = await connectedDriver(`${AMQP_URL}?mgmt=off`)
    try {
      const result = await passive.inspect([queue])
      expect(result.source).toBe('passive declare')
      expect(result.queues).toEqual([{name: queue, ready: 3, inFlight: 0, consumers: 0, extras: {inFlightKnown: false}}])
      await expect(passive.inspect([])).rejects.toMatchObject({code: 'UNSUPPORTED'})
    } finally {
      await passive.close()
    }
  })

  it.skipIf(!managementOn && !IN_CI)('inspects through the management API when it answers', async () => {
    expect(managementOn, `the RabbitMQ management API answers for ${AMQP_URL} (CI=true: this test must not be skipped)`).toBe(true)
    const queue = names.queue('inspect-mgmt')
    await driver.declare({name: queue, durable: false, queueType: 'classic', maxLength: 10, ttlMs: 60_000})
    await driver.publish(queue, {body: Buffer.from('x')})
    const api = managementAddress(AMQP_URL)!.baseUrl
    const named = await driver.inspect([queue])
    expect(named.source).toBe(`passive declare + management API ${api}`)
    expect(named.queues[0]).toMatchObject({name: queue, ready: 1, consumers: 0, extras: {inFlightKnown: true, type: 'classic'}})
    // The queue's arguments, as rabbitmqadmin lists them, and as the table prints them.
    expect(named.queues[0].extras.arguments).toMatchObject({'x-max-length': 10, 'x-message-ttl': 60000})
    expect(renderInspectTable(named, {width: 200})).toMatch(/│ x-max-length=10, x-message-ttl=60000(, x-queue-type=classic)?\s+│/)
    const all = await driver.inspect([])
    expect(all.source).toBe(`management API ${api}`)
    expect(all.queues.map((q) => q.name)).toContain(queue)
  })

  it('publishes byte-for-byte what a plain amqplib client receives', async () => {
    const queue = names.queue('interop-out')
    await driver.declare({name: queue, durable: false, maxPriority: 5})
    const body = Buffer.from([0, 1, 2, 255, 254, 0x7f, 0x80])
    await driver.publish(queue, {
      body,
      headers: {trace: 'abc', 'x-unicode': 'żółw'},
      priority: 3,
      persistent: true,
      expirationMs: 60_000,
      messageId: 'm-1',
      correlationId: 'c-1',
      contentType: 'application/octet-stream',
    })
    const channel = await raw.createChannel()
    const got = await waitFor('raw get', () => channel.get(queue, {noAck: true}))
    await channel.close()
    expect(got.content.equals(body)).toBe(true)
    expect(got.properties).toMatchObject({
      headers: {trace: 'abc', 'x-unicode': 'żółw'},
      priority: 3,
      deliveryMode: 2,
      expiration: '60000',
      messageId: 'm-1',
      correlationId: 'c-1',
      contentType: 'application/octet-stream',
      timestamp: undefined,
      type: undefined,
      appId: undefined,
      userId: undefined,
    })
    // Nothing of ours rides along (no correlation header for confirms/returns).
    expect(Object.keys(got.properties.headers ?? {}).sort()).toEqual(['trace', 'x-unicode'])
  })

  it('consumes faithfully what a plain amqplib client publishes', async () => {
    const queue = names.queue('interop-in')
    await driver.declare({name: queue, durable: false})
    const channel = await raw.createConfirmChannel()
    const body = Buffer.from('from amqplib \u0000 binary ok')
    channel.sendToQueue(queue, body, {
      headers: {s: 'text', n: 42, b: true},
      messageId: 'raw-1',
      correlationId: 'rc-1',
      contentType: 'text/plain',
      priority: 1,
      timestamp: 1_700_000_000,
    })
    await channel.waitForConfirms()
    await channel.close()
    const [d] = await collect(driver, queue, 1)
    expect(d.body.equals(body)).toBe(true)
    expect(d).toMatchObject({
      queue,
      key: queue,
      headers: {s: 'text', n: '42', b: 'true'},
      messageId: 'raw-1',
      correlationId: 'rc-1',
      contentType: 'text/plain',
      priority: 1,
      timestampMs: 1_700_000_000_000,
      redelivered: false,
      deliveryCount: 1,
    })
  })

  it('returns unacked deliveries to the queue when the subscription is cancelled', async () => {
    const queue = names.queue('redeliver')
    await driver.declare({name: queue, durable: false})
    await driver.publish(queue, {body: Buffer.from('held')})
    const held: Delivery[] = []
    const sub = await driver.consume(queue, {prefetch: 1}, (d) => {
      held.push(d)
    })
    await waitFor('the held delivery', () => held.length === 1)
    await sub.cancel()
    expect(await sub.ended).toEqual({kind: 'cancelled'})
    const [again] = await collect(driver, queue, 1)
    expect(again.redelivered).toBe(true)
    expect(again.body.toString()).toBe('held')
  })
})
