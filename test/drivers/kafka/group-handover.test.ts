// Two members of one named group (as the consumers of bench shards with --shared-queues): when one
// leaves, the other takes its partition over at the group's committed offset, never again from the
// start, though both subscribed before anything was committed.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Driver} from '../../../src/drivers/types.js'
import {kafkaAvailable, waitFor} from '../../helpers/brokers.js'
import {collector, kafkaDriver, topicName} from './helpers.js'

describe.skipIf(!(await kafkaAvailable()))('kafka: a partition handed over within a group', () => {
  let driver: Driver
  let other: Driver
  const topics: string[] = []
  beforeAll(async () => {
    driver = await kafkaDriver()
    other = await kafkaDriver()
  })
  afterAll(async () => {
    for (const topic of topics) await driver.delete(topic).catch(() => {})
    await other.close()
    await driver.close()
  })

  it('the member that stays reads the leaver’s partition on from its committed offset, not from the beginning', async () => {
    const topic = topicName('handover')
    topics.push(topic)
    await driver.declare({name: topic, partitions: 2})
    const group = topicName('g')
    const leaver = collector()
    const stayer = collector()
    const leaving = await other.consume(topic, {group}, leaver.handler)
    const staying = await driver.consume(topic, {group}, stayer.handler)
    // Until the group has settled with a partition each, a message may go to either: publish until
    // both members have received one.
    let sent = 0
    const publish = (partition: number) => driver.publish(topic, {body: Buffer.from(`m${sent++}`), partition})
    await waitFor(
      'both members to hold a partition',
      async () => {
        await Promise.all([publish(0), publish(1)])
        await new Promise((r) => setTimeout(r, 200))
        return leaver.received.length > 0 && stayer.received.length > 0
      },
      30_000,
    )
    for (let i = 0; i < 10; i++) await Promise.all([publish(0), publish(1)])
    await waitFor(`all ${sent} delivered`, () => leaver.received.length + stayer.received.length >= sent, 20_000)
    const leaversPartition = leaver.received.at(-1)!.partition!
    const leaverOffsets = leaver.received.filter((d) => d.partition === leaversPartition).map((d) => d.offset)
    // Committed: the group's lag is 0 before the leaver goes.
    await waitFor('commits', async () => (await driver.inspect([topic], {group})).queues.every((q) => q.ready + q.inFlight === 0), 20_000)
    await leaving.cancel()
    const before = stayer.received.length
    // The stayer gets the partition: one new message there reaches it.
    await waitFor(
      'the stayer to take the partition over',
      async () => {
        await publish(leaversPartition)
        await new Promise((r) => setTimeout(r, 300))
        return stayer.received.slice(before).some((d) => d.partition === leaversPartition)
      },
      30_000,
    )
    const takenOver = stayer.received.slice(before).filter((d) => d.partition === leaversPartition)
    // Nothing the leaver had received and committed came again.
    expect(takenOver.filter((d) => leaverOffsets.includes(d.offset))).toEqual([])
    expect(leaverOffsets.length).toBeGreaterThan(5)
    await staying.cancel()
  }, 90_000)
})
