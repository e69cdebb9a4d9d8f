// The one conformance suite every backend runs unchanged (Watermill's TestPubSub idea). Each
// case gets its own uniquely named queue and is skipped only when the driver declares the
// capability it needs absent in `features`.
import {afterAll, beforeAll, describe, it} from 'vitest'
import type {Driver} from '../../src/drivers/types.js'
import {deliveryCases} from './cases-delivery.js'
import {queueCases} from './cases-queue.js'
import {CaseContext, type ConformanceCase} from './harness.js'

export const CONFORMANCE_CASES: ConformanceCase[] = [...deliveryCases, ...queueCases]

export interface ConformanceOptions {
  /** e.g. amqpAvailable: false skips the whole suite (and throws under CI). */
  available?: () => Promise<boolean>
}

/** `makeDriver` returns a driver that is not connected yet; the suite connects and closes. */
export function runConformance(name: string, makeDriver: () => Promise<Driver>, options: ConformanceOptions = {}): void {
  describe(`conformance: ${name}`, async () => {
    const available = options.available ? await options.available() : true
    // Features are static: read them from an unconnected instance, which then serves as the
    // suite's shared connection.
    const driver = await makeDriver()
    const {features} = driver

    describe.skipIf(!available)(`${driver.backend} driver`, () => {
      beforeAll(() => driver.connect())
      afterAll(() => driver.close())

      for (const testCase of CONFORMANCE_CASES) {
        const absent = testCase.when !== undefined && !testCase.when(features)
        it.skipIf(absent)(testCase.name, async () => {
          const context = new CaseContext(driver, features, makeDriver, testCase.name)
          try {
            await testCase.run(context)
          } finally {
            await context.cleanup()
          }
        })
      }
    })
  })
}
