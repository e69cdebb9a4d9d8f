// `publish --recover` and `consume --recover` through a real broker restart (issue 15), on a
// private RabbitMQ node (private-broker.ts; the shared one is never touched). Ground truth: after
// the run every message is in the queue (publish) or was written (consume) at least once, and
// every duplicate is accounted: publish re-sent at least as many as arrived twice; consume wrote
// no more copies than the acknowledgements it reports lost plus what was in flight (--prefetch).
// Without --recover the same restart still ends with exit 3 (broker-restart.test.ts).
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Driver} from '../../../src/drivers/types.js'
import {waitFor} from '../../helpers/brokers.js'
import {exitCodeWithin, runCli, startCli, type RunningCli} from '../../helpers/cli.js'
import {connectedDriver} from './helpers.js'
import {privateBrokerPossible, startPrivateBroker, type PrivateBroker} from './private-broker.js'

const possible = privateBrokerPossible()
/** The outage the tests make: stop_app, this long, start_app (as bench's recover tests do). */
const DOWN_MS = 2000
const PREFETCH = 5

const idOf = (prefix: string, i: number) => `${prefix}${String(i).padStart(5, '0')}`
const ID_LENGTH = 6
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Every message's id (the body's first characters) in the queue, taken out (acked). */
async function drainIds(url: string, queue: string): Promise<string[]> {
  const driver = await connectedDriver(`${url}?mgmt=off`)
  try {
    const ready = (await driver.inspect([queue])).queues[0].ready
    const ids: string[] = []
    const sub = await driver.consume(queue, {prefetch: 500}, async (d) => {
      ids.push(d.body.toString('utf8', 0, ID_LENGTH))
      await d.ack()
    })
    await waitFor(`${ready} messages from ${queue}`, () => ids.length >= ready, 60_000)
    await sub.cancel()
    return ids
  } finally {
    await driver.close()
  }
}

/** Write `lines` to the child's stdin, `perTick` every `tickMs`, honouring back-pressure; resolves once all are written (stdin stays open). */
async function feed(running: RunningCli, lines: string[], perTick: number, tickMs: number): Promise<void> {
  for (let i = 0; i < lines.length; i += perTick) {
    const ok = running.child.stdin.write(lines.slice(i, i + perTick).join(''))
    if (!ok) await new Promise((resolve) => running.child.stdin.once('drain', resolve))
    if (tickMs > 0) await sleep(tickMs)
  }
}

/** The CLI with its stdout read slowly (~200 lines/s of 1 KB): a slow reader downstream, so the broker can be stopped mid-way. */
function consumeSlowly(args: string[]): RunningCli {
  const running = startCli(args)
  running.child.stdout.on('data', (chunk: Buffer) => {
    running.child.stdout.pause()
    setTimeout(() => running.child.stdout.resume(), Math.ceil(chunk.length / 200))
  })
  return running
}

function count(pattern: RegExp, text: string): number {
  const match = pattern.exec(text)
  expect(match, `${pattern} in:\n${text}`).not.toBeNull()
  return Number(match![1].replaceAll(',', ''))
}

describe.skipIf(!possible)('publish and consume --recover through a RabbitMQ restart', () => {
  let broker: PrivateBroker
  beforeAll(async () => {
    broker = await startPrivateBroker('recover-cmd')
  }, 180_000)
  afterAll(async () => {
    await broker?.stop()
  }, 60_000)

  /** stop_app while `running` works, DOWN_MS, start_app; the node is back up afterwards whatever happens. */
  async function restartBroker(): Promise<{stoppedAt: number; startedAt: number}> {
    try {
      await broker.stopApp()
      const stoppedAt = performance.now()
      await sleep(DOWN_MS)
      return {stoppedAt, startedAt: performance.now()}
    } finally {
      await broker.startApp()
    }
  }

  it('publish --recover: 20,000 lines through a restart; exit 0, every line in the queue, re-sent >= duplicates', async () => {
    const queue = 'recover-publish'
    const declared = await runCli(['declare', queue, '--durable', '--url', broker.url])
    expect(declared.code, declared.stderr).toBe(0)
    const TOTAL = 20_000
    const lines = Array.from({length: TOTAL}, (_, i) => `${idOf('p', i).padEnd(200, '.')}\n`)
    const running = startCli(['publish', queue, '--file', '-', '--persistent', '--recover', '--url', broker.url])
    try {
      // A steady flow before and during the stop (2,000 lines/s), so publishes are on the wire when the broker goes.
      await feed(running, lines.slice(0, 4000), 100, 50)
      const feeding = feed(running, lines.slice(4000, 10_000), 100, 50)
      await restartBroker()
      await feeding
      await feed(running, lines.slice(10_000), 500, 0)
      running.child.stdin.end()
      const code = await exitCodeWithin(running, 90_000)
      const stderr = running.stderr()
      expect(code, stderr).toBe(0)
      expect(stderr).toMatch(/^mqkit: \d+\.\ds {2}producer 1: connection lost \(.*\); reconnecting$/m)
      expect(stderr).toMatch(/^mqkit: \d+\.\ds {2}producer 1: reconnected after \d+ attempts?$/m)
      expect(running.stdout(), 'diagnostics never on stdout').toBe('')
      const confirmed = count(/published to recover-publish: ([\d,]+) confirmed/, stderr)
      const resent = count(/, ([\d,]+) re-sent/, stderr)
      expect(confirmed).toBe(TOTAL)
      const ids = await drainIds(broker.url, queue)
      const unique = new Set(ids)
      const missing = Array.from({length: TOTAL}, (_, i) => idOf('p', i)).filter((id) => !unique.has(id))
      expect(missing, 'lines never in the queue').toEqual([])
      const duplicates = ids.length - unique.size
      expect(resent).toBeGreaterThanOrEqual(duplicates)
      process.stderr.write(
        `[recover publish] ${TOTAL} lines: ${resent} re-sent, ${duplicates} duplicates in the queue; ${stderr.trim().split('\n').join(' | ')}\n`,
      )
    } finally {
      running.child.kill('SIGKILL')
    }
  }, 180_000)

  it('publish --recover: an outage longer than --recover-timeout ends with exit 3 after the summary of what was confirmed', async () => {
    const queue = 'recover-publish-giveup'
    const declared = await runCli(['declare', queue, '--durable', '--url', broker.url])
    expect(declared.code, declared.stderr).toBe(0)
    const running = startCli(['publish', queue, '--file', '-', '--recover', '--recover-timeout', '1s', '--url', broker.url, '--json'])
    try {
      await feed(
        running,
        Array.from({length: 500}, (_, i) => `${idOf('g', i)}\n`),
        100,
        20,
      )
      await waitFor('the first 500 in the queue', async () => (await readyIn(broker, queue)) >= 500, 20_000)
      await broker.stopApp()
      running.child.stdin.write(`${idOf('g', 500)}\n`) // a publish to notice the loss
      const code = await exitCodeWithin(running, 30_000)
      const stderr = running.stderr()
      expect(code, stderr).toBe(3)
      expect(stderr).toMatch(/^published to recover-publish-giveup: 500 confirmed, \d+ re-sent/m)
      expect(stderr).toMatch(/^mqkit: producer 1: gave up reconnecting after \d+\.\d s and \d+ attempts?/m)
      const document = JSON.parse(running.stdout()) as {confirmed: number; resent: number; error: {code: string; exitCode: number}}
      expect(document).toMatchObject({confirmed: 500, error: {code: 'CONNECTION', exitCode: 3}})
      expect(document.resent).toBeGreaterThanOrEqual(0)
      process.stderr.write(`[recover publish give-up] exit ${code}; ${stderr.trim().split('\n').join(' | ')}\n`)
    } finally {
      running.child.kill('SIGKILL')
      await broker.startApp()
    }
  }, 120_000)

  it('consume --recover: an outage longer than --recover-timeout ends with exit 3 after the summary, one error line', async () => {
    const queue = 'recover-consume-giveup'
    const admin = await connectedDriver(`${broker.url}?mgmt=off`)
    try {
      await admin.declare({name: queue, durable: true})
      for (let i = 0; i < 3; i++) await admin.publish(queue, {body: Buffer.from(idOf('k', i)), persistent: true})
    } finally {
      await admin.close()
    }
    const running = startCli(['consume', queue, '--url', broker.url, '--recover', '--recover-timeout', '1s'])
    try {
      await waitFor('3 lines written', () => running.stdout().split('\n').length > 3, 30_000)
      await broker.stopApp()
      const code = await exitCodeWithin(running, 30_000)
      const stderr = running.stderr()
      expect(code, stderr).toBe(3)
      expect(stderr).toMatch(/^consumed from recover-consume-giveup: 3 messages, 0 written but not acknowledged, .*\(connection lost\)$/m)
      const errors = stderr.split('\n').filter((line) => line.startsWith('mqkit:') && !/connection lost \(.*\); reconnecting$/.test(line))
      expect(errors, stderr).toHaveLength(1)
      expect(errors[0]).toMatch(
        /^mqkit: connection lost while consuming "recover-consume-giveup": consumer 1: gave up reconnecting after \d+\.\d s and \d+ attempts?/,
      )
      process.stderr.write(`[recover consume give-up] exit ${code}; ${stderr.trim().split('\n').join(' | ')}\n`)
    } finally {
      running.child.kill('SIGKILL')
      await broker.startApp()
    }
  }, 120_000)

  it('consume --recover: 5,000 persistent messages read slowly through a restart; exit 0, every one written, duplicates <= redelivery expected + prefetch', async () => {
    const queue = 'recover-consume'
    const TOTAL = 5000
    let admin: Driver | undefined = await connectedDriver(`${broker.url}?mgmt=off`)
    try {
      await admin.declare({name: queue, durable: true})
      const bodies = Array.from({length: TOTAL}, (_, i) => Buffer.from(idOf('c', i).padEnd(1000, '.')))
      for (let i = 0; i < bodies.length; i += 200) await Promise.all(bodies.slice(i, i + 200).map((body) => admin!.publish(queue, {body, persistent: true})))
    } finally {
      await admin.close()
      admin = undefined
    }
    const running = consumeSlowly(['consume', queue, '--url', broker.url, '--recover', '--prefetch', String(PREFETCH), '--idle-timeout', '3s'])
    try {
      await waitFor('300 lines written', () => running.stdout().split('\n').length > 300, 30_000)
      await restartBroker()
      const code = await exitCodeWithin(running, 90_000)
      const stderr = running.stderr()
      expect(code, stderr).toBe(0)
      expect(stderr).toMatch(/^mqkit: \d+\.\ds {2}consumer 1: connection lost \(.*\); reconnecting$/m)
      expect(stderr).toMatch(/^mqkit: \d+\.\ds {2}consumer 1: reconnected after \d+ attempts?$/m)
      const written = running
        .stdout()
        .split('\n')
        .filter(Boolean)
        .map((line) => line.slice(0, ID_LENGTH))
      const unique = new Set(written)
      const missing = Array.from({length: TOTAL}, (_, i) => idOf('c', i)).filter((id) => !unique.has(id))
      expect(missing, 'messages never written').toEqual([])
      const counted = count(/^consumed from recover-consume: ([\d,]+) messages?/m, stderr)
      const redeliveryExpected = count(/, ([\d,]+) written but not acknowledged/, stderr)
      expect(stderr).toMatch(/\(idle timeout\)$/m)
      // Every line written is counted (acknowledged) or reported as not acknowledged.
      expect(counted + redeliveryExpected).toBe(written.length)
      const duplicates = written.length - unique.size
      expect(duplicates).toBeLessThanOrEqual(redeliveryExpected + PREFETCH)
      // Nothing left: every message was acknowledged on a live connection in the end.
      expect(await readyIn(broker, queue)).toBe(0)
      process.stderr.write(
        `[recover consume] ${TOTAL} messages: ${written.length} lines, ${duplicates} duplicates, ${redeliveryExpected} redelivery expected; ${stderr.trim().split('\n').join(' | ')}\n`,
      )
    } finally {
      running.child.kill('SIGKILL')
    }
  }, 180_000)
})

/** Ready messages (a passive declare: no management API on a private node). */
async function readyIn(broker: PrivateBroker, queue: string): Promise<number> {
  const driver = await connectedDriver(`${broker.url}?mgmt=off`)
  try {
    return (await driver.inspect([queue])).queues[0].ready
  } finally {
    await driver.close()
  }
}
