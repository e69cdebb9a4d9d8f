// ResilientDriver (--recover) around a driver whose connection dies: exactly one recovery per
// loss, even when the dead connection fails publishes synchronously and the caller publishes again
// from the failure callback; in-doubt publishes fail with OutcomeUnknownError exactly once; a queue
// gone on the new connection ends recovery at once.
import {describe, expect, it} from 'vitest'
import {createDriver} from '../../src/drivers/index.js'
import {ResilientDriver} from '../../src/drivers/resilient.js'
import type {Driver, OutgoingMessage} from '../../src/drivers/types.js'
import {ConnectionError, OutcomeUnknownError, RecoveryFailedError} from '../../src/errors.js'
import type {RunEvent} from '../../src/results/availability.js'

/** A memory:// connection that can be killed: afterwards every publish fails at once, synchronously. */
async function killable(broker: string): Promise<{driver: Driver; kill: () => void}> {
  const real = await createDriver(`memory://${broker}`, {clientName: 'test'})
  let dead = false
  const driver = new Proxy(real, {
    get(target, property, receiver) {
      if (property === 'publishCallback') {
        return (queue: string, message: OutgoingMessage, ok: () => void, fail: (e: Error) => void) => {
          if (dead) return fail(new ConnectionError('channel closed'))
          target.publish(queue, message).then(ok, fail)
        }
      }
      return Reflect.get(target, property, receiver)
    },
  })
  return {driver, kill: () => (dead = true)}
}

describe('ResilientDriver', () => {
  it('one loss, one recovery: a caller publishing again from the failure callback waits for the new connection', async () => {
    const events: RunEvent[] = []
    const connections: Array<{kill: () => void}> = []
    const resilient = await ResilientDriver.create({
      make: async () => {
        const c = await killable('resilient-once')
        connections.push(c)
        return c.driver
      },
      policy: {budgetMs: 5000, firstDelayMs: 10},
      role: 'producer',
      index: 1,
      topology: [{name: 'q'}],
      clockMs: () => performance.now(),
      onEvent: (e) => events.push(e),
    })
    await resilient.connect()
    await resilient.declare({name: 'q'})
    connections[0].kill()
    const outcome = await new Promise<string>((resolve) => {
      const body = Buffer.from('x')
      resilient.publishCallback(
        'q',
        {body},
        () => resolve('confirmed at once'),
        (error) => {
          expect(error).toBeInstanceOf(OutcomeUnknownError)
          // Again, from inside the callback: must wait for the new connection, not hit the dead one.
          resilient.publishCallback(
            'q',
            {body},
            () => resolve('confirmed after reconnecting'),
            (e) => resolve(`failed again: ${e.message}`),
          )
        },
      )
    })
    expect(outcome).toBe('confirmed after reconnecting')
    expect(events.map((e) => e.kind)).toEqual(['connection-lost', 'reconnected'])
    expect(connections).toHaveLength(2)
    expect((await resilient.inspect(['q'])).queues[0].ready).toBe(1)
    await resilient.close()
  })

  it('a queue gone on the new connection (not durable) ends recovery at once with RecoveryFailedError naming it', async () => {
    const events: RunEvent[] = []
    let made = 0
    let first: {kill: () => void} | undefined
    const resilient = await ResilientDriver.create({
      // Each new connection is to a fresh broker: the queue did not survive.
      make: async () => {
        const c = await killable(`resilient-gone-${made++}`)
        first ??= c
        return c.driver
      },
      policy: {budgetMs: 5000, firstDelayMs: 10},
      role: 'consumer',
      index: 1,
      topology: [],
      clockMs: () => performance.now(),
      onEvent: (e) => events.push(e),
    })
    await resilient.connect()
    // Declared on the first broker through another connection: this driver has no declare to replay.
    const other = await createDriver('memory://resilient-gone-0', {clientName: 'test'})
    await other.connect()
    await other.declare({name: 'gone'})
    const subscription = await resilient.consume('gone', {}, () => {})
    first!.kill()
    const started = performance.now()
    const inDoubt = await new Promise<Error>((resolve) => resilient.publishCallback('gone', {body: Buffer.from('x')}, () => {}, resolve))
    expect(inDoubt).toBeInstanceOf(OutcomeUnknownError)
    const ended = await subscription.ended
    expect(performance.now() - started).toBeLessThan(1000)
    expect(ended.kind).toBe('connection-lost')
    expect(ended.kind === 'connection-lost' && ended.message).toMatch(/gave up reconnecting after .* 1 attempt \(an error reconnecting cannot cure\): .*gone/)
    const after = await new Promise<Error>((resolve) => resilient.publishCallback('gone', {body: Buffer.from('x')}, () => {}, resolve))
    expect(after).toBeInstanceOf(RecoveryFailedError)
    expect(events.map((e) => e.kind)).toEqual(['connection-lost', 'gave-up'])
    await other.close()
    await resilient.close()
  })
})
