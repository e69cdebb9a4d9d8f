// npm run perf — prints, never asserts. In ONE process run:
//  1. raw baseline: a plain array queue; the producer pushes 1 KiB bodies stamped with hrtime, the
//     consumer shifts them (head index) and records each latency into an HDR histogram;
//  2. `bench` on memory:// with 1 KiB messages through the real runner, all measurements on;
// then the msg/s of both and their ratio (target ≥ 0.7x). Needs `npm run build` first.
import {LatencyHistogram} from '../dist/metrics/histogram.js'
import {defaultBenchOptions} from '../dist/bench/options.js'
import {BenchRunner} from '../dist/bench/runner.js'

const SIZE = 1024
const DURATION_MS = Number(process.env.PERF_DURATION_MS ?? 5000)
const BATCH = 1000

async function rawBaseline(durationMs) {
  const queue = []
  let head = 0
  const histogram = new LatencyHistogram()
  const template = Buffer.alloc(SIZE, 7)
  let consumed = 0
  const start = process.hrtime.bigint()
  const end = start + BigInt(durationMs) * 1_000_000n
  let now = start
  while (now < end) {
    // Produce a batch, then consume it: the same batching a confirm window gives the bench.
    for (let i = 0; i < BATCH; i++) {
      const body = Buffer.allocUnsafe(SIZE)
      template.copy(body, 8, 8)
      body.writeBigUInt64LE(process.hrtime.bigint(), 0)
      queue.push(body)
    }
    while (head < queue.length) {
      const body = queue[head]
      queue[head++] = undefined
      histogram.recordNanos(Number(process.hrtime.bigint() - body.readBigUInt64LE(0)))
      consumed++
    }
    queue.length = 0
    head = 0
    now = process.hrtime.bigint()
    if (consumed % (BATCH * 50) === 0) await new Promise((r) => setImmediate(r))
  }
  const elapsedMs = Number(now - start) / 1e6
  return {perSecond: (consumed * 1000) / elapsedMs, consumed, p99Ms: histogram.summary().p99}
}

async function memoryBench(durationMs) {
  const runner = new BenchRunner(defaultBenchOptions({sizeBytes: SIZE, maxSizeBytes: SIZE, durationMs, warmupMs: 1000}), {
    url: 'memory://',
    clientName: 'mqkit perf',
    mqkitVersion: 'perf',
  })
  const result = await runner.run()
  return {
    perSecond: result.throughput.consumed.perSecond,
    published: result.throughput.published.perSecond,
    p99Ms: result.latency.endToEnd.p99,
    lost: result.integrity.lost,
    rssBytes: process.memoryUsage().rss,
  }
}

const rssStart = process.memoryUsage().rss
const baseline = await rawBaseline(DURATION_MS)
const bench = await memoryBench(DURATION_MS)
const fmt = (n) => Math.round(n).toLocaleString('en-US')
console.log(`raw in-process baseline (1 KiB, array queue + HDR): ${fmt(baseline.perSecond)} msg/s  (e2e p99 ${baseline.p99Ms.toFixed(3)} ms)`)
console.log(`mqkit bench on memory:// (1 KiB, all measurements):  ${fmt(bench.perSecond)} msg/s consumed, ${fmt(bench.published)} msg/s published  (e2e p99 ${bench.p99Ms.toFixed(3)} ms, lost ${bench.lost})`)
console.log(`ratio bench/baseline: ${(bench.perSecond / baseline.perSecond).toFixed(3)}x  (target ≥ 0.7x)`)
console.log(`resident memory: ${(rssStart / 2 ** 20).toFixed(0)} MB at start, ${(bench.rssBytes / 2 ** 20).toFixed(0)} MB after the bench run`)
