// The resolver from URL to driver. Each backend is imported lazily so that `mqkit bench` on
// memory:// never loads amqplib or kafkajs (start-up time is part of a CLI's feel).
import {UsageError} from '../errors.js'
import {parseUrl, type ParsedUrl} from '../url.js'
import type {Driver, DriverContext} from './types.js'

export type * from './types.js'

export async function createDriver(rawUrl: string | ParsedUrl, context: DriverContext): Promise<Driver> {
  const url = typeof rawUrl === 'string' ? parseUrl(rawUrl) : rawUrl
  switch (url.scheme) {
    case 'memory': {
      const {createMemoryDriver} = await import('./memory/index.js')
      return createMemoryDriver(url, context)
    }
    case 'amqp':
    case 'amqps': {
      const {createAmqpDriver} = await import('./amqp/index.js')
      return createAmqpDriver(url, context)
    }
    case 'kafka': {
      const {createKafkaDriver} = await import('./kafka/index.js')
      return createKafkaDriver(url, context)
    }
    case 'file': {
      const {createLocalDriver} = await import('./local/index.js')
      return createLocalDriver(url, context)
    }
    default:
      throw new UsageError(`backend for "${url.scheme}:" URLs is not available in this build`)
  }
}

/** Connect, run `work`, always close. Close errors never mask the work's own error. */
export async function withDriver<T>(rawUrl: string | ParsedUrl, context: DriverContext, work: (driver: Driver) => Promise<T>): Promise<T> {
  const driver = await createDriver(rawUrl, context)
  await driver.connect()
  let result: T
  try {
    result = await work(driver)
  } catch (error) {
    await driver.close().catch(() => {})
    throw error
  }
  await driver.close()
  return result
}
