import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Driver} from '../../src/drivers/types.js'
import {kafkaAvailable} from '../helpers/brokers.js'
import {collector, kafkaDriver, publishAll, topicName} from './helpers.js'

const available = await kafkaAvailable()

describe.runIf(available)('kafka smoke', () => {
  let driver: Driver
  beforeAll(async () => {
    driver = await kafkaDriver()
  })
  afterAll(async () => driver?.close())

  it('declare, publish, consume, inspect, purge, delete', async () => {
    const topic = topicName('smoke')
    let t = Date.now()
    expect(await driver.declare({name: topic, partitions: 2})).toEqual({created: true})
    expect(await driver.declare({name: topic, partitions: 2})).toEqual({created: false})
    console.log('declare ms', Date.now() - t); t = Date.now()
    await publishAll(driver, topic, ['a', 'b', 'c'])
    console.log('publish ms', Date.now() - t); t = Date.now()
    const c = collector()
    const sub = await driver.consume(topic, {from: {kind: 'beginning'}}, c.handler)
    console.log('consume ms', Date.now() - t); t = Date.now()
    await c.waitFor(3)
    console.log('receive ms', Date.now() - t); t = Date.now()
    expect(c.bodies().sort()).toEqual(['a', 'b', 'c'])
    await driver.publish(topic, {body: Buffer.from('d'), key: 'k1', headers: {h: 'v'}, messageId: 'm1'})
    await c.waitFor(4)
    const d = c.received[3]
    expect([d.key, d.headers, d.messageId]).toEqual(['k1', {h: 'v'}, 'm1'])
    await sub.cancel()
    expect(await sub.ended).toEqual({kind: 'cancelled'})
    console.log('cancel ms', Date.now() - t); t = Date.now()
    const inspected = await driver.inspect([topic])
    expect(inspected.queues[0].ready).toBe(4)
    expect(await driver.purge(topic)).toBe(4)
    expect((await driver.inspect([topic])).queues[0].ready).toBe(0)
    await driver.delete(topic)
  })
})
