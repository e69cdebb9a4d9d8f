// RabbitMQ-only CLI behaviour: exchanges and bindings through declare, unroutable publishes
// counted and ending in exit 9 with the counts in --json.
import {afterAll, describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'
import {AMQP_URL, amqpAvailable, uniqueName} from '../helpers/brokers.js'

const enabled = await amqpAvailable()
const cli = (args: string[], input?: string) => runCli([...args, '--url', AMQP_URL], {input, timeoutMs: 45_000})

describe.concurrent('amqp:// CLI', () => {
  const exchange = uniqueName('ex')
  const queue = uniqueName('bound')

  afterAll(async () => {
    if (!enabled) return
    await cli(['delete', queue, '--if-exists'])
    await cli(['delete', exchange, '--exchange', '--if-exists'])
  })

  it.skipIf(!enabled)('declare an exchange, bind a queue, publish through it, consume with keys', async () => {
    const ex = await cli(['declare', exchange, '--exchange-type', 'topic', '--auto-delete', '--json'])
    expect(ex.code, ex.stderr).toBe(0)
    expect(JSON.parse(ex.stdout)).toEqual({kind: 'exchange', name: exchange, created: true, bindings: []})
    const bound = await cli(['declare', queue, '--bind', exchange, '--routing-key', '*.error', '--routing-key', '*.fatal', '--json'])
    expect(bound.code, bound.stderr).toBe(0)
    expect(JSON.parse(bound.stdout).bindings).toEqual([
      {source: exchange, destination: queue, routingKey: '*.error'},
      {source: exchange, destination: queue, routingKey: '*.fatal'},
    ])
    const published = await cli(['publish', 'ignored', '--exchange', exchange, '--key-delimiter', ' ', '--header', 'h=1'], 'app.error disk full\ndb.fatal down\n')
    expect(published.code, published.stderr).toBe(0)
    const consumed = await cli(['consume', queue, '--count', '2', '--json'])
    expect(consumed.code, consumed.stderr).toBe(0)
    const records = consumed.stdout.trim().split('\n').map((line) => JSON.parse(line))
    expect(records.map((r) => [r.key, r.body, r.headers.h])).toEqual([
      ['app.error', 'disk full', '1'],
      ['db.fatal', 'down', '1'],
    ])
  })

  it.skipIf(!enabled)('unroutable mandatory publishes are counted; exit 9 with the counts in --json', async () => {
    const {code, stdout, stderr} = await cli(['publish', 'nowhere', '--exchange', 'amq.direct', '--mandatory', 'a', 'b', '--json'])
    expect(code).toBe(9)
    const result = JSON.parse(stdout)
    expect(result).toMatchObject({confirmed: 0, failed: {nacked: 0, unroutable: 2, rejected: 0}, error: {code: 'DELIVERY', exitCode: 9}})
    expect(stderr).toMatch(/2 unroutable/)
  })

  it.skipIf(!enabled)('publish to a missing queue is exit 5', async () => {
    const {code, stderr} = await cli(['publish', uniqueName('missing'), 'x'])
    expect(code, stderr).toBe(5)
  })
})
