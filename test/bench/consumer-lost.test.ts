// A consumer's subscription that ends by itself (connection lost) ends the bench run at once
// with a connection error, instead of waiting out the drain timeout and calling the rest lost.
import {describe, expect, it} from 'vitest'
import {createDriver} from '../../src/drivers/index.js'
import type {Driver, EndReason, Subscription} from '../../src/drivers/types.js'
import {defaultBenchOptions} from '../../src/bench/options.js'
import {BenchRunner} from '../../src/bench/runner.js'
import {ConnectionError} from '../../src/errors.js'

describe('bench when a consumer connection is lost', () => {
  it('fails the run with a connection error naming the consumer, well before the drain timeout', async () => {
    let loseConnection: ((reason: EndReason) => void) | undefined
    const runner = new BenchRunner(defaultBenchOptions({rate: [{perSecond: 2000}], durationMs: 20_000, drainTimeoutMs: 30_000}), {
      url: 'memory://',
      clientName: 'test',
      mqkitVersion: 'test',
      makeDriver: async (role) => {
        const driver = await createDriver('memory://', {clientName: `test ${role}`})
        if (role !== 'consumer') return driver
        // The consumer's subscription is real, but its `ended` can also be resolved by the test,
        // as a driver does when its connection drops.
        return new Proxy(driver, {
          get(target, property, receiver) {
            if (property !== 'consume') return Reflect.get(target, property, receiver)
            return async (...args: Parameters<Driver['consume']>): Promise<Subscription> => {
              const real = await target.consume(...args)
              const ended = new Promise<EndReason>((resolve) => {
                loseConnection = resolve
                void real.ended.then(resolve)
              })
              return {cancel: () => real.cancel(), ended}
            }
          },
        })
      },
    })
    const started = performance.now()
    const run = runner.run()
    // Once ~0.3 s of messages have gone through (not after a fixed time: connecting can take that long on a loaded machine).
    const lose = setInterval(() => {
      if ((runner.integrity?.received ?? 0) < 600) return
      clearInterval(lose)
      loseConnection?.({kind: 'connection-lost', message: 'connection reset by peer'})
    }, 5)
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ConnectionError)
    expect((error as Error).message).toMatch(
      /^consumer 1 on "mqkit-bench-[0-9a-f]{8}": connection reset by peer; before that: (\d+) sent, (\d+) confirmed, (\d+) received/,
    )
    const [, sent, confirmed] = /(\d+) sent, (\d+) confirmed/.exec((error as Error).message)!.map(Number)
    // At least the 600 received before the loss.
    expect(sent, (error as Error).message).toBeGreaterThan(500)
    expect(confirmed).toBeLessThanOrEqual(sent)
    expect(performance.now() - started).toBeLessThan(5000)
  })
})
