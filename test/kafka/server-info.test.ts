// Driver.serverInfo() on kafka:// against the real broker: product, cluster id, broker count,
// controller, client library and version; never a guessed server.version.
import {readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createDriver} from '../../src/drivers/index.js'
import type {Driver} from '../../src/drivers/types.js'
import {KAFKA_URL, kafkaAvailable} from '../helpers/brokers.js'
import {ROOT} from '../helpers/cli.js'
import {kafkaDriver} from './helpers.js'

const available = await kafkaAvailable()

/** cluster.id from the meta.properties of the broker scripts/kafka.sh runs on 9092, when that is the one under test. */
function formattedClusterId(): string | undefined {
  if (process.env.MQKIT_TEST_KAFKA_URL || process.env.KAFKA_HOME_DIR) return undefined
  const version = process.env.KAFKA_VERSION ?? '4.4.0'
  const cache = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache')
  try {
    const text = readFileSync(path.join(cache, 'mqkit', `kafka-${version}`, `data-${process.env.KAFKA_PORT ?? 9092}`, 'meta.properties'), 'utf8')
    return /^cluster\.id=(.+)$/m.exec(text)?.[1]?.trim()
  } catch {
    return undefined
  }
}

describe.runIf(available)('kafka serverInfo (real broker)', () => {
  let driver: Driver
  beforeAll(async () => {
    driver = await kafkaDriver()
  })
  afterAll(async () => driver?.close())

  it('reports Apache Kafka, its cluster id, brokers, controller, kafkajs and its version', async () => {
    const info = await driver.serverInfo!()
    const installed = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'kafkajs', 'package.json'), 'utf8')).version
    expect(info).toMatchObject({'server.product': 'Apache Kafka', 'server.brokers': '1', 'client.library': 'kafkajs', 'client.version': installed})
    expect(info['server.cluster_id']).toMatch(/^[A-Za-z0-9_-]{22}$/) // a Kafka Uuid
    expect(info['server.controller']).toMatch(/^\d+$/)
    expect(info).not.toHaveProperty('server.version')
    // The project's broker (scripts/kafka.sh) records the id it was formatted with.
    const meta = formattedClusterId()
    if (meta !== undefined) expect(info['server.cluster_id']).toBe(meta)
    // Stable: a second client on the same cluster reports the same id.
    const other = await kafkaDriver()
    expect((await other.serverInfo!())['server.cluster_id']).toBe(info['server.cluster_id'])
    await other.close()
  })

  it('before connect() it is a usage error, not a hang', async () => {
    const fresh = await createDriver(KAFKA_URL, {clientName: 'mqkit-test'})
    await expect(fresh.serverInfo!()).rejects.toThrow(/before connect/)
  })
})
