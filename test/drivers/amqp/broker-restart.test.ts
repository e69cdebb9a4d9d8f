// The broker goes away under `consume` and `bench` (issue 3): the command must stop with one
// clear line and exit 3 within a bound, never hang, and never acknowledge a message it did not
// write. Runs against a private RabbitMQ node (private-broker.ts), never the shared one.
//
// "Nothing lost" is checked as: every published message was written or is still in the queue
// after the restart. Written AND still queued (a duplicate) is allowed — at-least-once: an ack
// in flight when the broker went is lost with it, and RabbitMQ may forget acks on shutdown.
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process'
import amqp from 'amqplib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Driver} from '../../../src/drivers/types.js'
import {waitFor} from '../../helpers/brokers.js'
import {BIN, ROOT} from '../../helpers/cli.js'
import {connectedDriver} from './helpers.js'
import {privateBrokerPossible, startPrivateBroker, type PrivateBroker} from './private-broker.js'

const possible = privateBrokerPossible()
/**
 * README: the command exits 3 "usually within a second or two" of the broker going away. Measured
 * from the moment an independent plain amqplib connection to the same node is closed by it, plus
 * 1 s for a loaded 2-core machine (a busy event loop, the child's exit and the pipes closing).
 */
const EXIT_AFTER_LOSS_MS = 2000 + 1000
/**
 * A frozen broker closes nothing: the client's heartbeat notices it. amqplib checks for received
 * data once per heartbeat interval and gives up after two empty checks: at most three intervals
 * after the freeze; then the same exit bound.
 */
const HEARTBEAT_S = 1
const EXIT_AFTER_FREEZE_MS = 3 * HEARTBEAT_S * 1000 + EXIT_AFTER_LOSS_MS
/** How long a test waits before calling a command hung (it then fails on the bounds above). */
const HUNG_MS = 15_000
/**
 * Enough that the slow reader (~200 lines/s) is still busy when a graceful stop lands: stop_app has
 * taken 1-7 s here, and once longer than the ~9 s that 2000 left (every line written, no stop mid-run).
 */
const PUBLISHED = 6000

const idOf = (i: number) => `m${String(i).padStart(4, '0')}`

interface Running {
  child: ChildProcessWithoutNullStreams
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

/**
 * Run the CLI, reading its stdout slowly (~200 KB/s, ~200 lines/s of 1 KB): a slow reader
 * downstream, so the broker can be stopped mid-way. The child is held up for a few ms at a time,
 * so it stays responsive to what the broker sends. (Flowing mode with pause/resume: data still
 * buffered in a paused-mode reader is dropped when the child's pipe closes.)
 */
function runSlowly(args: string[]): Running {
  const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1'}
  delete env.MQKIT_URL
  const child = spawn(process.execPath, [BIN, ...args], {cwd: ROOT, env})
  let out = ''
  let err = ''
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')))
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8')
    child.stdout.pause()
    setTimeout(() => child.stdout.resume(), Math.ceil(chunk.length / 200))
  })
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {child, stdout: () => out, stderr: () => err, exited}
}

/** Resolves with the exit code and when it came, or fails the test if the command is still running after `boundMs`. */
async function exitWithin(running: Running, boundMs: number): Promise<{code: number | null; exitedAt: number}> {
  let timer: NodeJS.Timeout | undefined
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), boundMs)))
  const outcome = await Promise.race([running.exited, hung])
  const exitedAt = performance.now()
  clearTimeout(timer)
  if (outcome === 'hung') {
    running.child.kill('SIGKILL')
    throw new Error(`still running ${boundMs} ms after the broker went away\nstderr: ${running.stderr()}`)
  }
  return {code: outcome, exitedAt}
}

/**
 * The independent observer of "the broker went away": a plain amqplib connection to the node (no
 * heartbeat), which notes when the broker closes it or its socket dies.
 */
async function witness(url: string): Promise<{lostAt: () => number | undefined; close: () => Promise<void>}> {
  const connection = await amqp.connect(url)
  let lostAt: number | undefined
  const lost = () => (lostAt ??= performance.now())
  connection.on('close', lost)
  connection.on('error', lost)
  return {lostAt: () => lostAt, close: () => (lostAt === undefined ? connection.close() : Promise.resolve())}
}

/** The one error line: `mqkit: ...`, no stack trace. */
function expectOneClearLine(stderr: string): string {
  const errors = stderr.split('\n').filter((line) => line.startsWith('mqkit:'))
  expect(errors, stderr).toHaveLength(1)
  expect(stderr, 'no stack trace').not.toMatch(/^\s+at /m)
  return errors[0]
}

/** Every message body prefix (the id) in the queue, left in place (read unacked, then returned). */
async function idsInQueue(url: string, queue: string): Promise<string[]> {
  const driver = await connectedDriver(`${url}?mgmt=off`)
  try {
    const ready = (await driver.inspect([queue])).queues[0].ready
    const ids: string[] = []
    const sub = await driver.consume(queue, {prefetch: 0}, (d) => {
      ids.push(d.body.toString('utf8', 0, 5))
    })
    await waitFor(`${ready} messages from ${queue}`, () => ids.length >= ready)
    await sub.cancel()
    return ids
  } finally {
    await driver.close()
  }
}

describe.skipIf(!possible)('amqp: the broker restarts under consume and bench', () => {
  let broker: PrivateBroker
  let admin: Driver
  beforeAll(async () => {
    broker = await startPrivateBroker('restart')
  })
  afterAll(async () => {
    await admin?.close().catch(() => {})
    await broker?.stop()
  })

  async function fill(queue: string) {
    admin = await connectedDriver(`${broker.url}?mgmt=off`)
    await admin.declare({name: queue, durable: true})
    // 1 KB bodies: the id, then padding.
    const bodies = Array.from({length: PUBLISHED}, (_, i) => Buffer.from(idOf(i).padEnd(1000, '.')))
    for (let i = 0; i < bodies.length; i += 200) {
      await Promise.all(bodies.slice(i, i + 200).map((body) => admin.publish(queue, {body, persistent: true})))
    }
    await admin.close()
  }

  /** Written + still queued covers every published message; written has no repeats. */
  async function expectNothingLost(queue: string, stdout: string) {
    const written = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(0, 5))
    expect(new Set(written).size, 'no line written twice').toBe(written.length)
    const queued = new Set(await idsInQueue(broker.url, queue))
    const writtenIds = new Set(written)
    const missing = Array.from({length: PUBLISHED}, (_, i) => idOf(i)).filter((id) => !queued.has(id) && !writtenIds.has(id))
    expect(missing, 'acknowledged but never written').toEqual([])
    return {written: written.length, queued: queued.size, duplicates: written.filter((id) => queued.has(id)).length}
  }

  type Running = ReturnType<typeof runSlowly>
  interface Started {
    what: string
    check: (running: Running) => boolean
    withinMs: number
  }
  const LINES_WRITTEN: Started = {what: '300 lines written', check: (r) => r.stdout().split('\n').length > 300, withinMs: 20_000}
  // A progress line on stderr: producing and consuming are under way.
  const BENCH_RUNNING: Started = {what: 'bench progress', check: (r) => /pub .*con /.test(r.stderr()), withinMs: 30_000}

  /**
   * Run `args` until `started` holds, then `breakBroker()`: the command must end with exit 3 and one
   * clear line within EXIT_AFTER_LOSS_MS of the broker closing connections. `afterwards` (the node
   * back up) runs even when that fails, so one failing case does not take the next ones down with it.
   */
  async function breakMidRun(args: string[], started: Started, breakBroker: () => Promise<void>, afterwards: () => Promise<void> = async () => {}) {
    const observer = await witness(broker.url)
    const running = runSlowly(args)
    await waitFor(started.what, () => started.check(running), started.withinMs)
    try {
      await breakBroker()
      const {code, exitedAt} = await exitWithin(running, HUNG_MS)
      const lostAt = observer.lostAt()
      expect(lostAt, 'the witness connection saw the broker go').toBeDefined()
      const exitMs = Math.round(exitedAt - lostAt!)
      expect(code, running.stderr()).toBe(3)
      expect(exitMs, `exit ${exitMs} ms after the broker closed the witness connection`).toBeLessThanOrEqual(EXIT_AFTER_LOSS_MS)
      return {running, code, exitMs, line: expectOneClearLine(running.stderr())}
    } finally {
      await observer.close().catch(() => {})
      await afterwards()
    }
  }

  it('consume: a graceful broker stop (CONNECTION_FORCED) ends with exit 3 and one line; every unwritten message is still queued', async () => {
    const queue = 'restart-graceful'
    await fill(queue)
    const {running, code, exitMs, line} = await breakMidRun(
      ['consume', queue, '--url', broker.url, '--prefetch', '5'],
      LINES_WRITTEN,
      () => broker.stopApp(),
      () => broker.startApp(),
    )
    // Usually the broker's reason; when an ack is being written as the broker closes the socket,
    // the reset reaches the client before the close frame does (seen once under load).
    expect(line).toMatch(new RegExp(`^mqkit: .*connection to 127\\.0\\.0\\.1:${broker.port} lost: .*(CONNECTION_FORCED|shutdown|ECONNRESET)`))
    const figures = await expectNothingLost(queue, running.stdout())
    expect(figures.written).toBeGreaterThan(300)
    expect(figures.written).toBeLessThan(PUBLISHED)
    // A graceful stop keeps the acks it received: only those in flight (at most --prefetch) can
    // come back as duplicates.
    expect(figures.duplicates).toBeLessThanOrEqual(5)
    process.stderr.write(`[restart graceful] exit ${code} ${exitMs} ms after the broker closed connections; ${JSON.stringify(figures)}; ${line}\n`)
  }, 120_000)

  it('consume: a broker crash (VM killed) ends with exit 3 and one line; every unwritten message is still queued', async () => {
    const queue = 'restart-crash'
    await fill(queue)
    const {running, code, exitMs, line} = await breakMidRun(
      ['consume', queue, '--url', broker.url, '--prefetch', '5'],
      LINES_WRITTEN,
      () => broker.kill(),
      () => broker.boot(),
    )
    expect(line).toMatch(new RegExp(`^mqkit: .*connection to 127\\.0\\.0\\.1:${broker.port} lost`))
    const figures = await expectNothingLost(queue, running.stdout())
    expect(figures.written).toBeGreaterThan(300)
    process.stderr.write(`[restart crash] exit ${code} ${exitMs} ms after the kill closed connections; ${JSON.stringify(figures)}; ${line}\n`)
  }, 120_000)

  it('bench --persistent: a broker stop mid-run ends with exit 3 and one clear line, no hang', async () => {
    const args = ['bench', '--url', broker.url, '--count', '200000', '--persistent', '--queue', 'restart-bench']
    const {code, exitMs, line} = await breakMidRun(
      args,
      BENCH_RUNNING,
      () => broker.stopApp(),
      () => broker.startApp(),
    )
    expect(line).toMatch(/connection .*lost|lost .*connection/)
    process.stderr.write(`[restart bench] exit ${code} ${exitMs} ms after the broker closed connections; ${line}\n`)
  }, 120_000)

  it('bench: a broker crash mid-run ends with exit 3 and one clear line, no hang', async () => {
    const args = ['bench', '--url', broker.url, '--duration', '60s', '--persistent', '--consumers', '2', '--multi-ack', '10', '--queue', 'restart-bench-crash']
    const {code, exitMs, line} = await breakMidRun(
      args,
      BENCH_RUNNING,
      () => broker.kill(),
      () => broker.boot(),
    )
    expect(line).toMatch(/connection .*lost|lost .*connection/)
    process.stderr.write(`[restart bench crash] exit ${code} ${exitMs} ms after the kill closed connections; ${line}\n`)
  }, 120_000)

  it('consume: a frozen broker (SIGSTOP) is noticed by the heartbeat (?heartbeat=1): exit 3, one line', async () => {
    admin = await connectedDriver(`${broker.url}?mgmt=off`)
    await admin.declare({name: 'restart-frozen', durable: true})
    await admin.close()
    const running = runSlowly(['consume', 'restart-frozen', '--url', `${broker.url}?heartbeat=${HEARTBEAT_S}`])
    // Subscribed: the broker counts the consumer.
    await waitFor('the consumer', async () => {
      const probe = await connectedDriver(`${broker.url}?mgmt=off`)
      const consumers = (await probe.inspect(['restart-frozen'])).queues[0].consumers
      await probe.close()
      return consumers === 1
    })
    const frozenAt = performance.now()
    broker.freeze()
    try {
      const {code, exitedAt} = await exitWithin(running, HUNG_MS)
      expect(code, running.stderr()).toBe(3)
      const line = expectOneClearLine(running.stderr())
      expect(line).toMatch(/lost: heartbeat timeout/i)
      const exitMs = Math.round(exitedAt - frozenAt)
      // Not before the heartbeat could notice (two empty checks), and not much after.
      expect(exitMs).toBeGreaterThanOrEqual(2 * HEARTBEAT_S * 1000 - 50)
      expect(exitMs).toBeLessThanOrEqual(EXIT_AFTER_FREEZE_MS)
      process.stderr.write(`[frozen] exit ${code} ${exitMs} ms after SIGSTOP; ${line}\n`)
    } finally {
      broker.thaw()
    }
  }, 120_000)

  it('does not take the management API on 15672 (another broker) for this node on another port', async () => {
    const driver = await connectedDriver(broker.url)
    try {
      const result = await driver.inspect(['restart-graceful'])
      expect(result.source).toBe('passive declare')
    } finally {
      await driver.close()
    }
  })
})
