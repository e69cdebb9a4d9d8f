// Connection and broker failures against the real RabbitMQ: each a one-line typed error.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ConnectionError, DeliveryError, NotFoundError, PreconditionError} from '../../../src/errors.js'
import type {Driver} from '../../../src/drivers/types.js'
import {AMQP_URL, amqpAvailable} from '../../helpers/brokers.js'
import {silentServer} from '../../helpers/silent-server.js'
import {collect, connectedDriver, createdNames} from './helpers.js'

const available = await amqpAvailable()

describe('amqp driver: connect timeout (no broker needed)', () => {
  it('a refused port fails at once, far inside the connect timeout', async () => {
    const start = performance.now()
    const error = await connectedDriver('amqp://guest:guest@127.0.0.1:1', {clientName: 't', connectTimeoutMs: 5000}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConnectionError)
    expect((error as Error).message).toMatch(/127\.0\.0\.1:1.*refused/)
    expect((error as Error).message).not.toContain('\n')
    expect(performance.now() - start).toBeLessThan(1000)
  })

  it('a broker that accepts and never answers is given up at the connect timeout, not later', async () => {
    const silent = await silentServer()
    try {
      const start = performance.now()
      const error = await connectedDriver(`amqp://guest:guest@127.0.0.1:${silent.port}`, {clientName: 't', connectTimeoutMs: 1500}).catch((e: unknown) => e)
      const elapsedMs = performance.now() - start
      expect(silent.accepted()).toBe(1) // it did connect: only the handshake hung
      expect(error).toBeInstanceOf(ConnectionError)
      expect((error as Error).message).toBe(`cannot connect to 127.0.0.1:${silent.port}: no answer within 1500 ms (--connect-timeout)`)
      // Timers fire a little late on a loaded machine, never early; 1 s covers the load.
      expect(elapsedMs).toBeGreaterThanOrEqual(1500 - 5)
      expect(elapsedMs).toBeLessThan(1500 + 1000)
    } finally {
      await silent.close()
    }
  })
})

describe.skipIf(!available)('amqp driver: faults', () => {
  let driver: Driver
  const names = createdNames()
  beforeAll(async () => {
    driver = await connectedDriver()
  })
  afterAll(async () => {
    await driver?.close()
    await names.cleanup()
  })

  it('refuses a wrong password without ever showing it', async () => {
    const error = await connectedDriver('amqp://guest:s3cr3t-pw@127.0.0.1:5672').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConnectionError)
    expect((error as Error).message).toMatch(/access refused for user "guest"/)
    expect((error as Error).message).not.toContain('s3cr3t-pw')
  })

  it('refuses an unknown vhost', async () => {
    const error = await connectedDriver(`${AMQP_URL}/no-such-vhost-mqkit`).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConnectionError)
    expect((error as Error).message).toMatch(/vhost "no-such-vhost-mqkit"/)
  })

  it('names x-max-length on a conflicting redeclare and keeps working afterwards', async () => {
    const queue = names.queue('redeclare')
    expect(await driver.declare({name: queue, maxLength: 10})).toEqual({created: true})
    expect(await driver.declare({name: queue, maxLength: 10})).toEqual({created: false})
    const error = await driver.declare({name: queue, maxLength: 20}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PreconditionError)
    expect((error as PreconditionError).setting).toBe('x-max-length')
    expect((error as Error).message).toMatch(/x-max-length=10.*x-max-length=20/)
    // Same driver, same connection: still publishes and consumes.
    await driver.publish(queue, {body: Buffer.from('after')})
    const [delivery] = await collect(driver, queue, 1)
    expect(delivery.body.toString()).toBe('after')
  })

  it('reports a missing queue on passive inspect, delete and purge as NotFoundError', async () => {
    const missing = names.queue('missing')
    const inspect = await driver.inspect([missing]).catch((e: unknown) => e)
    expect(inspect).toBeInstanceOf(NotFoundError)
    expect((inspect as Error).message).toContain(`queue "${missing}" does not exist`)
    await expect(driver.delete(missing)).rejects.toBeInstanceOf(NotFoundError)
    await expect(driver.purge(missing)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('rejects a publish to a missing exchange with NotFoundError, then publishes fine', async () => {
    const exchange = names.exchange('missing-ex')
    const error = await driver.publish('', {body: Buffer.from('x'), exchange, key: 'k'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NotFoundError)
    expect((error as Error).message).toBe(`exchange "${exchange}" does not exist`)
    const queue = names.queue('after-404')
    await driver.declare({name: queue})
    await driver.publish(queue, {body: Buffer.from('ok')})
  })

  it('rejects a publish to a missing queue with NotFoundError (mandatory on the default exchange)', async () => {
    const missing = names.queue('nowhere')
    const error = await driver.publish(missing, {body: Buffer.from('x')}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NotFoundError)
    expect((error as Error).message).toContain(`queue "${missing}" does not exist`)
  })

  it('publishes to a missing queue without complaint when the caller says mandatory: false (bench: it declared its queues)', async () => {
    const missing = names.queue('unchecked')
    await expect(driver.publish(missing, {body: Buffer.from('x'), mandatory: false})).resolves.toBeUndefined()
    // The same publish with the default is still refused, on the same channel.
    await expect(driver.publish(missing, {body: Buffer.from('x')})).rejects.toBeInstanceOf(NotFoundError)
  })

  it('rejects an unroutable mandatory publish with DeliveryError(unroutable), others in the same window succeed', async () => {
    const exchange = names.exchange('unroutable')
    const queue = names.queue('routed')
    await driver.declareExchange!({name: exchange, type: 'direct', durable: false})
    await driver.declare({name: queue, durable: false})
    await driver.bind!({source: exchange, destination: queue, destinationType: 'queue', routingKey: 'yes'})
    const outcomes = await Promise.allSettled(
      ['yes', 'no', 'yes', 'no', 'yes'].map((key, i) => driver.publish('', {body: Buffer.from(`m${i}`), exchange, key, mandatory: true})),
    )
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled'])
    const reason = (outcomes[1] as PromiseRejectedResult).reason as DeliveryError
    expect(reason).toBeInstanceOf(DeliveryError)
    expect(reason.reason).toBe('unroutable')
    // Without mandatory the broker drops it silently and confirms.
    await driver.publish('', {body: Buffer.from('dropped'), exchange, key: 'no'})
  })

  it('nacks past max-length with overflow reject-publish as DeliveryError(nacked)', async () => {
    const queue = names.queue('full')
    await driver.declare({name: queue, maxLength: 1, overflow: 'reject-publish', durable: false})
    await driver.publish(queue, {body: Buffer.from('1')})
    const error = await driver.publish(queue, {body: Buffer.from('2')}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeliveryError)
    expect((error as DeliveryError).reason).toBe('nacked')
  })
})
