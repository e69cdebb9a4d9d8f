// The broker stops and comes back while `mqkit consume --group` runs (on a private broker; the
// shared one is never touched). No message that was written out may be lost, or left uncommitted
// without saying so: the first run either carries on after the restart or exits 3 with one line
// that counts the written messages it could not commit; a second run of the same group reads the
// rest. The union holds every message, and duplicates are at most what the first run reported.
//
// To have messages written while the broker is down, the test stops reading the first run's
// stdout: its pipe fills and the process blocks in a write (stdout to a pipe is synchronous on
// Linux) with deliveries still buffered; it is let go once the broker is down.
import {spawn} from 'node:child_process'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Driver} from '../../../src/drivers/types.js'
import {kafkaAvailable, uniqueName, waitFor} from '../../helpers/brokers.js'
import {BIN, ROOT} from '../../helpers/cli.js'
import {kafkaDriver} from './helpers.js'
import {privateKafka, type PrivateKafka} from './private-broker.js'

const available = await kafkaAvailable() // the shared broker's jars are what the private one runs on
const MESSAGES = 1500
const BODY_PADDING = 'x'.repeat(400)

interface Running {
  lines: () => string[]
  stderr: () => string
  pauseOutput: () => void
  resumeOutput: () => void
  kill: () => void
  exited: Promise<{code: number | null; stderr: string}>
}

function startCli(args: string[], timeoutMs: number): Running {
  const child = spawn(process.execPath, [BIN, ...args], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', MQKIT_URL: ''}})
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<{code: number | null; stderr: string}>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`mqkit ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr:\n${stderr}`))
    }, timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stderr})
    })
  })
  exited.catch(() => {}) // observed by whoever awaits it; never an unhandled rejection
  return {
    lines: () => stdout.split('\n').filter(Boolean),
    stderr: () => stderr,
    pauseOutput: () => child.stdout.pause(),
    resumeOutput: () => child.stdout.resume(),
    kill: () => child.kill('SIGKILL'),
    exited,
  }
}

/** The written messages the first run says it could not commit (0 when it says nothing). */
function reportedUncommitted(stderr: string): number {
  const match = /(\d+) written messages? could not be committed/.exec(stderr)
  return match ? Number(match[1]) : 0
}

describe.runIf(available)('kafka: broker stopped and restarted during consume (private broker)', () => {
  let broker: PrivateKafka
  let driver: Driver | undefined

  beforeAll(async () => {
    broker = await privateKafka()
    await broker.start()
  }, 180_000)
  afterAll(async () => {
    await driver?.close().catch(() => {})
    await broker?.destroy()
  }, 90_000)

  const scenario = async (name: string, connectTimeout: string, restartWhileRunning: boolean) => {
    const topic = uniqueName(`kafka-restart-${name}`)
    const group = uniqueName('g')
    driver = await kafkaDriver(broker.url)
    await driver.declare({name: topic, partitions: 3})
    const ids = Array.from({length: MESSAGES}, (_, i) => `m${i}`)
    await Promise.all(ids.map((id, i) => driver!.publish(topic, {body: Buffer.from(`${id} ${BODY_PADDING}`), key: `k${i % 50}`})))
    await driver.close()
    driver = undefined

    const first = startCli(['consume', topic, '--url', broker.url, '--group', group, '--from', 'beginning', '-e', '--connect-timeout', connectTimeout], 150_000)
    await waitFor('the first run to write 100 lines', () => first.lines().length >= 100, 60_000).catch((error: Error) => {
      first.kill()
      throw new Error(`${error.message}; its stderr so far:\n${first.stderr()}`)
    })
    first.pauseOutput() // the run blocks on a full pipe, deliveries still in hand
    await broker.stop()
    first.resumeOutput()
    if (restartWhileRunning) await broker.start()
    const firstExit = await first.exited
    const reported = reportedUncommitted(firstExit.stderr)
    if (!restartWhileRunning) await broker.start()

    const second = startCli(['consume', topic, '--url', broker.url, '--group', group, '--from', 'beginning', '-e', '--connect-timeout', '30s'], 90_000)
    const secondExit = await second.exited
    expect(secondExit.code, secondExit.stderr).toBe(0)

    const seen = new Map<string, number>()
    for (const line of [...first.lines(), ...second.lines()]) {
      const id = line.split(' ')[0]
      seen.set(id, (seen.get(id) ?? 0) + 1)
    }
    const missing = ids.filter((id) => !seen.has(id))
    const duplicates = [...seen.values()].reduce((sum, n) => sum + n - 1, 0)
    driver = await kafkaDriver(broker.url)
    const lag = (await driver.inspect([topic], {group})).queues[0].lag
    await driver.delete(topic)
    process.stderr.write(
      `[broker-restart ${name}] first run: exit ${firstExit.code}, ${first.lines().length} lines, reported uncommitted ${reported}; second run: ${second.lines().length} lines; duplicates ${duplicates}, missing ${missing.length}, lag ${lag}\n`,
    )
    return {firstExit, reported, missing, duplicates, lag, firstLines: first.lines().length, secondLines: second.lines().length}
  }

  it('broker down longer than --connect-timeout: exit 3, one line counting the uncommitted; the rerun completes', async () => {
    const r = await scenario('gives-up', '2s', false)
    expect(r.firstExit.code, `${r.firstExit.stderr}\n${broker.logTail()}`).toBe(3)
    const errorLines = r.firstExit.stderr.split('\n').filter((l) => l.startsWith('mqkit:'))
    expect(errorLines).toHaveLength(1)
    expect(errorLines[0]).toMatch(
      /^mqkit: connection lost while consuming ".*": cannot reach Kafka at 127\.0\.0\.1:\d+.*; \d+ written messages? could not be committed and may be delivered again$/,
    )
    expect(r.reported).toBeGreaterThan(0) // lines were written after the broker went away
    expect(r.missing).toEqual([])
    expect(r.duplicates).toBeLessThanOrEqual(r.reported)
    expect(r.lag).toBe(0)
  }, 240_000)

  it('broker restarted within --connect-timeout: the run carries on to the end; nothing lost, no unreported duplicate', async () => {
    const r = await scenario('rides-out', '90s', true)
    expect(r.firstExit.code, `${r.firstExit.stderr}\n${broker.logTail()}`).toBe(0)
    expect(r.firstExit.stderr).toMatch(/\(end of log reached\)/)
    expect(r.missing).toEqual([])
    expect(r.duplicates).toBeLessThanOrEqual(r.reported)
    expect(r.lag).toBe(0)
  }, 240_000)
})
