// Driver.serverInfo for RabbitMQ: the broker's own server properties and amqplib's version.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import amqp from 'amqplib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Driver} from '../../../src/drivers/types.js'
import {AMQP_URL, amqpAvailable} from '../../helpers/brokers.js'
import {ROOT} from '../../helpers/cli.js'
import {connectedDriver} from './helpers.js'

const available = await amqpAvailable()

describe.skipIf(!available)('amqp driver: serverInfo', () => {
  let driver: Driver
  beforeAll(async () => {
    driver = await connectedDriver()
  })
  afterAll(async () => {
    await driver?.close()
  })

  it("reports the broker's product, version and cluster name, and amqplib's version", async () => {
    // What the broker tells any client, read independently with plain amqplib.
    const raw = await amqp.connect(AMQP_URL)
    const properties = raw.connection.serverProperties
    await raw.close()
    const amqplibVersion = (JSON.parse(readFileSync(path.join(ROOT, 'node_modules/amqplib/package.json'), 'utf8')) as {version: string}).version

    const info = await driver.serverInfo!()
    expect(info).toMatchObject({
      'server.product': 'RabbitMQ',
      'server.version': properties.version,
      'client.library': 'amqplib',
      'client.version': amqplibVersion,
    })
    expect(info['server.version']).toMatch(/^\d+\.\d+\.\d+/)
    expect(info['client.version']).toMatch(/^\d+\.\d+\.\d+/)
    expect(info['server.cluster_name']).toBe(properties.cluster_name)
    expect(Object.values(info).every((value) => typeof value === 'string' && value !== '')).toBe(true)
  })

  it('refuses on a closed driver with a connection error instead of stale facts', async () => {
    const closed = await connectedDriver()
    await closed.close()
    await expect(closed.serverInfo!()).rejects.toMatchObject({code: 'CONNECTION'})
  })
})
