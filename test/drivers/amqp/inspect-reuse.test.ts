// The management API's answer is reused for a second (RabbitMQ itself refreshes those figures
// only every 5 s), so bench's 100 ms queue-length sampling does not load the broker; ready
// counts and consumers still come live from a passive declare on every call.
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {MANAGEMENT_REUSE_MS} from '../../../src/drivers/amqp/inspect.js'
import type {Driver} from '../../../src/drivers/types.js'
import {AMQP_URL, amqpAvailable, uniqueName} from '../../helpers/brokers.js'
import {connectedDriver} from './helpers.js'

const available = await amqpAvailable()

describe.skipIf(!available)('amqp inspect: management answers reused briefly, passive figures live', () => {
  const queue = uniqueName('inspect-reuse')
  let requests = 0
  let server: http.Server
  let driver: Driver

  beforeAll(async () => {
    // A stand-in management API that reports 7 unacked messages for the queue.
    server = http.createServer((_request, response) => {
      requests++
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify([{name: queue, type: 'classic', messages_ready: 0, messages_unacknowledged: 7, consumers: 0}]))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const {port} = server.address() as AddressInfo
    driver = await connectedDriver(`${AMQP_URL}?mgmt=http://127.0.0.1:${port}`)
    await driver.declare({name: queue})
  })

  afterAll(async () => {
    await driver?.delete(queue).catch(() => {})
    await driver?.close()
    server?.close()
  })

  it('asks the API once per second at most, while ready counts stay live', async () => {
    const first = await driver.inspect([queue])
    expect(first.queues[0]).toMatchObject({ready: 0, inFlight: 7})
    await driver.publish(queue, {body: Buffer.from('x')})
    const second = await driver.inspect([queue])
    expect(requests).toBe(1)
    // Passive declare: the new message shows at once; the API's in-flight figure is reused.
    expect(second.queues[0]).toMatchObject({ready: 1, inFlight: 7})
    await new Promise((r) => setTimeout(r, MANAGEMENT_REUSE_MS + 50))
    await driver.inspect([queue])
    expect(requests).toBe(2)
  })
})
