// bench --recover through a Kafka broker killed with kill -9 and started again (issue 15), on a
// private broker (the shared one is never touched), acks=all, once per producer client. The fault
// is bench's own --fault-cmd, so the measured window can be checked against the command's timing.
// Ground truth: no confirmed record lost; every publish confirmed, refused or in doubt; the group
// resumes from its committed offsets (what was received but not committed comes again: a duplicate).
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {defaultBenchOptions} from '../../../src/bench/options.js'
import {BenchRunner} from '../../../src/bench/runner.js'
import type {RunEvent} from '../../../src/results/availability.js'
import {kafkaAvailable} from '../../helpers/brokers.js'
import {CLIENTS, withClient} from './helpers.js'
import {privateKafka, type PrivateKafka} from './private-broker.js'
import {GROUP_TIMINGS} from '../../../src/drivers/kafka/consume/consume.js'

const available = await kafkaAvailable() // the shared broker's jars are what the private one runs on
/** A reconnect attempt at most every second, plus a fresh client's metadata round trips (and a loaded 2-core machine's timer lateness). */
const WINDOW_SLACK_MS = 1000
/**
 * The consumer's way back can outlast the broker's: its old member stays in the group until the
 * session timeout, and the new member's join waits for it (driver GROUP_TIMINGS).
 */
const REJOIN_MS = GROUP_TIMINGS.sessionTimeout + GROUP_TIMINGS.rebalanceTimeout
const RATE = 300

describe.runIf(available)('bench --recover against a private Kafka broker (kill -9, start)', () => {
  let broker: PrivateKafka
  beforeAll(async () => {
    broker = await privateKafka({sasl: false})
    await broker.start()
  }, 180_000)
  afterAll(async () => {
    await broker?.destroy()
  }, 90_000)

  it.each(CLIENTS)(
    '?client=%s: the run completes, nothing confirmed is lost, every publish is accounted, the window brackets the restart',
    async (client) => {
      const options = defaultBenchOptions({
        rate: [{perSecond: RATE}],
        durationMs: 50_000,
        acks: 'all',
        recoverMs: 60_000,
        drainTimeoutMs: 30_000,
        faults: [{atMs: 6000, command: `${broker.killCommand()} && sleep 1 && ${broker.startCommand()}`}],
      })
      const runner = new BenchRunner(options, {
        url: withClient(broker.url, client),
        clientName: 'mqkit test recover',
        mqkitVersion: 'test',
        connectTimeoutMs: 3000,
      })
      const result = await runner.run()
      const a = result.availability!
      if (process.env.MQKIT_TEST_VERBOSE)
        process.stderr.write(
          `${JSON.stringify({integrity: result.integrity, windows: a.windows, unavailableMs: a.unavailableMs, events: a.events.map((e) => `${e.atMs} ${e.kind} ${'role' in e ? e.role : ''} ${'message' in e ? e.message : ''}`), published: result.intervals.map((t) => Math.round(t.publishedPerSecond)).join(' '), consumed: result.intervals.map((t) => Math.round(t.consumedPerSecond)).join(' ')}, null, 1)}\n`,
        )
      const started = a.events.find((e): e is Extract<RunEvent, {kind: 'fault-started'}> => e.kind === 'fault-started')!
      const ended = a.events.find((e): e is Extract<RunEvent, {kind: 'fault-ended'}> => e.kind === 'fault-ended')!
      expect(ended.exitCode).toBe(0)
      const i = result.integrity
      expect(i.leftInQueueBy).toBe('drained')
      expect(i.lost).toBe(0)
      expect(i.confirmed + i.publishErrors + (i.inDoubt ?? 0)).toBe(i.sent)
      expect(i.unique + i.leftInQueue).toBeGreaterThanOrEqual(i.confirmed)
      const window = a.windows.reduce((longest, w) => (w.durationMs > longest.durationMs ? w : longest))
      expect(window.recovered).toBe(true)
      // kill -9 is at once; the broker answers by the time `kafka.sh start` returns.
      expect(window.fromMs).toBeGreaterThan(started.atMs - WINDOW_SLACK_MS)
      expect(window.fromMs).toBeLessThan(started.atMs + WINDOW_SLACK_MS)
      expect(window.toMs).toBeLessThan(ended.atMs + REJOIN_MS + WINDOW_SLACK_MS)
      expect(a.unavailableMs).toBe(window.durationMs)
      // It kept measuring after: the intervals from 2 s after the window on run at the target rate.
      const after = result.intervals.filter((t) => t.elapsedMs - t.durationMs > window.toMs + 2000 && t.publishedDurationMs === undefined)
      expect(after.length).toBeGreaterThan(3)
      const rates = after.map((t) => t.publishedPerSecond).sort((x, y) => x - y)
      expect(rates[Math.floor(rates.length / 2)]).toBeGreaterThan(RATE * 0.9)
    },
    300_000,
  )
})
