// The command core with --recover, without a CLI or a broker to restart: publishAll sends again
// what a lost connection left in doubt, through the real ResilientDriver over memory:// (the
// connection's death injected), and gives up with its counts; the consume loop keeps going when
// an ack is lost with the connection, keeps --count exact (N acknowledged), and does not take an
// outage for an idle queue.
import {describe, expect, it} from 'vitest'
import {consumeMessages} from '../../src/core/consume.js'
import {publishAll} from '../../src/core/publish.js'
import {readInputs} from '../../src/core/sources.js'
import {createDriver} from '../../src/drivers/index.js'
import type {ConnectionWatch} from '../../src/drivers/recovering.js'
import {ResilientDriver} from '../../src/drivers/resilient.js'
import type {Delivery, Driver} from '../../src/drivers/types.js'
import {ConnectionError, RecoveryFailedError} from '../../src/errors.js'
import type {RunEvent} from '../../src/results/availability.js'
import {uniqueName} from '../helpers/brokers.js'

type PublishCallback = NonNullable<Driver['publishCallback']>

/**
 * memory:// drivers for a ResilientDriver: the first connection "dies" once `dieAfter` publishes
 * were confirmed, with the next `onWire` on the wire (the first `arrived` of them reached the
 * broker unconfirmed); every later connection is healthy. `failSynchronously`: the dead
 * connection fails them from inside a publish call, as amqplib does on a closed channel.
 */
function dyingConnection(broker: string, plan: {dieAfter: number; onWire: number; arrived: number; failSynchronously?: boolean}) {
  let connections = 0
  return async (): Promise<Driver> => {
    const driver = await createDriver(`memory://${broker}`, {clientName: 'test'})
    if (++connections > 1) return driver
    let published = 0
    let dead = false
    const onWire: Array<(error: Error) => void> = []
    const real: PublishCallback = (queue, message, ok, fail) => void driver.publish(queue, message).then(ok, fail)
    const publishCallback: PublishCallback = (queue, message, ok, fail) => {
      if (dead) return fail(new ConnectionError('connection lost'))
      published++
      if (published <= plan.dieAfter) return real(queue, message, ok, fail)
      if (published <= plan.dieAfter + plan.arrived)
        real(
          queue,
          message,
          () => {},
          () => {},
        )
      onWire.push(fail)
      if (onWire.length < plan.onWire) return
      dead = true
      const die = () => {
        for (const failed of onWire) failed(new ConnectionError('connection reset by peer'))
      }
      if (plan.failSynchronously) die()
      else setTimeout(die, 5)
    }
    return new Proxy(driver, {
      get: (target, property, receiver) => (property === 'publishCallback' ? publishCallback : Reflect.get(target, property, receiver)),
    })
  }
}

async function resilient(make: () => Promise<Driver>, budgetMs = 5000, events: RunEvent[] = []): Promise<ResilientDriver> {
  const driver = await ResilientDriver.create({
    make,
    policy: {budgetMs, firstDelayMs: 10, maxDelayMs: 20},
    role: 'producer',
    index: 1,
    topology: [],
    clockMs: () => performance.now(),
    onEvent: (e) => events.push(e),
  })
  await driver.connect()
  return driver
}

async function bodiesIn(broker: string, queue: string): Promise<string[]> {
  const driver = await createDriver(`memory://${broker}`, {clientName: 'test'})
  await driver.connect()
  const bodies: string[] = []
  await consumeMessages({driver, queue, idleTimeoutMs: 50, mode: 'ack', write: async (d) => void bodies.push(String(d.body))})
  await driver.close()
  return bodies
}

const numbered = (count: number) => readInputs({kind: 'generated', count, sizeBytes: 8})

describe('publish --recover (core)', () => {
  it.each([
    ['asynchronously', false],
    ['from inside the publish call', true],
  ])(
    'a connection that dies with 10 publishes on the wire (%s): they are sent again on the new one, each counted once; every message arrives, 4 twice',
    async (_how, failSynchronously) => {
      const broker = uniqueName('resend')
      const queue = 'q'
      const events: RunEvent[] = []
      const driver = await resilient(dyingConnection(broker, {dieAfter: 500, onWire: 10, arrived: 4, failSynchronously}), 5000, events)
      await driver.declare({name: queue})
      const {result, failure} = await publishAll({driver, queue, inputs: numbered(2000), template: {}, confirmWindow: 10, recover: true})
      await driver.close()
      expect(failure).toBeUndefined()
      expect(result).toMatchObject({confirmed: 2000, resent: 10, failed: {nacked: 0, unroutable: 0, rejected: 0}})
      expect(events.map((e) => e.kind)).toEqual(['connection-lost', 'reconnected'])
      const bodies = await bodiesIn(broker, queue)
      expect(new Set(bodies).size).toBe(2000)
      expect(bodies.length - 2000).toBe(4)
    },
  )

  it('a connection that never comes back: the run stops with RecoveryFailedError and the counts so far (not thrown)', async () => {
    const broker = uniqueName('giveup')
    let connections = 0
    const healthy = dyingConnection(broker, {dieAfter: 300, onWire: 5, arrived: 0})
    const make = async () => {
      if (++connections > 1) throw new ConnectionError('connect ECONNREFUSED')
      return healthy()
    }
    const driver = await resilient(make, 200)
    await driver.declare({name: 'q'})
    const {result, failure} = await publishAll({driver, queue: 'q', inputs: numbered(1000), template: {}, confirmWindow: 5, recover: true})
    await driver.close()
    expect(failure).toBeInstanceOf(RecoveryFailedError)
    expect((failure as RecoveryFailedError).exitCode).toBe(3)
    expect(result.confirmed).toBe(300)
    expect(result.resent).toBe(5)
  })

  it('without recover: no resent field, and a lost connection is thrown as before', async () => {
    const broker = uniqueName('plain')
    const driver = await dyingConnection(broker, {dieAfter: 100, onWire: 3, arrived: 0})()
    await driver.connect()
    await driver.declare({name: 'q'})
    await expect(publishAll({driver, queue: 'q', inputs: numbered(500), template: {}, confirmWindow: 3})).rejects.toBeInstanceOf(ConnectionError)
    await driver.close()
    const healthy = await createDriver(`memory://${broker}`, {clientName: 'test'})
    await healthy.connect()
    const {result} = await publishAll({driver: healthy, queue: 'q', inputs: numbered(5), template: {}})
    expect(result).not.toHaveProperty('resent')
    await healthy.close()
  })
})

describe('consume --recover (core)', () => {
  async function filled(count: number) {
    const driver = await createDriver(`memory://${uniqueName('core-recover')}`, {clientName: 'test'})
    await driver.connect()
    const queue = uniqueName('q')
    await driver.declare({name: queue})
    for (let i = 1; i <= count; i++) await driver.publish(queue, {body: Buffer.from(`m${i}`)})
    return {driver, queue}
  }
  const alwaysUp: ConnectionWatch = {upForMs: () => 60_000}

  /** Acks of the bodies in `lost` fail as on a dead channel the first time, and the broker gets the message back. */
  function losingAcks(driver: Driver, lost: Set<string>): Driver {
    return {
      features: driver.features,
      backend: driver.backend,
      consume: (q: string, o: Parameters<Driver['consume']>[1], handler: (d: Delivery) => void) =>
        driver.consume(q, o, (d) => {
          const body = String(d.body)
          if (!lost.delete(body)) return handler(d)
          handler({
            ...d,
            ack: () =>
              d
                .nack(true)
                .then(() => Promise.reject(new ConnectionError(`channel closed; a message from queue "${q}" was not settled and will be redelivered`))),
            nack: (requeue: boolean) => d.nack(requeue),
          })
        }),
    } as unknown as Driver
  }

  it('an ack lost with the connection does not end the loop; --count N is N acknowledged; the copy is written again', async () => {
    const {driver, queue} = await filled(10)
    const written: string[] = []
    const result = await consumeMessages({
      driver: losingAcks(driver, new Set(['m2', 'm4'])),
      queue,
      count: 5,
      prefetch: 3,
      mode: 'ack',
      recovery: alwaysUp,
      write: async (d) => void written.push(String(d.body)),
    })
    expect(result).toMatchObject({count: 5, redeliveryExpected: 2, ended: 'count'})
    expect(written).toHaveLength(7)
    expect(written.filter((b) => b === 'm2')).toHaveLength(2)
    expect(written.filter((b) => b === 'm4')).toHaveLength(2)
    const [stats] = (await driver.inspect([queue])).queues
    expect(stats.ready + stats.inFlight).toBe(5) // exactly 5 acknowledged
    await driver.close()
  })

  it('without recovery the same lost ack ends the loop with the connection error, as before', async () => {
    const {driver, queue} = await filled(5)
    await expect(consumeMessages({driver: losingAcks(driver, new Set(['m2'])), queue, mode: 'ack', write: async () => {}})).rejects.toBeInstanceOf(
      ConnectionError,
    )
    await driver.close()
  })

  it('--idle-timeout counts only time with a live connection: an outage is not an idle queue', async () => {
    const {driver, queue} = await filled(1)
    let upSince: number | undefined
    const watch: ConnectionWatch = {upForMs: () => (upSince === undefined ? undefined : performance.now() - upSince)}
    const started = performance.now()
    // Down for 150 ms from the start, then up.
    setTimeout(() => (upSince = performance.now()), 150)
    const result = await consumeMessages({driver, queue, idleTimeoutMs: 60, mode: 'ack', recovery: watch, write: async () => {}})
    const tookMs = performance.now() - started
    expect(result).toMatchObject({count: 1, ended: 'idle', redeliveryExpected: 0})
    expect(tookMs).toBeGreaterThanOrEqual(150 + 60 - 5)
    await driver.close()
  })

  it('--recover and --requeue are refused (a lost connection returns what a peek holds)', async () => {
    const {driver, queue} = await filled(1)
    await expect(consumeMessages({driver, queue, mode: 'requeue', recovery: alwaysUp, write: async () => {}})).rejects.toThrow(
      /--recover cannot be combined with --requeue/,
    )
    await driver.close()
  })
})
