// Renderer fixture: a saved result document → the expected report lines.
import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {Chalk} from 'chalk'
import {progressLine} from '../../../src/bench/render/progress.js'
import {renderResult} from '../../../src/bench/render/render.js'
import type {BenchResult} from '../../../src/results/document.js'
import {healthWarnings} from '../../../src/bench/render/render-warnings.js'
import {formatAssertionValue} from '../../../src/results/assert.js'
import {formatCount, formatLambdaW, formatMillis, formatQuantity, formatRate} from '../../../src/output/format.js'

const fixture = JSON.parse(readFileSync(new URL('../fixtures/result.json', import.meta.url), 'utf8')) as BenchResult

describe('renderResult', () => {
  it('draws the saved result as the expected tables, within 80 and 120 columns', async () => {
    const text = renderResult(fixture, {width: 80})
    await expect(text).toMatchFileSnapshot('../fixtures/result.txt')
    await expect(renderResult(fixture, {width: 120})).toMatchFileSnapshot('../fixtures/result-120.txt')
    expect(text).toContain('open loop 1500 /s (uniform)')
    expect(text).toMatch(/│ published\s+│\s+3,000 │\s+1500 \/s │/)
    expect(text).toContain('end-to-end from intended send')
    expect(text).not.toContain('\u001B[') // no colour unless asked
    for (const width of [80, 100, 120]) {
      const lines = renderResult(fixture, {width}).trimEnd().split('\n')
      expect(Math.max(...lines.map((line) => [...line].length)), `width ${width}`).toBeLessThanOrEqual(width)
      // Stacked, never dropped: every percentile column is still there.
      for (const label of ['p50', 'p75', 'p99.99', 'max', 'left in queue', 'publish errors'])
        expect(lines.some((line) => line.includes(` ${label} `))).toBe(true)
    }
    // Wide enough: one table each, as before.
    expect(renderResult(fixture, {width: 200}).match(/│ Latency /g)).toHaveLength(1)
  })

  it('formats each kind of figure one way: durations to three figures, no "0.00 µs", counts with separators, plurals', () => {
    expect([0, 0.0004, 0.009, 0.015, 0.1404, 0.9996, 17.423, 102.46, 2500, 12_345].map(formatMillis)).toEqual([
      '0 µs',
      '0.40 µs',
      '9.00 µs',
      '15.0 µs',
      '140 µs',
      '1.00 ms',
      '17.4 ms',
      '102 ms',
      '2.50 s',
      '12.3 s',
    ])
    expect([formatCount(22508), formatCount(11041.2), formatRate(11041.2), formatRate(93.7), formatRate(1500)]).toEqual([
      '22,508',
      '11,041',
      '11.0 k/s',
      '93.7 /s',
      '1500 /s',
    ])
    expect([formatQuantity(1, 'message'), formatQuantity(0, 'message'), formatQuantity(10_000, 'message')]).toEqual([
      '1 message',
      '0 messages',
      '10,000 messages',
    ])
    expect(renderResult({...fixture, workload: {...fixture.workload, producers: 2, partitions: 1}}, {width: 200}).split('\n')[0]).toContain(
      '2 producers, 1 consumer, 1 queue, 1 partition',
    )
  })

  it('adds a pass/fail table and colours only with a colour instance', () => {
    const withAssertions: BenchResult = {
      ...fixture,
      assertions: [
        {expression: 'lost=0', metric: 'lost', operator: '=', threshold: 0, actual: 0, passed: true},
        {expression: 'p99<0.001ms', metric: 'p99', operator: '<', threshold: 0.001, actual: 1.5, passed: false},
      ],
    }
    const plain = renderResult(withAssertions)
    expect(plain).toMatch(/│ lost=0\s+│\s+0 │ pass\s+│/)
    // The actual value in the metric's unit: ms for latencies, msg/s for rates, a count otherwise.
    expect(plain).toMatch(/│ p99<0.001ms\s+│\s+1.50 ms │ FAIL\s+│/)
    expect(formatAssertionValue('throughput', 1234.5)).toBe('1235 /s')
    expect(formatAssertionValue('e2e.p99.9', 12.423)).toBe('12.4 ms')
    expect(formatAssertionValue('queue.mean', 2.25)).toBe('2.3')
    expect(formatAssertionValue('corrected.p99', Number.NaN)).toBe('n/a')
    expect(renderResult(withAssertions, {colour: new Chalk({level: 1})})).toContain('\u001B[31mFAIL')
  })

  it("warns when the queue was never seen non-empty though λW says messages were in the system (Little's law cannot be checked), and only then", () => {
    const emptyQueue = (backend: string, max: number, lambdaW: number): BenchResult => ({
      ...fixture,
      meta: {...fixture.meta, backend},
      queueLength: {...fixture.queueLength, samples: 100, mean: max / 2, max},
      littlesLaw: {...fixture.littlesLaw, lambdaW},
    })
    const [memory] = healthWarnings(emptyQueue('memory', 0, 385.6)).filter((w) => w.includes("Little's law"))
    expect(memory).toBe(
      "the queue was empty at all 100 samples while λW says 385.6 messages were in the system on average: they came and went between samples (memory:// delivers within one event-loop turn, and the sampler runs between turns), so these samples cannot check Little's law",
    )
    expect(healthWarnings(emptyQueue('amqp', 0, 385.6)).filter((w) => w.includes("Little's law"))[0]).not.toContain('memory://')
    expect(healthWarnings(emptyQueue('memory', 3, 385.6)).filter((w) => w.includes("Little's law"))).toEqual([])
    expect(healthWarnings(emptyQueue('memory', 0, 0.2)).filter((w) => w.includes("Little's law"))).toEqual([])
  })

  it("on kafka:// explains a Little's law gap over 20 % (with enough samples) by W's size next to the event-loop delay", () => {
    const run = (backend: string, relativeError: number, samples = 100): BenchResult => ({
      ...fixture,
      meta: {...fixture.meta, backend},
      queueLength: {...fixture.queueLength, samples, max: 50},
      littlesLaw: {...fixture.littlesLaw, wMs: 2.67, relativeError},
      health: {...fixture.health, eventLoopDelay: {...fixture.health.eventLoopDelay, p99Ms: 22.1}},
    })
    const about = (result: BenchResult) => healthWarnings(result).filter((w) => w.startsWith("Little's law is off"))
    expect(about(run('kafka', -0.28))).toEqual([
      "Little's law is off by -28 %: on kafka:// the queue length is the group's lag, and W (2.67 ms) is short next to mqkit's event-loop delay (p99 22.1 ms), which makes confirms and commits look late: the check is loose at this W",
    ])
    expect(about(run('kafka', 0.15))).toEqual([])
    expect(about(run('kafka', -0.28, 4))).toEqual([])
    expect(about(run('amqp', 0.614))).toEqual([])
  })

  it('shows the ack→settled part of W beside λW when there is one', () => {
    expect(formatLambdaW({lambdaW: 1406.6, lambdaPerSecond: 27_700, wMs: 50.7, ackSettleMs: 25.9})).toBe(
      '1,406.6 (27.7 k/s × 50.7 ms, 25.9 ms of it ack→settled)',
    )
    expect(formatLambdaW({lambdaW: 0.2, lambdaPerSecond: 1500, wMs: 0.102, ackSettleMs: 0.001})).toBe('0.2 (1500 /s × 102 µs)')
    expect(formatLambdaW({lambdaW: 0.2, lambdaPerSecond: 1500, wMs: 0.102})).toBe('0.2 (1500 /s × 102 µs)')
  })

  it('formats a progress line from an interval', () => {
    const line = progressLine(fixture.intervals[0], 2000, 0)
    expect(line).toMatch(/^1\.0s\/2s {2}pub .* {2}con .* {2}p99 .* {2}queue .* {2}total /)
  })
})

/** The fixture after a broker restart: one recovered window, a fault command, the failure accounting. */
function withOutage(base: BenchResult): BenchResult {
  const summary = (count: number, ms: number) => ({
    count,
    mean: ms,
    stdev: 0,
    min: ms,
    p50: ms,
    p75: ms,
    p90: ms,
    p95: ms,
    p99: ms,
    p99_9: ms,
    p99_99: ms,
    max: ms,
  })
  return {
    ...base,
    integrity: {...base.integrity, lost: 2, inDoubt: 12, inDoubtArrived: 9, leftInQueueBy: 'drained'},
    availability: {
      minGapMs: 500,
      unavailableMs: 900,
      totalUnavailableMs: 1300,
      windows: [
        {
          fromMs: 200,
          toMs: 1100,
          durationMs: 900,
          recovered: true,
          publish: {lastConfirmBeforeMs: 200, firstConfirmAfterMs: 1000},
          consume: {lastDeliveryBeforeMs: 210, firstDeliveryAfterMs: 1100},
          events: [],
        },
        {
          fromMs: 1600,
          toMs: 2000,
          durationMs: 400,
          recovered: false,
          publish: {lastConfirmBeforeMs: 1600, firstConfirmAfterMs: null},
          consume: null,
          events: [],
        },
      ],
      latency: {bucketMs: 250, kind: 'endToEndCorrected', inside: summary(650, 5000), outside: summary(2350, 1)},
      events: [
        {kind: 'fault-started', atMs: 150, command: 'rabbitmqctl stop_app'},
        {kind: 'connection-lost', atMs: 250, role: 'producer', index: 0, message: 'CONNECTION_FORCED'},
        {kind: 'fault-ended', atMs: 420, command: 'rabbitmqctl stop_app', exitCode: 0, signal: null},
        {kind: 'reconnected', atMs: 990, role: 'producer', index: 0, attempts: 3},
        {kind: 'fault-started', atMs: 1500, command: 'sleep 30'},
        {kind: 'fault-ended', atMs: 2100, command: 'sleep 30', exitCode: null, signal: 'SIGTERM'},
        {kind: 'gave-up', atMs: 1900, role: 'consumer', index: 0, message: 'recover budget of 60 s spent'},
      ],
    },
  }
}

describe('renderResult: broker failures', () => {
  const text = renderResult(withOutage(fixture), {width: 200})
  const lines = text.split('\n')

  it('names lost by its category and shows the messages in doubt, arrived or not', () => {
    expect(text).toMatch(/│ Integrity │\s+sent │ confirmed │ received │ confirmed & lost │ in doubt │ duplicates │/)
    expect(text).toMatch(/│ messages\s+│\s+3,000 │\s+3,000 │\s+3,000 │\s+2 │\s+12 │\s+0 │\s+0 │\s+0 \(drained\) │/)
    expect(lines).toContain(
      'in doubt 12 (arrived 9, not arrived 3): sent but neither confirmed nor refused when the connection died, so the outcome is unknown; never counted as lost',
    )
    // A result from before the accounting keeps its "lost" column and no in-doubt line.
    expect(renderResult(fixture, {width: 200})).not.toMatch(/in doubt|confirmed & lost/)
  })

  it('draws the windows with each side before and after, the fault commands, the connections and the latency by send time', () => {
    expect(lines).toContain('Availability: 2 outage windows (silences ≥ 500 ms), longest 900 ms, total 1.30 s, 1 NOT recovered')
    expect(text).toMatch(/│ Outage │\s+from │\s+to │ duration │ state\s+│ last confirm │ first confirm │ last delivery │ first delivery │/)
    expect(text).toMatch(/│ 1\s+│ 0.20 s │ 1.10 s │\s+900 ms │ recovered\s+│\s+0.20 s │\s+1.00 s │\s+0.21 s │\s+1.10 s │/)
    expect(text).toMatch(/│ 2\s+│ 1.60 s │ 2.00 s │\s+400 ms │ NOT recovered │\s+1.60 s │\s+none │\s+- │\s+- │/)
    expect(lines).toContain('fault 1 `rabbitmqctl stop_app`: started 0.15 s, ended 0.42 s after 270 ms, exit 0')
    expect(lines).toContain('fault 2 `sleep 30`: started 1.50 s, ended 2.10 s after 600 ms, killed by SIGTERM')
    expect(lines).toContain('connections: producer lost 1×, reconnected 1×')
    expect(lines).toContain('gave up: consumer 0 at 1.90 s: recover budget of 60 s spent')
    expect(text).toMatch(/│ From intended send, by send time │ count │\s+mean │\s+p50 │/)
    expect(text).toMatch(/│ sent inside outages\s+│\s+650 │\s+5.00 s │\s+5.00 s │/)
    expect(text).toMatch(/│ sent outside\s+│ 2,350 │ 1.00 ms │ 1.00 ms │/)
    expect(renderResult(withOutage(fixture), {colour: new Chalk({level: 1})})).toContain('\u001B[31mNOT recovered')
  })

  it('fits 80 columns, and says so when a fault ran but no window was found', () => {
    const narrow = renderResult(withOutage(fixture), {width: 80}).trimEnd().split('\n')
    expect(Math.max(...narrow.map((line) => [...line].length))).toBeLessThanOrEqual(80)
    const quiet = withOutage(fixture)
    quiet.availability = {...quiet.availability!, windows: [], unavailableMs: 0, totalUnavailableMs: 0, events: quiet.availability!.events.slice(0, 3)}
    const quietText = renderResult(quiet, {width: 200})
    expect(quietText).toContain('Availability: no outage window (no silences ≥ 500 ms between confirms or deliveries)')
    expect(quietText).toContain('fault 1 `rabbitmqctl stop_app`')
    expect(quietText).not.toContain('by send time')
    // Nothing happened: no section at all.
    expect(renderResult({...quiet, availability: {...quiet.availability!, events: []}}, {width: 200})).not.toContain('Availability')
  })
})
