// The one conformance suite every backend runs unchanged (Watermill's TestPubSub idea). Each
// case gets its own uniquely named queue and is skipped only when the driver declares the
// capability it needs absent in `features`. Each backend's features and the cases they skip are
// pinned in its test file: a feature turned off fails there, not as one more quiet skip.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {withFeatureDefaults} from '../../src/drivers/defaults.js'
import type {Driver, Features} from '../../src/drivers/types.js'
import {deliveryCases} from './cases-delivery.js'
import {queueCases} from './cases-queue.js'
import {CaseContext, type ConformanceCase} from './harness.js'

export {EXIT_AT_END} from './cases-delivery.js'

export const CONFORMANCE_CASES: ConformanceCase[] = [...deliveryCases, ...queueCases]

export interface ConformanceOptions {
  /** e.g. amqpAvailable: false skips the whole suite (and throws under CI). */
  available?: () => Promise<boolean>
  /**
   * The features the driver must declare, as a literal: changing one is a change here too. An
   * optional feature left out here stands for its default, as in a driver's declaration.
   */
  features: Features
  /** The names of the cases those features skip, in suite order (a new case with `when` shows here). */
  skips: string[]
}

/** The cases a driver with `features` skips, in suite order. */
export function skippedCases(features: Features): string[] {
  const resolved = withFeatureDefaults(features)
  return CONFORMANCE_CASES.filter((c) => c.when !== undefined && !c.when(resolved)).map((c) => c.name)
}

/** `makeDriver` returns a driver that is not connected yet; the suite connects and closes. */
export function runConformance(name: string, makeDriver: () => Promise<Driver>, options: ConformanceOptions): void {
  describe(`conformance: ${name}`, async () => {
    const available = options.available ? await options.available() : true
    // Features are static: read them from an unconnected instance, which then serves as the
    // suite's shared connection.
    const driver = await makeDriver()
    const {features} = driver

    // Static facts: checked even where the broker is not reachable.
    it('declares the pinned features and skips exactly the pinned cases', () => {
      expect(features).toEqual(withFeatureDefaults(options.features))
      expect(skippedCases(features)).toEqual(options.skips)
    })

    describe.skipIf(!available)(`${driver.backend} driver`, () => {
      beforeAll(() => driver.connect())
      afterAll(() => driver.close())

      const skipped = new Set(skippedCases(features))
      for (const testCase of CONFORMANCE_CASES) {
        it.skipIf(skipped.has(testCase.name))(testCase.name, async () => {
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
