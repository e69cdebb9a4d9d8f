// Per-message accounting against injected ground truth on memory:// (issue 15): a broker that
// confirms some messages and drops them is reported as exactly that many confirmed-and-lost; a
// connection that dies with publishes on the wire, some of which reached the broker, is reported
// as exactly that many in doubt and arrived; and healthy runs report no loss, no doubt and no
// outage, over many seeded runs.
import {describe, expect, it} from 'vitest'
import {createDriver} from '../../src/drivers/index.js'
import type {Driver, OutgoingMessage} from '../../src/drivers/types.js'
import {defaultBenchOptions, type BenchOptions} from '../../src/bench/options.js'
import {BenchRunner} from '../../src/bench/runner.js'
import {ConnectionError} from '../../src/errors.js'

type PublishCallback = NonNullable<Driver['publishCallback']>

/** A seeded generator (mulberry32): the same seed drops the same messages. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The producer's driver, with its publish replaced by `publish(real, …)`; other roles untouched. */
function withProducerPublish(
  broker: string,
  publish: (real: PublishCallback, queue: string, message: OutgoingMessage, ok: () => void, fail: (e: Error) => void) => void,
) {
  return async (role: 'admin' | 'producer' | 'consumer'): Promise<Driver> => {
    const driver = await createDriver(`memory://${broker}`, {clientName: `test ${role}`})
    if (role !== 'producer') return driver
    const real: PublishCallback = (queue, message, ok, fail) => driver.publish(queue, message).then(ok, fail)
    return new Proxy(driver, {
      get(target, property, receiver) {
        if (property === 'publishCallback') return (q: string, m: OutgoingMessage, ok: () => void, fail: (e: Error) => void) => publish(real, q, m, ok, fail)
        return Reflect.get(target, property, receiver)
      },
    })
  }
}

function run(options: Partial<BenchOptions>, makeDriver: ReturnType<typeof withProducerPublish>) {
  const runner = new BenchRunner(defaultBenchOptions({count: 5000, drainTimeoutMs: 2000, ...options}), {
    url: 'memory://',
    clientName: 'test',
    mqkitVersion: 'test',
    makeDriver,
  })
  return runner.run()
}

describe('bench accounting against injected faults (memory://)', () => {
  it.each([
    ['--recover (final drain, per message)', {recoverMs: 10_000}, 'drained'],
    ['without --recover (the broker count)', {}, undefined],
  ] as const)('a broker that confirms and drops N messages: exactly N confirmed and lost, %s', async (_label, options, by) => {
    const random = seeded(42)
    let dropped = 0
    const result = await run(
      options,
      withProducerPublish(`loss-${by ?? 'counted'}`, (real, queue, message, ok, fail) => {
        if (random() < 0.002) {
          dropped++
          return ok() // confirmed, never stored
        }
        real(queue, message, ok, fail)
      }),
    )
    expect(dropped).toBeGreaterThan(3)
    expect(result.integrity.lost).toBe(dropped)
    expect(result.integrity.confirmed).toBe(5000)
    expect(result.integrity.unique).toBe(5000 - dropped)
    expect(result.integrity.leftInQueueBy).toBe(by)
  })

  it('a connection that dies with 10 publishes on the wire, 4 of which reached the broker: 10 in doubt, 4 arrived, none lost, the run goes on', async () => {
    let published = 0
    let died = false
    const onWire: Array<{fail: (e: Error) => void}> = []
    const result = await run(
      {recoverMs: 10_000, count: 3000},
      withProducerPublish('doubt', (real, queue, message, ok, fail) => {
        published++
        if (died || published <= 1000) return real(queue, message, ok, fail)
        // Messages 1001–1010: on the wire when the connection dies; 1001–1004 reached the broker
        // (stored, never confirmed), the rest did not.
        if (published <= 1004)
          real(
            queue,
            message,
            () => {},
            () => {},
          )
        onWire.push({fail})
        if (onWire.length === 10) {
          died = true
          // On its own turn, once every confirm already on its way has landed: then exactly
          // these 10 are unconfirmed when the connection dies.
          setTimeout(() => {
            for (const p of onWire) p.fail(new ConnectionError('connection reset by peer'))
          }, 5)
        }
      }),
    )
    const i = result.integrity
    expect(i.inDoubt).toBe(10)
    expect(i.inDoubtArrived).toBe(4)
    expect(i.lost).toBe(0)
    expect(i.publishErrors).toBe(0)
    expect(i.sent).toBe(3000)
    expect(i.confirmed).toBe(2990)
    expect(i.unique).toBe(2994)
    const kinds = result.availability!.events.map((e) => `${e.kind} ${'role' in e ? e.role : ''}`)
    expect(kinds).toEqual(['connection-lost producer', 'reconnected producer'])
  })

  it('healthy runs with --recover: no loss, no doubt, no duplicates, no outage window, over 20 seeded runs', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = seeded(seed)
      const count = 500 + Math.floor(random() * 2000)
      const result = await run({recoverMs: 10_000, count, producers: 1 + Math.floor(random() * 3), consumers: 1 + Math.floor(random() * 3)}, async (role) =>
        createDriver(`memory://healthy-${seed}`, {clientName: `test ${role}`}),
      )
      const i = result.integrity
      expect({seed, lost: i.lost, inDoubt: i.inDoubt, duplicates: i.duplicates, left: i.leftInQueue, unique: i.unique}).toEqual({
        seed,
        lost: 0,
        inDoubt: 0,
        duplicates: 0,
        left: 0,
        unique: count,
      })
      expect(i.leftInQueueBy).toBe('drained')
      expect(result.availability!.windows).toEqual([])
    }
  }, 60_000)
})
