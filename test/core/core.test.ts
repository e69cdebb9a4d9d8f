// The command core without a CLI: message sources (bytes unchanged), the publish window, and the
// consume loop's write-then-ack and exact --count, on the real memory:// driver or a thin wrapper.
import {describe, expect, it} from 'vitest'
import {consumeMessages} from '../../src/core/consume.js'
import {publishAll} from '../../src/core/publish.js'
import {chooseSource, primeInputs, readInputs, splitLines} from '../../src/core/sources.js'
import {createDriver} from '../../src/drivers/index.js'
import type {Delivery, Driver, OutgoingMessage} from '../../src/drivers/types.js'
import {DeliveryError, InterruptedError, UsageError} from '../../src/errors.js'
import {uniqueName} from '../helpers/brokers.js'

async function* chunks(...parts: Array<string | Buffer>) {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part) : part
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

async function memory(): Promise<Driver> {
  const driver = await createDriver(`memory://${uniqueName('core')}`, {clientName: 'test'})
  await driver.connect()
  return driver
}

describe('sources', () => {
  it('split on \\n only, across chunk boundaries; \\r, empty lines and invalid UTF-8 kept', async () => {
    const lines = await collect(splitLines(chunks('a\r\n', '\nb', 'c\n', Buffer.from([0xff, 0x0a, 0xfe]))))
    expect(lines.map((l) => [...l])).toEqual([[0x61, 0x0d], [], [0x62, 0x63], [0xff], [0xfe]])
  })

  it('a trailing newline does not make an extra empty message', async () => {
    expect(await collect(splitLines(chunks('x\n')))).toHaveLength(1)
  })

  it('key delimiter splits at the first occurrence; lines without it have no key', async () => {
    const inputs = await collect(readInputs({kind: 'stdin', mode: 'lines'}, {keyDelimiter: '::', stdin: chunks('k1::v::1\nplain\n')}))
    expect(inputs.map((i) => [i.key, i.body.toString()])).toEqual([
      ['k1', 'v::1'],
      [undefined, 'plain'],
    ])
  })

  it('lines taken by nextBuffered() and next() in turn: every line once, in order, the first --count only, the source closed', async () => {
    let closed = false
    async function* source() {
      try {
        yield* chunks('a\nb\nc', '\nd\ne\n', 'f\ng\n', 'never read\n')
      } finally {
        closed = true
      }
    }
    const inputs = await primeInputs(readInputs({kind: 'stdin', mode: 'lines', count: 6}, {stdin: source()}), 'empty')
    const seen: string[] = []
    const via: string[] = []
    for (;;) {
      const buffered = inputs.nextBuffered?.()
      if (buffered !== undefined) {
        seen.push(buffered.body.toString())
        via.push('buffered')
        continue
      }
      const next = await inputs.next()
      if (next.done) break
      seen.push(next.value.body.toString())
      via.push('next')
    }
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
    // Within a chunk, lines after the first come without an async step.
    expect(via.filter((v) => v === 'buffered').length).toBeGreaterThanOrEqual(3)
    expect(closed).toBe(true)
  })

  it('--count repeats arguments in turn; generated payloads have the exact size', async () => {
    const repeated = await collect(readInputs(chooseSource({messages: ['a', 'b'], count: 5, stdinIsTTY: true})))
    expect(repeated.map((i) => i.body.toString())).toEqual(['a', 'b', 'a', 'b', 'a'])
    const generated = await collect(readInputs(chooseSource({messages: [], count: 3, sizeBytes: 10, stdinIsTTY: false})))
    expect(generated.map((i) => i.body.toString())).toEqual(['1.........', '2.........', '3.........'])
  })

  it('Ctrl-C while the first line is awaited (stdin silent) ends the wait with InterruptedError (exit 130)', async () => {
    const silent = (async function* () {
      await new Promise(() => {}) // a pipe that never sends a line
      yield {body: Buffer.from('never')}
    })()
    const abort = new AbortController()
    const priming = primeInputs(silent, 'stdin was empty', abort.signal)
    abort.abort(new InterruptedError('interrupted by SIGINT'))
    await expect(priming).rejects.toThrow(InterruptedError)
    await expect(priming).rejects.toMatchObject({exitCode: 130})
  })

  it('a terminal stdin with no other source is a usage error, never a wait', () => {
    expect(() => chooseSource({messages: [], stdinIsTTY: true})).toThrow(UsageError)
    expect(() => chooseSource({messages: ['a'], file: 'f', stdinIsTTY: false})).toThrow(/not both/)
  })
})

describe('publish window', () => {
  it('never has more than the window outstanding, sends in order, counts refusals', async () => {
    let outstanding = 0
    let maxOutstanding = 0
    const sent: string[] = []
    const driver = {
      publish(_queue: string, message: OutgoingMessage) {
        outstanding++
        maxOutstanding = Math.max(maxOutstanding, outstanding)
        sent.push(message.body.toString())
        return new Promise<void>((resolve, reject) =>
          setTimeout(() => {
            outstanding--
            const n = Number(message.body.toString())
            if (n % 10 === 0) reject(new DeliveryError('nack', {reason: 'nacked'}))
            else if (n % 10 === 5) reject(new DeliveryError('return', {reason: 'unroutable'}))
            else resolve()
          }, Math.random() * 3),
        )
      },
    } as unknown as Driver
    const inputs = readInputs({kind: 'generated', count: 100, sizeBytes: 3})
    const numbered = (async function* () {
      let i = 0
      for await (const _ of inputs) yield {body: Buffer.from(String(++i))}
    })()
    const {result, interrupted} = await publishAll({driver, queue: 'q', inputs: numbered, template: {}, confirmWindow: 7})
    expect(interrupted).toBe(false)
    expect(maxOutstanding).toBe(7)
    expect(sent).toEqual(Array.from({length: 100}, (_, i) => String(i + 1)))
    expect(result).toMatchObject({confirmed: 80, failed: {nacked: 10, unroutable: 10, rejected: 0}})
  })

  it('a non-delivery error stops sending and is rethrown', async () => {
    const driver = await memory()
    const inputs = readInputs({kind: 'args', messages: ['a']})
    await expect(publishAll({driver, queue: 'missing', inputs, template: {}})).rejects.toMatchObject({exitCode: 5})
    await driver.close()
  })
})

describe('consume loop', () => {
  async function filled(count: number) {
    const driver = await memory()
    const queue = uniqueName('q')
    await driver.declare({name: queue})
    for (let i = 1; i <= count; i++) await driver.publish(queue, {body: Buffer.from(`m${i}`)})
    return {driver, queue}
  }

  it('--count acks exactly N after writing them, returns the extras', async () => {
    const {driver, queue} = await filled(20)
    const log: string[] = []
    // Only consume is used by the loop; record each ack next to the writes.
    const wrapped = {
      consume: (q: string, o: object, handler: (d: Delivery) => void) =>
        driver.consume(q, o, (d) => {
          const ack = async () => {
            log.push(`ack ${d.body}`)
            await d.ack()
          }
          handler({...d, ack, nack: (requeue: boolean) => d.nack(requeue)})
        }),
    } as unknown as Driver
    const result = await consumeMessages({
      driver: wrapped,
      queue,
      count: 5,
      prefetch: 10,
      mode: 'ack',
      write: async (d) => void log.push(`write ${d.body}`),
    })
    expect(result).toMatchObject({count: 5, ended: 'count'})
    expect(result.returned).toBeGreaterThan(0)
    expect(log).toEqual(['m1', 'm2', 'm3', 'm4', 'm5'].flatMap((m) => [`write ${m}`, `ack ${m}`]))
    const [stats] = (await driver.inspect([queue])).queues
    expect(stats.ready + stats.inFlight).toBe(15)
    await driver.close()
  })

  it('the next line does not wait for the previous ack to be confirmed (Kafka: its commit), but the loop ends only once every ack is', async () => {
    const {driver, queue} = await filled(3)
    const log: string[] = []
    const confirms: Array<() => void> = []
    // Acks are confirmed only when the test says so, as a Kafka commit lands a round trip later.
    const wrapped = {
      consume: (q: string, o: object, handler: (d: Delivery) => void) =>
        driver.consume(q, o, (d) => {
          const ack = () => {
            log.push(`ack ${d.body}`)
            return new Promise<void>((resolve) => confirms.push(() => void d.ack().then(resolve)))
          }
          handler({...d, ack, nack: (requeue: boolean) => d.nack(requeue)})
        }),
    } as unknown as Driver
    let finished = false
    const run = consumeMessages({driver: wrapped, queue, count: 3, mode: 'ack', write: async (d) => void log.push(`write ${d.body}`)}).then((result) => {
      finished = true
      return result
    })
    while (log.length < 6) await new Promise((resolve) => setImmediate(resolve))
    expect(log).toEqual(['write m1', 'ack m1', 'write m2', 'ack m2', 'write m3', 'ack m3'])
    expect(confirms).toHaveLength(3) // none confirmed yet, all three written
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(finished).toBe(false) // --count reached, but the acks are not confirmed
    for (const confirm of confirms) confirm()
    expect(await run).toMatchObject({count: 3, ended: 'count'})
    const [stats] = (await driver.inspect([queue])).queues
    expect(stats.ready + stats.inFlight).toBe(0)
    await driver.close()
  })

  it('an ack that fails ends the loop with that error', async () => {
    const {driver, queue} = await filled(5)
    const wrapped = {
      consume: (q: string, o: object, handler: (d: Delivery) => void) =>
        driver.consume(q, o, (d) => handler({...d, ack: () => Promise.reject(new Error('commit refused')), nack: (requeue: boolean) => d.nack(requeue)})),
    } as unknown as Driver
    await expect(consumeMessages({driver: wrapped, queue, mode: 'ack', write: async () => {}})).rejects.toThrow('commit refused')
    await driver.close()
  })

  it('--requeue (peek) returns every written message at the end', async () => {
    const {driver, queue} = await filled(4)
    const written: string[] = []
    const result = await consumeMessages({driver, queue, count: 3, mode: 'requeue', write: async (d) => void written.push(String(d.body))})
    expect(written).toEqual(['m1', 'm2', 'm3'])
    expect(result.count).toBe(3)
    const [stats] = (await driver.inspect([queue])).queues
    expect(stats.ready).toBe(4)
    await driver.close()
  })

  it('a peek for more than the queue holds ends once the queue has no more ready (ended "empty"), all returned', {timeout: 10_000}, async () => {
    const {driver, queue} = await filled(2)
    const written: string[] = []
    const result = await consumeMessages({driver, queue, count: 5, mode: 'requeue', peekQuietMs: 20, write: async (d) => void written.push(String(d.body))})
    expect(written).toEqual(['m1', 'm2'])
    expect(result).toMatchObject({count: 2, returned: 2, ended: 'empty'})
    const [stats] = (await driver.inspect([queue])).queues
    expect(stats.ready).toBe(2)
    await driver.close()
  })

  it('a peek that holds a full prefetch ends (nothing more can come), ended "prefetch-full"', {timeout: 10_000}, async () => {
    const {driver, queue} = await filled(5)
    const result = await consumeMessages({driver, queue, prefetch: 2, mode: 'requeue', peekQuietMs: 20, write: async () => {}})
    expect(result).toMatchObject({count: 2, ended: 'prefetch-full'})
    const [stats] = (await driver.inspect([queue])).queues
    expect(stats.ready).toBe(5)
    await driver.close()
  })

  it('an interrupt while a write is blocked returns that message instead of acking it', async () => {
    const {driver, queue} = await filled(3)
    const abort = new AbortController()
    const written: string[] = []
    const result = await consumeMessages({
      driver,
      queue,
      mode: 'ack',
      signal: abort.signal,
      interruptGraceMs: 20,
      write: (d) => {
        if (written.length === 1) {
          abort.abort()
          return new Promise(() => {}) // stdout never takes the second line
        }
        written.push(String(d.body))
        return Promise.resolve()
      },
    })
    expect(result).toMatchObject({count: 1, ended: 'interrupted'})
    const [stats] = (await driver.inspect([queue])).queues
    expect(stats.ready).toBe(2)
    await driver.close()
  })

  it('idle timeout ends the loop with what arrived', async () => {
    const {driver, queue} = await filled(2)
    const result = await consumeMessages({driver, queue, idleTimeoutMs: 50, mode: 'ack', write: async () => {}})
    expect(result).toMatchObject({count: 2, ended: 'idle'})
    await driver.close()
  })
})
