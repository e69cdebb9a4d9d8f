// bench --recover through real RabbitMQ failures (issue 15), on a private node (the shared one is
// never touched): a graceful restart (stop_app/start_app) and a kill -9 then boot, on a durable
// classic queue and on a quorum queue with persistent messages, and a frozen broker (SIGSTOP).
// The fault is done by bench's own --fault-cmd hook, so the window it measures can be checked
// against the command's own start and end. Ground truth: no confirmed message may be lost; every
// publish is confirmed, refused, or in doubt; the window brackets the fault.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {defaultBenchOptions, type BenchOptions} from '../../../src/bench/options.js'
import {BenchRunner} from '../../../src/bench/runner.js'
import type {BenchResult} from '../../../src/results/document.js'
import type {RunEvent} from '../../../src/results/availability.js'
import {ConnectionError} from '../../../src/errors.js'
import {privateBrokerPossible, startPrivateBroker, type PrivateBroker} from './private-broker.js'

const possible = privateBrokerPossible()
/** The window may start before the command (the first publish to fail was already on the wire) and ends once a reconnect (≤ 1 s apart) finds the broker back. */
const WINDOW_SLACK_MS = 1000

async function benchThroughFault(broker: PrivateBroker, fault: string, overrides: Partial<BenchOptions> = {}): Promise<BenchResult> {
  const options = defaultBenchOptions({
    rate: [{perSecond: 400}],
    durationMs: 14_000,
    persistent: true,
    recoverMs: 60_000,
    drainTimeoutMs: 20_000,
    faults: [{atMs: 3000, command: fault}],
    ...overrides,
  })
  const runner = new BenchRunner(options, {url: `${broker.url}?heartbeat=1`, clientName: 'mqkit test recover', mqkitVersion: 'test', connectTimeoutMs: 2000})
  const result = await runner.run()
  if (process.env.MQKIT_TEST_VERBOSE)
    process.stderr.write(
      `${JSON.stringify({integrity: result.integrity, windows: result.availability?.windows, unavailableMs: result.availability?.unavailableMs, latency: result.availability?.latency}, null, 1)}\n`,
    )
  return result
}

function faultTimes(result: BenchResult): {startedMs: number; endedMs: number; exitCode: number | null} {
  const events = result.availability!.events
  const started = events.find((e): e is Extract<RunEvent, {kind: 'fault-started'}> => e.kind === 'fault-started')!
  const ended = events.find((e): e is Extract<RunEvent, {kind: 'fault-ended'}> => e.kind === 'fault-ended')!
  return {startedMs: started.atMs, endedMs: ended.atMs, exitCode: ended.exitCode}
}

/** Every message accounted: nothing confirmed is lost, and every publish has exactly one outcome. */
function expectAccounted(result: BenchResult): void {
  const i = result.integrity
  expect(i.leftInQueueBy).toBe('drained')
  expect(i.lost).toBe(0)
  expect(i.confirmed + i.publishErrors + (i.inDoubt ?? 0)).toBe(i.sent)
  expect(i.inDoubtArrived ?? 0).toBeLessThanOrEqual(i.inDoubt ?? 0)
  // Every confirmed message was received during the run or found by the final drain.
  expect(i.unique + i.leftInQueue).toBeGreaterThanOrEqual(i.confirmed)
}

describe.runIf(possible)('bench --recover against a private RabbitMQ', () => {
  let broker: PrivateBroker
  beforeAll(async () => {
    broker = await startPrivateBroker('recover')
  }, 180_000)
  afterAll(async () => {
    await broker?.stop()
  }, 60_000)

  it.each(['classic', 'quorum'] as const)(
    '%s queue, persistent: stop_app + start_app mid-run; the run completes, nothing confirmed is lost, the window brackets the command',
    async (queueType) => {
      const result = await benchThroughFault(broker, `${broker.ctlCommand('stop_app')} && sleep 2 && ${broker.ctlCommand('start_app')}`, {queueType})
      const fault = faultTimes(result)
      expect(fault.exitCode).toBe(0)
      expectAccounted(result)
      const a = result.availability!
      expect(a.windows.length).toBeGreaterThanOrEqual(1)
      const window = a.windows.reduce((longest, w) => (w.durationMs > longest.durationMs ? w : longest))
      expect(window.recovered).toBe(true)
      expect(window.fromMs).toBeGreaterThan(fault.startedMs - WINDOW_SLACK_MS)
      expect(window.fromMs).toBeLessThan(fault.endedMs)
      expect(window.toMs).toBeGreaterThan(fault.endedMs - WINDOW_SLACK_MS)
      expect(window.toMs).toBeLessThan(fault.endedMs + WINDOW_SLACK_MS + 1000)
      expect(a.unavailableMs).toBe(window.durationMs)
      const kinds = result.availability!.events.map((e) => e.kind)
      expect(kinds).toContain('connection-lost')
      expect(kinds).toContain('reconnected')
      expect(result.throughput.published.count).toBeGreaterThan(400 * 14 * 0.9)
    },
    120_000,
  )

  it('kill -9 of the node, then boot: the run rides it out; persistent messages on a durable queue survive', async () => {
    const result = await benchThroughFault(broker, `${broker.killCommand()} && sleep 1 && ${broker.bootCommand()}`, {durationMs: 25_000})
    const fault = faultTimes(result)
    expect(fault.exitCode).toBe(0)
    expectAccounted(result)
    const window = result.availability!.windows.reduce((longest, w) => (w.durationMs > longest.durationMs ? w : longest))
    expect(window.recovered).toBe(true)
    // kill -9 is at once. The boot command ends only once its own await_startup loop notices the
    // node (seconds after clients already use it): the window ends by then, not necessarily near it.
    const started = result.availability!.events.find((e) => e.kind === 'fault-started')!
    expect(window.fromMs).toBeGreaterThan(started.atMs - WINDOW_SLACK_MS)
    expect(window.fromMs).toBeLessThan(started.atMs + WINDOW_SLACK_MS)
    expect(window.toMs).toBeLessThan(fault.endedMs + WINDOW_SLACK_MS + 1000)
  }, 180_000)

  it('a frozen broker (SIGSTOP, SIGCONT 4 s later) is noticed through heartbeats and recovered from', async () => {
    const pid = `"$(cat '${broker.logFile.replace(/log\/[^/]+$/, 'pid')}')"`
    const result = await benchThroughFault(broker, `kill -STOP ${pid} && sleep 4 && kill -CONT ${pid}`)
    expect(faultTimes(result).exitCode).toBe(0)
    expectAccounted(result)
    const a = result.availability!
    expect(a.unavailableMs).toBeGreaterThan(3000)
    expect(a.windows.every((w) => w.recovered)).toBe(true)
  }, 120_000)

  it('an outage longer than --recover-timeout ends the run with exit 3 and the accounting so far; the fault command still runs to its end', async () => {
    const started = performance.now()
    const error = await benchThroughFault(broker, `${broker.ctlCommand('stop_app')} && sleep 6 && ${broker.ctlCommand('start_app')}`, {recoverMs: 1500}).then(
      () => undefined,
      (e: unknown) => e,
    )
    // Whichever connection gave up first ends the run: a producer's RecoveryFailedError, or a
    // consumer's subscription ending with it (a ConnectionError naming the consumer).
    expect(error).toBeInstanceOf(ConnectionError)
    expect((error as ConnectionError).exitCode).toBe(3)
    expect((error as Error).message).toMatch(/gave up reconnecting after \d+\.\d s and \d+ attempts? \(no connection within --recover-timeout 1.5s\)/)
    expect((error as Error).message).toMatch(/; before that: \d+ sent, \d+ confirmed, \d+ received/)
    // The run waited for the command (stop, 6 s, start), so the broker is back for whoever comes next.
    expect(performance.now() - started).toBeGreaterThan(6000)
    const probe = await benchThroughFault(broker, 'true', {durationMs: 1000, faults: undefined})
    expect(probe.integrity.lost).toBe(0)
  }, 120_000)
})
