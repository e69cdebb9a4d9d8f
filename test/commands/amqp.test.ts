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
    const published = await cli(
      ['publish', 'ignored', '--exchange', exchange, '--key-delimiter', ' ', '--header', 'h=1'],
      'app.error disk full\ndb.fatal down\n',
    )
    expect(published.code, published.stderr).toBe(0)
    const consumed = await cli(['consume', queue, '--count', '2', '--json'])
    expect(consumed.code, consumed.stderr).toBe(0)
    const records = consumed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
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

  it.skipIf(!enabled)('a key for a message straight to a queue is refused (exit 7) before anything is sent, never dropped', async () => {
    const target = uniqueName('keyed')
    expect((await cli(['declare', target, '--auto-delete'])).code).toBe(0)
    const keyed = await cli(['publish', target, 'm', '--key', 'k1'])
    expect(keyed.code).toBe(7)
    expect(keyed.stderr.trim()).toBe(
      'mqkit: --key: a message published straight to a queue on amqp:// keeps no key (its routing key is the queue name); send the key as a header (--header key=VALUE), or publish through an exchange (--exchange X --key K)',
    )
    const delimited = await cli(['publish', target, '--key-delimiter', ':'], 'k2:m\n')
    expect(delimited.code).toBe(7)
    expect(delimited.stderr).toMatch(/^mqkit: --key-delimiter: /m)
    const inspected = await cli(['inspect', target, '--json'])
    expect(JSON.parse(inspected.stdout).queues[0].ready).toBe(0)
    await cli(['delete', target, '--if-exists'])
  })

  it.skipIf(!enabled)('a peek for more than the queue holds ends once it has seen them all and leaves them queued', async () => {
    const target = uniqueName('peek')
    expect((await cli(['declare', target])).code).toBe(0)
    expect((await cli(['publish', target, 'a', 'b'])).code).toBe(0)
    const peek = await cli(['consume', target, '--requeue', '--count', '5'])
    expect(peek.code, peek.stderr).toBe(0)
    expect(peek.stdout).toBe('a\nb\n')
    expect(peek.stderr).toContain('mqkit: peeked at 2 messages of --count 5: the queue holds no more')
    const taken = await cli(['consume', target, '--count', '2'])
    expect(taken.stdout).toBe('a\nb\n')
    await cli(['delete', target, '--if-exists'])
  })

  it.skipIf(!enabled)('messages about the management API name the option that exists: ?mgmt= in the URL', async () => {
    const badUrl = await runCli(['inspect', 'q', '--url', `${AMQP_URL}?mgmt=not-a-url`])
    expect(badUrl.code).toBe(2)
    expect(badUrl.stderr).toContain('?mgmt=')
    const noApi = await runCli(['inspect', '--url', `${AMQP_URL}?mgmt=off`])
    expect(noApi.code).toBe(7)
    expect(noApi.stderr).toContain('?mgmt=http://host:15672')
    for (const stderr of [badUrl.stderr, noApi.stderr]) expect(stderr).not.toContain('--mgmt-url')
  })

  it.skipIf(!enabled)('publish to a missing queue is exit 5', async () => {
    const {code, stderr} = await cli(['publish', uniqueName('missing'), 'x'])
    expect(code, stderr).toBe(5)
  })
})
