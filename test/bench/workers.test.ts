// --workers through the real CLI (worker threads load dist/, so `npm run build` first).
import {describe, expect, it} from 'vitest'
import {LatencyHistogram} from '../../src/metrics/histogram.js'
import {AMQP_URL, amqpAvailable, uniqueName} from '../helpers/brokers.js'
import {runCli} from '../helpers/cli.js'

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

describe.skipIf(!available)('mqkit bench --workers 2 on amqp://', () => {
  it('spreads 2 producers and 2 consumers over 2 threads: counts add up, histograms are the exact merge', async () => {
    const r = await runCli(['bench', '--url', AMQP_URL, '--workers', '2', '--producers', '2', '--consumers', '2', '--count', '6001', '--queue', uniqueName('bench-workers'), '--json'])
    expect(r.code).toBe(0)
    const result = JSON.parse(r.stdout)
    // A producer's messages are received in either thread: integrity is merged from bitsets.
    expect(result.integrity).toMatchObject({sent: 6001, confirmed: 6001, received: 6001, unique: 6001, lost: 0, duplicates: 0, leftInQueue: 0})
    expect(result.workload).toMatchObject({workers: 2, producers: 2, consumers: 2, count: 6001})
    const sources = result.merged.sources
    expect(sources).toHaveLength(2)
    expect(result.throughput.published.count).toBe(6001)
    // The merged histogram holds every sample of both threads: decoding it gives their sum.
    for (const kind of ['publish', 'endToEnd', 'handling'] as const) {
      const merged = LatencyHistogram.decode(result.histograms[kind])
      expect(merged.count).toBe(6001)
      expect((kind === 'handling' ? result.handling : result.latency[kind]).count).toBe(6001)
    }
    // Each thread published its share (3001 + 3000) and consumed some: the parts add up.
    expect(sources.map((s: {published: number}) => s.published).sort()).toEqual([3000, 3001])
    expect(sources.reduce((sum: number, s: {consumed: number}) => sum + s.consumed, 0)).toBe(6001)
  })
})

describe.skipIf(!available)('mqkit bench --workers live progress', () => {
  it('prints one merged progress line per interval on stderr (plain lines when not a TTY), totals adding up', async () => {
    const r = await runCli(['bench', '--url', AMQP_URL, '--workers', '2', '--producers', '2', '--consumers', '2', '--rate', '1000', '--duration', '2.5s', '--interval', '500ms', '--queue', uniqueName('bench-workers-progress')])
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
