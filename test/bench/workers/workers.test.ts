// --workers through the real CLI (worker threads load dist/, so `npm run build` first).
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import * as hdr from 'hdr-histogram-js'
import {describe, expect, it, onTestFinished} from 'vitest'
import type {EncodedHistogram} from '../../../src/metrics/histogram.js'
import {AMQP_URL, amqpAvailable, uniqueName} from '../../helpers/brokers.js'
import {runCli} from '../../helpers/cli.js'

describe('mqkit bench --workers', () => {
  it('refuses memory:// with a usage error that says why', async () => {
    const r = await runCli(['bench', '--workers', '2', '--count', '100'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--workers 2: memory:// is a broker inside one thread')
    expect(r.stdout).toBe('')
    const tooMany = await runCli(['bench', '--url', 'amqp://127.0.0.1:1', '--workers', '3', '--producers', '2', '--consumers', '2'])
    expect(tooMany.code).toBe(2)
    expect(tooMany.stderr).toContain('--workers must be at most')
  })
})

const available = await amqpAvailable()
const CAPTURE = fileURLToPath(new URL('../fixtures/capture-worker-results.mjs', import.meta.url))

/** Every bucket of an encoded histogram: its value (µs, as HDR reports it) → count. */
function buckets(encoded: EncodedHistogram): Map<number, number> {
  const histogram = hdr.decodeFromCompressedBase64(encoded.hdr, 64, false) as unknown as {
    countsArrayLength: number
    getCountAtIndex(i: number): number
    valueFromIndex(i: number): number
  }
  const counts = new Map<number, number>()
  for (let i = 0; i < histogram.countsArrayLength; i++) {
    const count = histogram.getCountAtIndex(i)
    if (count > 0) counts.set(histogram.valueFromIndex(i), (counts.get(histogram.valueFromIndex(i)) ?? 0) + count)
  }
  return counts
}

const sorted = (counts: Map<number, number>) => [...counts].sort(([a], [b]) => a - b)

describe.skipIf(!available)('mqkit bench --workers 2 on amqp://', () => {
  it('spreads 2 producers and 2 consumers over 2 threads: counts add up, histograms are the exact merge', async () => {
    // Each thread's own histograms, captured as they cross to the main thread (see the fixture).
    const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-workers-'))
    onTestFinished(() => rmSync(folder, {recursive: true, force: true}))
    const captured = path.join(folder, 'worker-results.ndjson')
    const env = {MQKIT_TEST_WORKER_RESULTS: captured, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(CAPTURE).href}`.trim()}
    const r = await runCli(
      [
        'bench',
        '--url',
        AMQP_URL,
        '--workers',
        '2',
        '--producers',
        '2',
        '--consumers',
        '2',
        '--count',
        '6001',
        '--queue',
        uniqueName('bench-workers'),
        '--json',
      ],
      {env},
    )
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout)
    // A producer's messages are received in either thread: integrity is merged from bitsets.
    expect(result.integrity).toMatchObject({sent: 6001, confirmed: 6001, received: 6001, unique: 6001, lost: 0, duplicates: 0, leftInQueue: 0})
    expect(result.workload).toMatchObject({workers: 2, producers: 2, consumers: 2, count: 6001})
    const sources = result.merged.sources
    expect(sources).toHaveLength(2)
    expect(result.throughput.published.count).toBe(6001)
    // The merged histogram holds every sample of both threads, bucket for bucket, and the reported
    // percentiles are those of one histogram that recorded both threads' samples. Checked with
    // hdr-histogram-js directly, not through bench's own merge.
    const perWorker = readFileSync(captured, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, EncodedHistogram>)
    expect(perWorker).toHaveLength(2)
    for (const kind of ['publish', 'endToEnd', 'handling'] as const) {
      const workers = perWorker.map((h) => buckets(h[kind]))
      const expected = new Map<number, number>()
      for (const worker of workers) for (const [value, count] of worker) expected.set(value, (expected.get(value) ?? 0) + count)
      expect([...workers[0].values(), ...workers[1].values()].reduce((a, b) => a + b, 0)).toBe(6001)
      expect(sorted(buckets(result.histograms[kind])), kind).toEqual(sorted(expected))
      const union = hdr.build({
        bitBucketSize: 64,
        autoResize: true,
        lowestDiscernibleValue: 1,
        highestTrackableValue: 10_000_000,
        numberOfSignificantValueDigits: 3,
        useWebAssembly: false,
      })
      for (const [value, count] of expected) union.recordValueWithCount(value, count)
      const summary = kind === 'handling' ? result.handling : result.latency[kind]
      expect(summary.count).toBe(6001)
      const percentiles = {p50: 50, p75: 75, p90: 90, p95: 95, p99: 99, p99_9: 99.9, p99_99: 99.99}
      for (const [name, p] of Object.entries(percentiles))
        expect({kind, name, ms: summary[name]}).toEqual({kind, name, ms: union.getValueAtPercentile(p) / 1000})
      // Exact extremes and sums travel beside the buckets.
      expect(result.histograms[kind].maxMicros).toBe(Math.max(...perWorker.map((h) => h[kind].maxMicros)))
      expect(result.histograms[kind].minMicros).toBe(Math.min(...perWorker.map((h) => h[kind].minMicros)))
      expect(result.histograms[kind].sumMicros).toBeCloseTo(perWorker[0][kind].sumMicros + perWorker[1][kind].sumMicros, 3)
    }
    // Each thread published its share (3001 + 3000) and consumed some: the parts add up.
    expect(sources.map((s: {published: number}) => s.published).sort()).toEqual([3000, 3001])
    expect(sources.reduce((sum: number, s: {consumed: number}) => sum + s.consumed, 0)).toBe(6001)
  })
})

describe.skipIf(!available)('mqkit bench --workers live progress', () => {
  it('prints one merged progress line per interval on stderr (plain lines when not a TTY), totals adding up', async () => {
    const r = await runCli([
      'bench',
      '--url',
      AMQP_URL,
      '--workers',
      '2',
      '--producers',
      '2',
      '--consumers',
      '2',
      '--rate',
      '1000',
      '--duration',
      '2.5s',
      '--interval',
      '500ms',
      '--queue',
      uniqueName('bench-workers-progress'),
    ])
    expect(r.code).toBe(0)
    const lines = r.stderr.trim().split('\n')
    expect(lines[0]).toMatch(/^bench: amqp amqp:\/\/guest:\*\*\*@127\.0\.0\.1:5672, queue mqkit-test-bench-workers-progress/)
    const progress = lines.filter((line) => /^\d+\.\ds\/3s {2}pub /.test(line))
    expect(progress.length).toBeGreaterThanOrEqual(4)
    // Both threads' producers count: the merged rate is the total 1000 msg/s, not one worker's 500.
    // Mid-run intervals (the threads tick on their own clocks, so not exactly 1.0 s, 1.5 s, …).
    const steady = progress.filter((line) => {
      const elapsedS = Number.parseFloat(line)
      return elapsedS >= 0.9 && elapsedS <= 2.2
    })
    expect(steady.length).toBeGreaterThanOrEqual(2)
    const rates = steady.map((line) => /pub ([\d.]+) ?(k)? ?\/s/.exec(line)).map((m) => Number(m![1]) * (m![2] ? 1000 : 1))
    // Each thread sends 500/s: well above that means both threads' ticks were added up.
    for (const rate of rates) expect(rate).toBeGreaterThan(650)
    const totals = /total ([\d,]+)\/([\d,]+)/.exec(progress.at(-1)!)!
    expect(Number(totals[1].replace(/,/g, ''))).toBeGreaterThan(1800)
  })
})
