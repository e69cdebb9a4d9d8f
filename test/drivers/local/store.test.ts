// What the local store adds to the conformance suite: where the file lives, URL options,
// persistence across connections, the store facts in inspect, and leases kept alive by heartbeat.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {createDriver} from '../../../src/drivers/index.js'
import {defaultStorePath, resolveStorePath} from '../../../src/drivers/local/paths.js'
import type {Delivery, Driver} from '../../../src/drivers/types.js'
import {ExitCode, StorePathError, UsageError} from '../../../src/errors.js'
import {waitFor} from '../../helpers/brokers.js'

const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-local-store-'))
afterAll(() => rmSync(folder, {recursive: true, force: true}))

const context = {clientName: 'mqkit test'}
let stores = 0
const freshUrl = (options = '') => `file:${path.join(folder, `s${stores++}.db`)}${options}`

async function connected(url: string): Promise<Driver> {
  const driver = await createDriver(url, context)
  await driver.connect()
  return driver
}

describe('local store paths', () => {
  it('defaults to $MQKIT_STORE, else $XDG_DATA_HOME/mqkit/queues.db, else ~/.local/share/mqkit/queues.db', () => {
    const home = os.homedir()
    expect(defaultStorePath({MQKIT_STORE: '/srv/q.db'})).toBe('/srv/q.db')
    expect(defaultStorePath({MQKIT_STORE: '~/q.db'})).toBe(path.join(home, 'q.db'))
    expect(defaultStorePath({XDG_DATA_HOME: '/data'})).toBe('/data/mqkit/queues.db')
    expect(defaultStorePath({})).toBe(path.join(home, '.local', 'share', 'mqkit', 'queues.db'))
    expect(resolveStorePath('~/x/q.db')).toBe(path.join(home, 'x', 'q.db'))
    expect(resolveStorePath('./q.db')).toBe(path.join(process.cwd(), 'q.db'))
  })

  it('creates missing parent folders', async () => {
    const storePath = path.join(folder, 'deep', 'er', 'q.db')
    const driver = await connected(`file:${storePath}`)
    expect((await driver.inspect([])).extras.path).toBe(storePath)
    await driver.close()
  })

  it('refuses unknown URL options and bad values, naming them', async () => {
    await expect(createDriver(freshUrl('?leese=5s'), context)).rejects.toThrow(/unknown option "\?leese"/)
    await expect(createDriver(freshUrl('?lease=soon'), context)).rejects.toThrow(UsageError)
    await expect(createDriver(freshUrl('?lease=10ms'), context)).rejects.toThrow(/\?lease=10ms/)
    await expect(createDriver(freshUrl('?sync=off'), context)).rejects.toThrow(/\?sync=off/)
  })

  it('a file that is not a store is a StorePathError (a usage error) naming it', async () => {
    const bogus = path.join(folder, 'not-a-db.db')
    writeFileSync(bogus, 'hello, this is not SQLite '.repeat(100))
    const driver = await createDriver(`file:${bogus}`, context)
    const error = await driver.connect().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StorePathError)
    expect(error).toMatchObject({exitCode: ExitCode.usage, storePath: bogus, reason: expect.stringContaining('not a SQLite database')})
  })
})

describe('local store behaviour', () => {
  it('messages and queue settings survive closing every connection', async () => {
    const url = freshUrl()
    const first = await connected(url)
    await first.declare({name: 'kept', maxPriority: 5, ttlMs: 60_000})
    for (const body of ['a', 'b', 'c']) await first.publish('kept', {body: Buffer.from(body), headers: {h: body}, priority: 1, messageId: `id-${body}`})
    await first.close()

    const second = await connected(url)
    const stats = (await second.inspect(['kept'])).queues[0]
    expect(stats).toMatchObject({ready: 3, inFlight: 0, consumers: 0, extras: {maxPriority: 5, ttlMs: 60_000}})
    await expect(second.declare({name: 'kept', maxPriority: 5, ttlMs: 60_000})).resolves.toEqual({created: false})
    const got: Delivery[] = []
    await second.consume('kept', {}, async (d) => {
      got.push(d)
      await d.ack()
    })
    await waitFor('3 deliveries', () => got.length === 3)
    expect(got.map((d) => [d.body.toString(), d.headers.h, d.priority, d.messageId, d.deliveryCount, d.redelivered])).toEqual([
      ['a', 'a', 1, 'id-a', 1, false],
      ['b', 'b', 1, 'id-b', 1, false],
      ['c', 'c', 1, 'id-c', 1, false],
    ])
    await second.close()
  })

  it('inspect reports the store file and its size (database + WAL)', async () => {
    const url = freshUrl()
    const driver = await connected(url)
    await driver.declare({name: 'q'})
    await driver.publish('q', {body: Buffer.alloc(10_000)})
    const result = await driver.inspect([])
    expect(result.source).toBe(`local store ${url.slice('file:'.length)}`)
    expect(result.extras).toMatchObject({path: url.slice('file:'.length), queues: 1, synchronous: 'normal', leaseMs: 30_000})
    const {sizeBytes, dbBytes, walBytes} = result.extras as Record<string, number>
    expect(sizeBytes).toBe(dbBytes + walBytes)
    expect(sizeBytes).toBeGreaterThan(10_000)
    await driver.close()
  })

  it('a slow handler keeps its lease by heartbeat: another connection does not get the message', async () => {
    const url = freshUrl('?lease=300ms')
    const slow = await connected(url)
    const other = await connected(url)
    await slow.declare({name: 'slow'})
    const held: Delivery[] = []
    await slow.consume('slow', {prefetch: 1}, (d) => void held.push(d))
    await slow.publish('slow', {body: Buffer.from('x')})
    await waitFor('the slow consumer holds it', () => held.length === 1)
    const stolen: Delivery[] = []
    await other.consume('slow', {}, (d) => void stolen.push(d))
    // Three lease periods: without heartbeats the lease would have lapsed and `other` got it.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect(stolen).toHaveLength(0)
    expect((await other.inspect(['slow'])).queues[0]).toMatchObject({ready: 0, inFlight: 1, consumers: 2})
    await held[0].ack()
    expect((await other.inspect(['slow'])).queues[0]).toMatchObject({ready: 0, inFlight: 0})
    await Promise.all([slow.close(), other.close()])
  })

  it('cancelling inside a handler hands back the rest of the claimed batch uncounted', async () => {
    const url = freshUrl()
    const driver = await connected(url)
    await driver.declare({name: 'cancel'})
    for (let i = 0; i < 10; i++) await driver.publish('cancel', {body: Buffer.from(String(i))})
    const first: Delivery[] = []
    const subscription = await driver.consume('cancel', {prefetch: 10}, (d) => {
      first.push(d)
      void subscription.cancel()
    })
    await waitFor('one delivery', () => first.length === 1)
    await subscription.ended
    await waitFor('9 back', async () => (await driver.inspect(['cancel'])).queues[0].ready === 9)
    const rest: Delivery[] = []
    const second = await connected(url)
    await second.consume('cancel', {}, async (d) => {
      rest.push(d)
      await d.ack()
    })
    await waitFor('9 delivered', () => rest.length === 9)
    expect(rest.map((d) => [d.body.toString(), d.deliveryCount])).toEqual(Array.from({length: 9}, (_, i) => [String(i + 1), 1]))
    await Promise.all([driver.close(), second.close()])
  })
})
