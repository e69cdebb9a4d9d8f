// Socket write batching (src/drivers/amqp/write-batching.ts): a synchronous burst of writes
// leaves as one writev before any other callback runs, and amqplib's connection still exposes
// the socket where batchConnectionWrites looks for it (if not, batching would be silently off).
import {Writable} from 'node:stream'
import amqp from 'amqplib'
import {describe, expect, it} from 'vitest'
import {batchConnectionWrites, batchWrites} from '../../../src/drivers/amqp/write-batching.js'
import {AMQP_URL, amqpAvailable, uniqueName} from '../../helpers/brokers.js'

/** A Writable that records each underlying write (a batch is one entry with several chunks). */
function recorder() {
  const writes: string[][] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writes.push([chunk.toString()])
      callback()
    },
    writev(chunks, callback) {
      writes.push(chunks.map(({chunk}) => (chunk as Buffer).toString()))
      callback()
    },
  })
  return {stream, writes}
}

/** Count of underlying writes (write or writev) a socket performs from now on. */
function countSocketWrites(socket: {_write: (...args: never[]) => unknown; _writev?: (...args: never[]) => unknown}) {
  const counter = {writes: 0}
  const write = socket._write
  const writev = socket._writev
  socket._write = function (this: unknown, ...args: never[]) {
    counter.writes++
    return write.apply(this, args)
  }
  if (writev) {
    socket._writev = function (this: unknown, ...args: never[]) {
      counter.writes++
      return writev.apply(this, args)
    }
  }
  return counter
}

describe('batchWrites', () => {
  it('sends a synchronous burst as one write, before the next macrotask', async () => {
    const {stream, writes} = recorder()
    expect(batchWrites(stream)).toBe(true)
    for (const text of ['a', 'b', 'c', 'd']) stream.write(text)
    expect(writes).toEqual([]) // still corked while the burst's code runs
    const seenByNextMacrotask = await new Promise<string[][]>((resolve) => setImmediate(() => resolve(writes.map((w) => [...w]))))
    expect(seenByNextMacrotask).toEqual([['a', 'b', 'c', 'd']])
  })

  it('keeps separate bursts separate and never leaves the stream corked', async () => {
    const {stream, writes} = recorder()
    batchWrites(stream)
    stream.write('1')
    stream.write('2')
    await new Promise((resolve) => setImmediate(resolve))
    stream.write('3')
    await new Promise((resolve) => setImmediate(resolve))
    expect(writes).toEqual([['1', '2'], ['3']])
    expect(stream.writableCorked).toBe(0)
  })

  it('flushes on end() inside a burst, and the later uncork does no harm', async () => {
    const {stream, writes} = recorder()
    batchWrites(stream)
    stream.write('x')
    const finished = new Promise((resolve) => stream.on('finish', resolve))
    stream.end('y')
    await finished
    await new Promise((resolve) => setImmediate(resolve))
    expect(writes.flat()).toEqual(['x', 'y'])
    expect(stream.writableCorked).toBe(0)
  })

  it('leaves anything that is not a corkable stream alone', () => {
    const write = () => true
    const notCorkable = {write}
    expect(batchWrites(notCorkable)).toBe(false)
    expect(notCorkable.write).toBe(write)
    expect(batchWrites(undefined)).toBe(false)
    expect(batchConnectionWrites({connection: {}} as never)).toBe(false)
  })
})

const available = await amqpAvailable()

describe.skipIf(!available)('batchConnectionWrites on amqplib', () => {
  it('finds the socket of the pinned amqplib and publishes in far fewer socket writes than frames, all confirmed', async () => {
    const model = await amqp.connect(AMQP_URL, {noDelay: true})
    try {
      expect(batchConnectionWrites(model)).toBe(true)
      const socket = (model.connection as unknown as {stream: Parameters<typeof countSocketWrites>[0]}).stream
      const channel = await model.createConfirmChannel()
      const queue = uniqueName('mqkit-test-write-batching')
      await channel.assertQueue(queue, {autoDelete: false, durable: false})
      try {
        const count = 500
        const counter = countSocketWrites(socket)
        const body = Buffer.alloc(1024, 'x')
        const confirms: Promise<void>[] = []
        for (let i = 0; i < count; i++) {
          confirms.push(new Promise((resolve, reject) => channel.sendToQueue(queue, body, {}, (error) => (error ? reject(error) : resolve()))))
        }
        await Promise.all(confirms)
        // Unbatched, amqplib makes one socket write per publish (500); batched, each burst goes
        // out in one writev, at most ~16 KiB (the socket's high-water mark) at a time.
        expect(counter.writes).toBeGreaterThan(0)
        expect(counter.writes).toBeLessThan(count / 4)
        expect((await channel.checkQueue(queue)).messageCount).toBe(count)
      } finally {
        await channel.deleteQueue(queue)
      }
    } finally {
      await model.close()
    }
  })
})
