// Timing: the closed-loop producer yields to the event loop about every millisecond. Counted
// turns against elapsed time, so it runs in the project of tests that need both cores to
// themselves (vitest.config.ts): a busy machine stretches the elapsed time without more turns.
import {describe, expect, it} from 'vitest'
import {IntegrityTracker} from '../../src/bench/integrity.js'
import {Measurements} from '../../src/bench/measurements.js'
import {defaultBenchOptions} from '../../src/bench/options.js'
import {PayloadSource} from '../../src/bench/message/payload.js'
import {Producer} from '../../src/bench/producer.js'
import type {Driver} from '../../src/drivers/types.js'

function testProducer(driver: Driver, count: number): Producer {
  const options = defaultBenchOptions({count})
  return new Producer({
    driver,
    producerId: 0,
    producers: 1,
    phase: 0,
    queue: 'q',
    queueIndex: 0,
    options,
    measurements: new Measurements(0, false),
    integrity: new IntegrityTracker(),
    quota: count,
    startNs: 0,
    payload: PayloadSource.random(64, 64),
    stampInHeader: false,
    releaseOnConfirm: false,
    stopped: () => false,
    fail: (error) => {
      throw error
    },
  })
}

describe('closed-loop producer', () => {
  it('yields to the event loop about every millisecond even when every confirm is a microtask', async () => {
    // memory:// confirms are microtasks, so waiting for confirm-window room never lets timers
    // run: without its own yields the producer would starve the interval ticker and the
    // queue-length sampler for the whole run.
    const driver = {publish: () => Promise.resolve()} as unknown as Driver
    const producer = testProducer(driver, 300_000)
    let turns = 0
    let beating = true
    const beat = () => {
      turns++
      if (beating) setImmediate(beat)
    }
    setImmediate(beat)
    const startMs = performance.now()
    await producer.run()
    const elapsedMs = performance.now() - startMs
    beating = false
    expect(producer.sequence).toBe(300_000)
    expect(elapsedMs).toBeGreaterThan(20) // long enough for the count below to mean something
    expect(turns).toBeGreaterThan(elapsedMs / 5)
  })
})
