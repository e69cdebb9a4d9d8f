// Kafka-specific behaviour on a real broker: start positions, commits only after ack, group lag,
// keys/headers/partitions, compression, and the pure contiguous-commit tracker.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {PartitionAcks} from '../../../src/drivers/kafka/consume/offsets.js'
import type {Driver} from '../../../src/drivers/types.js'
import {KAFKA_URL, kafkaAvailable, waitFor} from '../../helpers/brokers.js'
import {runCli} from '../../helpers/cli.js'
import {CLIENTS, collector, kafkaDriver, publishAll, topicName, withClient} from './helpers.js'

const available = await kafkaAvailable()
const range = (n: number, from = 0) => Array.from({length: n}, (_, i) => `m${i + from}`)

describe('contiguous commit tracking', () => {
  it('commits only over a run of acked offsets with no gap', () => {
    const acks = new PartitionAcks()
    for (const offset of [10, 11, 12, 13]) acks.deliver(offset)
    expect(acks.ack(12)).toBe(false)
    expect(acks.due()).toBeUndefined()
    expect(acks.ack(10)).toBe(true)
    expect(acks.due()).toBe(11)
    expect(acks.ack(11)).toBe(true)
    expect(acks.due()).toBe(13) // 10, 11, 12 done; 13 still out
    acks.committed = 13
    expect(acks.due()).toBeUndefined()
    expect(acks.outstanding).toBe(1)
  })
})

describe.runIf(available)('kafka features (real broker)', () => {
  let driver: Driver
  beforeAll(async () => {
    driver = await kafkaDriver()
  })
  afterAll(async () => driver?.close())

  it('commits only after ack: consume 5, ack 3, close; the group resumes at message 4', async () => {
    const topic = topicName('commit')
    const group = topicName('g')
    await driver.declare({name: topic})
    await publishAll(driver, topic, range(5))
    const first = collector((_d, i) => i < 3)
    const sub = await driver.consume(topic, {group, from: {kind: 'beginning'}}, first.handler)
    await first.waitFor(5)
    const inspected = await driver.inspect([topic], {group})
    expect(inspected.queues[0]).toMatchObject({lag: 2, inFlight: 2, ready: 0})
    await sub.cancel()
    const other = await kafkaDriver() // a separate process would see the same: lag 2, nothing in flight here
    expect((await other.inspect([topic], {group})).queues[0]).toMatchObject({lag: 2, ready: 2, inFlight: 0})
    const second = collector()
    const sub2 = await other.consume(topic, {group, from: {kind: 'beginning'}}, second.handler)
    await second.waitFor(2)
    expect(second.bodies()).toEqual(['m3', 'm4'])
    await sub2.cancel()
    expect((await other.inspect([topic], {group})).queues[0]).toMatchObject({lag: 0, ready: 0})
    await other.close()
    await driver.delete(topic)
  })

  it('commitIntervalMs: an ack soon after a commit waits for the interval (its message stays in the lag); cancel commits at once', async () => {
    const topic = topicName('interval')
    const group = topicName('g')
    const intervalMs = 1500
    await driver.declare({name: topic})
    await publishAll(driver, topic, range(3))
    const got = collector(() => false)
    const sub = await driver.consume(topic, {group, from: {kind: 'beginning'}, commitIntervalMs: intervalMs}, got.handler)
    await got.waitFor(3)
    // The contract's fields are data: a copy by spread (as wrappers of a handler make) keeps them.
    expect({...got.received[1]}).toMatchObject({
      queue: topic,
      body: Buffer.from('m1'),
      headers: {},
      redelivered: false,
      deliveryCount: 1,
      partition: 0,
      offset: '1',
    })
    expect({...got.received[1]}.timestampMs).toBeGreaterThan(0)
    const startMs = performance.now()
    await got.received[0].ack() // no commit before: at once
    const firstMs = performance.now() - startMs
    const second = got.received[1].ack().then(() => performance.now() - startMs)
    expect((await driver.inspect([topic], {group})).queues[0]).toMatchObject({lag: 2})
    const secondMs = await second
    expect(firstMs).toBeLessThan(intervalMs / 2)
    expect(secondMs).toBeGreaterThanOrEqual(intervalMs - 50)
    expect((await driver.inspect([topic], {group})).queues[0]).toMatchObject({lag: 1})
    // Acked and then cancelled within the interval: the cancel commits it, not the timer.
    void got.received[2].ack()
    const cancelStartMs = performance.now()
    await sub.cancel()
    expect(performance.now() - cancelStartMs).toBeLessThan(intervalMs)
    expect((await driver.inspect([topic], {group})).queues[0]).toMatchObject({lag: 0})
    await driver.delete(topic)
  })

  it('start positions: offset, -N from the end, timestamp, end', async () => {
    const topic = topicName('from')
    await driver.declare({name: topic})
    await publishAll(driver, topic, range(5))
    const cut = Date.now() + 1
    await waitFor('the clock to pass the cut', () => Date.now() > cut + 5)
    await publishAll(driver, topic, range(3, 5))

    const byOffset = collector()
    const s1 = await driver.consume(topic, {from: {kind: 'offset', offset: '6'}}, byOffset.handler)
    await byOffset.waitFor(2)
    const fromEnd = collector()
    const s2 = await driver.consume(topic, {from: {kind: 'offset', offset: '-3'}}, fromEnd.handler)
    await fromEnd.waitFor(3)
    const byTime = collector()
    const s3 = await driver.consume(topic, {from: {kind: 'timestamp', epochMs: cut}}, byTime.handler)
    await byTime.waitFor(3)
    const atEnd = collector()
    const s4 = await driver.consume(topic, {from: {kind: 'end'}}, atEnd.handler)
    await driver.publish(topic, {body: Buffer.from('after')})
    await atEnd.waitFor(1)
    await waitFor('the others to see "after"', () => byOffset.received.length === 3 && byTime.received.length === 4)
    expect(byOffset.bodies()).toEqual(['m6', 'm7', 'after'])
    expect(fromEnd.bodies().slice(0, 3)).toEqual(['m5', 'm6', 'm7'])
    expect(byTime.bodies()).toEqual(['m5', 'm6', 'm7', 'after'])
    expect(atEnd.bodies()).toEqual(['after'])
    expect(byOffset.received[0].offset).toBe('6')
    await Promise.all([s1, s2, s3, s4].map((s) => s.cancel()))
    await expect(driver.consume(topic, {from: {kind: 'offset', offset: 'abc'}}, () => {})).rejects.toThrow(/offset must be an integer/)
    await driver.delete(topic)
  })

  it.each(CLIENTS)(
    '?client=%s: keys, headers, message properties, explicit partitions and gzip round trip; a key always maps to one partition',
    async (client) => {
      const topic = topicName('keys')
      await driver.declare({name: topic, partitions: 3})
      const gzip = await kafkaDriver(withClient(`${KAFKA_URL}?compression=gzip`, client))
      await gzip.publish(topic, {body: Buffer.from('props'), messageId: 'id-1', correlationId: 'c-1', contentType: 'text/plain', headers: {x: 'y'}})
      await gzip.publish(topic, {body: Buffer.from('to-2'), partition: 2, key: 'k', headers: {a: '1', 'b-ü': 'é'}})
      await Promise.all(range(6).map((body) => gzip.publish(topic, {body: Buffer.from(body), key: 'same-key'})))
      await gzip.close()
      const c = collector()
      const sub = await driver.consume(topic, {from: {kind: 'beginning'}}, c.handler)
      await c.waitFor(8)
      const explicit = c.received.find((d) => d.body.toString() === 'to-2')!
      expect([explicit.partition, explicit.key, explicit.headers]).toEqual([2, 'k', {a: '1', 'b-ü': 'é'}])
      const props = c.received.find((d) => d.body.toString() === 'props')!
      expect([props.messageId, props.correlationId, props.contentType, props.headers, props.key]).toEqual(['id-1', 'c-1', 'text/plain', {x: 'y'}, undefined])
      const keyed = c.received.filter((d) => d.key === 'same-key')
      expect(new Set(keyed.map((d) => d.partition)).size).toBe(1)
      expect(keyed.map((d) => d.body.toString())).toEqual(range(6))
      expect(keyed.every((d) => d.timestampMs > 0 && !d.redelivered && d.deliveryCount === 1)).toBe(true)
      await sub.cancel()
      await driver.delete(topic)
    },
  )

  it('inspect: partitions with earliest/latest, group lag, internal topics hidden', async () => {
    const topic = topicName('inspect')
    const group = topicName('g')
    await driver.declare({name: topic, partitions: 2})
    await Promise.all(range(4).map((body, i) => driver.publish(topic, {body: Buffer.from(body), partition: i % 2})))
    const plain = await driver.inspect([topic])
    expect(plain.queues[0]).toMatchObject({name: topic, ready: 4, inFlight: 0, consumers: 0})
    expect(plain.queues[0].lag).toBeUndefined()
    expect(plain.queues[0].extras.partitions).toEqual([
      {partition: 0, earliest: 0, latest: 2},
      {partition: 1, earliest: 0, latest: 2},
    ])
    expect(plain.source).toMatch(/Kafka admin API/)
    const withGroup = await driver.inspect([topic], {group})
    expect(withGroup.queues[0]).toMatchObject({ready: 4, lag: 4})
    expect(withGroup.source).toMatch(/lag of group/)
    // The command's table: a partitions count in the row, then a row per partition (not JSON in a cell).
    const table = await runCli(['inspect', topic, '--url', KAFKA_URL, '--group', group])
    expect(table.code).toBe(0)
    const lines = table.stdout.split('\n')
    expect(table.stdout).not.toContain('{"partition"')
    expect(lines).toContain(`partitions of "${topic}":`)
    expect(lines.filter((line) => /^│\s+[01] │\s+0 │\s+2 │\s+- │\s+2 │$/.test(line))).toHaveLength(2)
    const all = await driver.inspect([])
    expect(all.queues.map((q) => q.name)).toContain(topic)
    expect(all.queues.some((q) => q.name.startsWith('__'))).toBe(false)
    await driver.delete(topic)
  })

  it('consume -f: kcat format with topic, partition, offset and key per message, to the end of the log', async () => {
    const topic = topicName('format')
    await driver.declare({name: topic, partitions: 2})
    await driver.publish(topic, {body: Buffer.from('b0'), key: 'k0', partition: 0})
    await driver.publish(topic, {body: Buffer.from('b1'), key: 'k1', partition: 1, headers: {h: 'v'}})
    const result = await runCli(['consume', topic, '--url', KAFKA_URL, '--from', 'beginning', '-e', '-f', '%t|%p|%o|%k|%h|%s\\n'])
    expect(result.code).toBe(0)
    expect(result.stdout.split('\n').sort()).toEqual(['', `${topic}|0|0|k0||b0`, `${topic}|1|0|k1|h=v|b1`])
    await driver.publish(topic, {body: Buffer.from('b2'), key: 'k2', partition: 0})
    // kcat -o -1: the last message of each partition.
    const last = await runCli(['consume', topic, '--url', KAFKA_URL, '--from', '-1', '-e', '-f', '%p@%o %s\\n'])
    expect(last.code).toBe(0)
    expect(last.stdout.split('\n').sort()).toEqual(['', '0@1 b2', '1@0 b1'])
    const refused = await runCli(['consume', topic, '--url', KAFKA_URL, '-e', '-f', '%q'])
    expect(refused.code).toBe(2)
    expect(refused.stderr.trim()).toBe('mqkit: --format: unknown token "%q" (known: %s %S %k %K %t %p %o %T %h %%)')
    await driver.delete(topic)
  })

  it('with no --from, consume takes what the topic holds: no group from the beginning, a named group from its commits', async () => {
    const topic = topicName('default-start')
    const group = topicName('g')
    const cli = (args: string[]) => runCli(['consume', topic, '--url', KAFKA_URL, ...args], {timeoutMs: 45_000})
    await driver.declare({name: topic, partitions: 2})
    // mqkit publish t x; mqkit consume t --count 1 (the topic held x before the consumer existed).
    const published = await runCli(['publish', topic, 'x', '--url', KAFKA_URL])
    expect(published.code, published.stderr).toBe(0)
    const fresh = await cli(['--count', '1'])
    expect(fresh.code, fresh.stderr).toBe(0)
    expect(fresh.stdout).toBe('x\n')
    // A named group's first run: the beginning; its next run: after what it committed.
    const first = await cli(['--group', group, '-e'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toBe('x\n')
    await driver.publish(topic, {body: Buffer.from('y')})
    const next = await cli(['--group', group, '-e'])
    expect(next.code, next.stderr).toBe(0)
    expect(next.stdout).toBe('y\n')
    await driver.delete(topic)
  })

  it('a message seen again after a rebalance/restart is marked redelivered', async () => {
    const topic = topicName('redelivered')
    const group = topicName('g')
    await driver.declare({name: topic})
    await publishAll(driver, topic, ['r1'])
    const c = collector(() => false)
    const sub = await driver.consume(topic, {group, from: {kind: 'beginning'}}, c.handler)
    await c.waitFor(1)
    // Another member joins and leaves: the group rebalances, the unacked message comes again.
    const other = await kafkaDriver()
    const otherSub = await other.consume(topic, {group}, () => {})
    await otherSub.cancel()
    await other.close()
    await c.waitFor(2, 30_000)
    expect(c.received[1].redelivered).toBe(true)
    expect(c.received[1].deliveryCount).toBe(2)
    await sub.cancel()
    await driver.delete(topic)
  })
})
