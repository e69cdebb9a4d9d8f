// Driver.serverInfo() on kafka:// against the real broker: product, cluster id, broker count,
// controller, client library and version; never a guessed server.version.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createDriver} from '../../../../src/drivers/index.js'
import type {Driver} from '../../../../src/drivers/types.js'
import {IN_CI, KAFKA_URL, kafkaAvailable} from '../../../helpers/brokers.js'
import {ROOT} from '../../../helpers/cli.js'
import {kafkaDriver, projectBroker, withClient} from '../helpers.js'

const available = await kafkaAvailable()
const project = projectBroker()
// Under CI the broker on the default URL is the one .ci/run or global-setup started with
// scripts/kafka.sh: not finding it there is a failure, not a skip.
const checkFormattedId = available && (project !== undefined || (IN_CI && !process.env.MQKIT_TEST_KAFKA_URL))
if (available && !checkFormattedId)
  process.stderr.write(`[skip] the Kafka broker on ${KAFKA_URL} is not scripts/kafka.sh's: its formatted cluster id is not checked\n`)

describe.runIf(available)('kafka serverInfo (real broker)', () => {
  let driver: Driver
  beforeAll(async () => {
    driver = await kafkaDriver()
  })
  afterAll(async () => driver?.close())

  it('?client=platformatic adds the producing library and its version; ?client=kafkajs adds none', async () => {
    const installed = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', '@platformatic', 'kafka', 'package.json'), 'utf8')).version
    const platformatic = await kafkaDriver(withClient(KAFKA_URL, 'platformatic'))
    const kafkajs = await kafkaDriver(withClient(KAFKA_URL, 'kafkajs'))
    try {
      expect(await platformatic.serverInfo!()).toMatchObject({
        'client.library': 'kafkajs',
        'client.producer.library': '@platformatic/kafka',
        'client.producer.version': installed,
      })
      expect(Object.keys(await kafkajs.serverInfo!()).filter((key) => key.startsWith('client.producer'))).toEqual([])
    } finally {
      await Promise.all([platformatic.close(), kafkajs.close()])
    }
  })

  it('reports Apache Kafka, its cluster id, brokers, controller, kafkajs and its version', async () => {
    const info = await driver.serverInfo!()
    const installed = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'kafkajs', 'package.json'), 'utf8')).version
    expect(info).toMatchObject({'server.product': 'Apache Kafka', 'server.brokers': '1', 'client.library': 'kafkajs', 'client.version': installed})
    expect(info['server.cluster_id']).toMatch(/^[A-Za-z0-9_-]{22}$/) // a Kafka Uuid
    expect(info['server.controller']).toMatch(/^\d+$/)
    expect(info).not.toHaveProperty('server.version')
    // Stable: a second client on the same cluster reports the same id.
    const other = await kafkaDriver()
    expect((await other.serverInfo!())['server.cluster_id']).toBe(info['server.cluster_id'])
    await other.close()
  })

  it.runIf(checkFormattedId)('the cluster id is the one scripts/kafka.sh formatted the broker with (meta.properties)', async () => {
    expect(project, `the broker on ${KAFKA_URL} is the one scripts/kafka.sh runs (its pid file names it)`).toBeDefined()
    const meta = readFileSync(path.join(project!.dataDir, 'meta.properties'), 'utf8')
    const formatted = /^cluster\.id=(.+)$/m.exec(meta)?.[1]?.trim()
    expect(formatted).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect((await driver.serverInfo!())['server.cluster_id']).toBe(formatted)
  })

  it('before connect() it is a usage error, not a hang', async () => {
    const fresh = await createDriver(KAFKA_URL, {clientName: 'mqkit-test'})
    await expect(fresh.serverInfo!()).rejects.toThrow(/before connect/)
  })
})
