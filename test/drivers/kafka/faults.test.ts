// Faults and bad input against a real broker: each gives a typed one-line error, quickly.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createDriver} from '../../../src/drivers/index.js'
import type {Driver} from '../../../src/drivers/types.js'
import {ConnectionError, DeliveryError, NotFoundError, PreconditionError, UnsupportedError, UsageError} from '../../../src/errors.js'
import {KAFKA_URL, kafkaAvailable} from '../../helpers/brokers.js'
import {silentServer} from '../../helpers/silent-server.js'
import {CLIENTS, collector, kafkaDriver, topicName, withClient} from './helpers.js'

const available = await kafkaAvailable()

describe('kafka URL options (no broker needed)', () => {
  const make = (url: string) => createDriver(url, {clientName: 'mqkit-test'})
  it('rejects unknown options, bad compression, sasl without user, unreadable CA file', async () => {
    await expect(make('kafka://127.0.0.1:9092?compresion=gzip')).rejects.toThrow(/unknown Kafka option "compresion"/)
    await expect(make('kafka://127.0.0.1:9092?compression=zstd')).rejects.toThrow(UsageError)
    await expect(make('kafka://127.0.0.1:9092?sasl=plain')).rejects.toThrow(/needs a user and password/)
    await expect(make('kafka://u:p@127.0.0.1:9092?sasl=kerberos')).rejects.toThrow(/plain, scram-sha-256 or scram-sha-512/)
    await expect(make('kafka://127.0.0.1:9092?cafile=/nonexistent/ca.pem')).rejects.toThrow(/cafile: cannot read "\/nonexistent\/ca.pem": ENOENT/)
    await expect(make('kafka://127.0.0.1:9092?batchSize=0')).rejects.toThrow(/batchSize must be an integer ≥ 1/)
    await expect(make('kafka://127.0.0.1:9092?client=librdkafka')).rejects.toThrow(/--url \?client must be kafkajs or platformatic, got "librdkafka"/)
  })
  it('accepts the documented options and redacts the password', async () => {
    const driver = await make(
      'kafka://user:s3cret@127.0.0.1:9092,127.0.0.1:9093?sasl=scram-sha-512&ssl=true&clientId=x&compression=gzip&lingerMs=5&batchSize=10',
    )
    expect(driver.displayUrl).not.toContain('s3cret')
    expect(driver.backend).toBe('kafka')
  })
})

describe('kafka unreachable bootstrap server', () => {
  it('a refused port fails well inside the connect timeout (kafkajs retries it briefly)', async () => {
    const driver = await createDriver('kafka://127.0.0.1:1', {clientName: 'mqkit-test', connectTimeoutMs: 5000})
    const started = performance.now()
    const error = await driver.connect().then(
      () => undefined,
      (e: unknown) => e,
    )
    const elapsedMs = performance.now() - started
    expect(error).toBeInstanceOf(ConnectionError)
    expect((error as Error).message).toMatch(/cannot reach Kafka at 127\.0\.0\.1:1: .*ECONNREFUSED/)
    expect((error as Error).message).not.toContain('\n')
    // kafkajs's own retries of a refused connection take ~0.7 s here.
    expect(elapsedMs).toBeLessThan(2500)
  })

  it("a broker that accepts and never answers is given up at the connect timeout, not at kafkajs's 30 s request timeout", async () => {
    const silent = await silentServer()
    const driver = await createDriver(`kafka://127.0.0.1:${silent.port}`, {clientName: 'mqkit-test', connectTimeoutMs: 1500})
    try {
      const started = performance.now()
      const error = await driver.connect().then(
        () => undefined,
        (e: unknown) => e,
      )
      const elapsedMs = performance.now() - started
      expect(silent.accepted()).toBeGreaterThan(0)
      expect(error).toBeInstanceOf(ConnectionError)
      expect((error as Error).message).toBe(`cannot reach Kafka at 127.0.0.1:${silent.port} within 1500 ms`)
      expect(elapsedMs).toBeGreaterThanOrEqual(1500 - 5)
      expect(elapsedMs).toBeLessThan(1500 + 1000)
    } finally {
      await silent.close()
    }
  })
})

describe.runIf(available).each(CLIENTS)('kafka faults (real broker), ?client=%s', (client) => {
  let driver: Driver
  beforeAll(async () => {
    driver = await kafkaDriver(withClient(KAFKA_URL, client))
  })
  afterAll(async () => driver?.close())

  it('publish to an unknown topic → NotFoundError, without kafkajs retry delays', async () => {
    const topic = topicName('missing')
    const started = Date.now()
    await expect(driver.publish(topic, {body: Buffer.from('x')})).rejects.toThrow(NotFoundError)
    // kafkajs's default retries would wait 0.3 + 0.6 + 1.2 + 2.4 + 4.8 s; 5 s tells that apart and
    // leaves a loaded CI machine room for the metadata round trip (2 s was tighter than needed).
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('consume from an unknown topic → NotFoundError', async () => {
    await expect(driver.consume(topicName('missing'), {}, () => {})).rejects.toThrow(NotFoundError)
  })

  it('delete / purge / inspect an unknown topic → NotFoundError', async () => {
    const topic = topicName('missing')
    await expect(driver.delete(topic)).rejects.toThrow(NotFoundError)
    await expect(driver.purge(topic)).rejects.toThrow(NotFoundError)
    await expect(driver.inspect([topic])).rejects.toThrow(NotFoundError)
  })

  it('invalid partition count (0, -1) → UsageError naming partitions', async () => {
    await expect(driver.declare({name: topicName('p0'), partitions: 0})).rejects.toThrow(/partitions must be an integer ≥ 1, got 0/)
    await expect(driver.declare({name: topicName('pm1'), partitions: -1})).rejects.toThrow(UsageError)
  })

  it('replication factor above the broker count → UsageError from the broker', async () => {
    await expect(driver.declare({name: topicName('r3'), replication: 3})).rejects.toThrow(/invalid replication factor/)
  })

  it('a bad topic config value → UsageError', async () => {
    await expect(driver.declare({name: topicName('cfg'), args: {'retention.ms': 'soon'}})).rejects.toThrow(/rejected a topic setting/)
  })

  it('settings with no Kafka meaning → UnsupportedError naming them', async () => {
    await expect(driver.declare({name: topicName('u'), maxPriority: 10})).rejects.toThrow(/maxPriority is not supported/)
    await expect(driver.declare({name: topicName('u'), deadLetter: 'dlq'})).rejects.toThrow(UnsupportedError)
    await expect(driver.declare({name: topicName('u'), maxLength: 10})).rejects.toThrow(UnsupportedError)
    await expect(driver.declare({name: topicName('u'), args: {'x-queue-type': 'quorum'}})).rejects.toThrow(/RabbitMQ queue argument/)
  })

  it('declare is idempotent; a differing setting → PreconditionError naming it', async () => {
    const topic = topicName('redeclare')
    const spec = {name: topic, partitions: 2, ttlMs: 60_000, args: {'cleanup.policy': 'delete'}}
    expect(await driver.declare(spec)).toEqual({created: true})
    expect(await driver.declare(spec)).toEqual({created: false})
    expect(await driver.declare({name: topic})).toEqual({created: false}) // unnamed settings are not compared
    const partitions = await driver.declare({...spec, partitions: 3}).catch((e: unknown) => e)
    expect(partitions).toBeInstanceOf(PreconditionError)
    expect((partitions as PreconditionError).setting).toBe('partitions')
    expect((partitions as Error).message).toMatch(/already exists with partitions=2, declared 3/)
    const ttl = await driver.declare({...spec, ttlMs: 1000}).catch((e: unknown) => e)
    expect((ttl as PreconditionError).setting).toBe('retention.ms')
    await driver.delete(topic)
  })

  it('oversized message (max.message.bytes=1024, 10 KiB) → DeliveryError; batch neighbours still succeed', async () => {
    const topic = topicName('large')
    await driver.declare({name: topic, args: {'max.message.bytes': 1024}})
    const small = driver.publish(topic, {body: Buffer.alloc(100)})
    const large = driver.publish(topic, {body: Buffer.alloc(10 * 1024)}).catch((e: unknown) => e)
    const error = await large
    expect(error).toBeInstanceOf(DeliveryError)
    expect((error as Error).message).toMatch(/message too large for topic ".*": it exceeds the topic's max.message.bytes/)
    await expect(small).resolves.toBeUndefined()
    await driver.delete(topic)
  })

  it('publish to a partition the topic does not have → UsageError', async () => {
    const topic = topicName('partition')
    await driver.declare({name: topic, partitions: 2})
    await expect(driver.publish(topic, {body: Buffer.from('x'), partition: 2})).rejects.toThrow(/partition 2 does not exist in topic ".*" \(partitions 0..1\)/)
    await driver.delete(topic)
  })

  it('per-message TTL, priority and exchanges are refused', async () => {
    const topic = topicName('refused')
    await driver.declare({name: topic})
    await expect(driver.publish(topic, {body: Buffer.from('x'), expirationMs: 10})).rejects.toThrow(UnsupportedError)
    await expect(driver.publish(topic, {body: Buffer.from('x'), priority: 1})).rejects.toThrow(UnsupportedError)
    await expect(driver.publish(topic, {body: Buffer.from('x'), exchange: 'amq.direct'})).rejects.toThrow(UnsupportedError)
    await driver.delete(topic)
  })

  it('nack(requeue) is refused; nack(false) drops the message (moves past it)', async () => {
    const topic = topicName('nack')
    await driver.declare({name: topic})
    await driver.publish(topic, {body: Buffer.from('x')})
    const c = collector(() => false)
    const group = topicName('g')
    const sub = await driver.consume(topic, {from: {kind: 'beginning'}, group}, c.handler)
    await c.waitFor(1)
    await expect(c.received[0].nack(true)).rejects.toThrow(UnsupportedError)
    await c.received[0].nack(false)
    await sub.cancel()
    expect((await driver.inspect([topic], {group})).queues[0].lag).toBe(0) // committed past it
    await driver.delete(topic)
  })

  it('deleting the topic mid-consume ends the subscription with kind "deleted"', async () => {
    const topic = topicName('deleted')
    await driver.declare({name: topic})
    const sub = await driver.consume(topic, {}, () => {})
    await driver.delete(topic)
    const reason = await sub.ended
    expect(reason.kind).toBe('deleted')
  })
})
