// npm run perf — prints, never asserts. Needs `npm run build` first. In ONE process:
//  1. rounds of (raw baseline, bench) pairs, so both see the same machine load; the ratio of each
//     pair and the median ratio are printed. The raw baseline does the work every bench message
//     needs, with the same primitives, and nothing else: take a 1 KiB body (PayloadSource), stamp
//     it (writeStamp, monotonic ns clock), push it on a plain array queue; shift it, read the
//     clock, record the latency in an HDR histogram (LatencyHistogram). The bench run adds the
//     driver contract, the memory:// broker, confirms, acks and all measurements (publish,
//     end-to-end and handling histograms, integrity bitsets, queue-length sampling, ticks).
//     A naive baseline (per-message allocUnsafe + copy, BigInt stamp: the first perf script's) is
//     printed beside it for comparison with earlier figures; the target is judged on the fair one.
//  2. bench on the durable local store (file: in a temp folder, 1 KiB, window 1000, prefetch 1000):
//     publish and consume msg/s, against memory:// in the same run.
//  3. a long run on memory:// (PERF_RSS_COUNT messages, default 10 million) with resident memory
//     sampled every 250 ms: it must stay flat (nothing kept per message) and under 200 MB.
// Env: PERF_LOCAL_COUNT (local-store messages, default 100000; 0 skips),
//      PERF_DURATION_MS (per measurement, default 3000), PERF_ROUNDS (default 3),
//      PERF_RSS_COUNT (0 skips the long run).
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {nowNs} from '../dist/bench/clock.js'
import {defaultBenchOptions} from '../dist/bench/options.js'
import {PayloadSource} from '../dist/bench/payload.js'
import {BenchRunner} from '../dist/bench/runner.js'
import {stampActualNs, writeStamp} from '../dist/bench/stamp.js'
import {LatencyHistogram} from '../dist/metrics/histogram.js'

const SIZE = 1024
const DURATION_MS = Number(process.env.PERF_DURATION_MS ?? 3000)
const ROUNDS = Number(process.env.PERF_ROUNDS ?? 3)
const RSS_COUNT = Number(process.env.PERF_RSS_COUNT ?? 10_000_000)
/** Produced before consuming, like the bench's default confirm window. */
const BATCH = 1000

async function rawBaseline(durationMs) {
  const queue = []
  let head = 0
  const histogram = new LatencyHistogram()
  const payload = PayloadSource.random(SIZE, SIZE)
  let sequence = 0
  let consumed = 0
  const start = nowNs()
  const end = start + durationMs * 1e6
  let now = start
  let lastYield = start
  while (now < end) {
    for (let i = 0; i < BATCH; i++) {
      const body = payload.next()
      writeStamp(body, 0, sequence++, 0, nowNs(), 0)
      queue.push(body)
    }
    while (head < queue.length) {
      const body = queue[head]
      queue[head++] = undefined
      histogram.recordNanos(nowNs() - stampActualNs(body))
      consumed++
    }
    queue.length = 0
    head = 0
    now = nowNs()
    // Yield as the bench's producer does (every 1 ms), so timers and GC bookkeeping run alike.
    if (now - lastYield > 1e6) {
      await new Promise((r) => setImmediate(r))
      lastYield = now = nowNs()
    }
  }
  const elapsedMs = (now - start) / 1e6
  return {perSecond: (consumed * 1000) / elapsedMs, p99Ms: histogram.summary().p99}
}

/** For comparison with earlier figures only: the same loop written naively (a Buffer.allocUnsafe
 *  and a 1 KiB template copy per message, a BigInt stamp), as the first perf script did. */
async function naiveBaseline(durationMs) {
  const queue = []
  let head = 0
  const histogram = new LatencyHistogram()
  const template = Buffer.alloc(SIZE, 7)
  let consumed = 0
  const start = process.hrtime.bigint()
  const end = start + BigInt(durationMs) * 1_000_000n
  let now = start
  while (now < end) {
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
  return {perSecond: (consumed * 1e9) / Number(now - start)}
}

async function memoryBench(overrides, url = 'memory://') {
  const runner = new BenchRunner(defaultBenchOptions({sizeBytes: SIZE, maxSizeBytes: SIZE, ...overrides}), {
    url,
    clientName: 'mqkit perf',
    mqkitVersion: 'perf',
  })
  return runner.run()
}

const fmt = (n) => Math.round(n).toLocaleString('en-US')
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MB`
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

await rawBaseline(300) // JIT warm-up of the shared primitives
const ratios = []
const naiveRatios = []
for (let round = 1; round <= ROUNDS; round++) {
  const naive = await naiveBaseline(DURATION_MS)
  const baseline = await rawBaseline(DURATION_MS)
  const result = await memoryBench({durationMs: DURATION_MS, warmupMs: 500})
  const bench = result.throughput.consumed.perSecond
  ratios.push(bench / baseline.perSecond)
  naiveRatios.push(bench / naive.perSecond)
  console.log(
    `round ${round}: raw baseline ${fmt(baseline.perSecond)} msg/s (p99 ${baseline.p99Ms.toFixed(3)} ms) | ` +
      `bench memory:// ${fmt(bench)} msg/s consumed, ${fmt(result.throughput.published.perSecond)} published ` +
      `(e2e p99 ${result.latency.endToEnd.p99.toFixed(3)} ms, lost ${result.integrity.lost}, cpu ${result.health.cpuPercent.toFixed(0)} %) | ` +
      `ratio ${(bench / baseline.perSecond).toFixed(3)}x | naive baseline ${fmt(naive.perSecond)} msg/s, ratio ${(bench / naive.perSecond).toFixed(3)}x`,
  )
}
console.log(`median ratio bench/baseline over ${ROUNDS} rounds: ${median(ratios).toFixed(3)}x  (target ≥ 0.7x; each pair ran back to back under the same load)`)
console.log(`median ratio bench/naive baseline (information only): ${median(naiveRatios).toFixed(3)}x`)

const LOCAL_COUNT = Number(process.env.PERF_LOCAL_COUNT ?? 100_000)
if (LOCAL_COUNT > 0) {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-perf-'))
  const workload = {count: LOCAL_COUNT, confirmWindow: 1000, prefetch: 1000}
  try {
    const local = await memoryBench(workload, `file:${path.join(folder, 'bench.db')}`)
    const memory = await memoryBench(workload)
    console.log(
      `local store file: ${fmt(LOCAL_COUNT)} × 1 KiB: published ${fmt(local.throughput.published.perSecond)} msg/s, ` +
        `consumed ${fmt(local.throughput.consumed.perSecond)} msg/s (e2e p99 ${local.latency.endToEnd.p99.toFixed(1)} ms, ` +
        `lost ${local.integrity.lost}, duplicates ${local.integrity.duplicates}) | memory:// same workload ` +
        `${fmt(memory.throughput.consumed.perSecond)} msg/s | ratio ${(local.throughput.consumed.perSecond / memory.throughput.consumed.perSecond).toFixed(3)}x`,
    )
  } finally {
    rmSync(folder, {recursive: true, force: true})
  }
}

if (RSS_COUNT > 0) {
  const samples = []
  const sampler = setInterval(() => samples.push(process.memoryUsage().rss), 250)
  const result = await memoryBench({count: RSS_COUNT})
  clearInterval(sampler)
  const tail = samples.slice(Math.floor(samples.length / 2))
  console.log(
    `${fmt(RSS_COUNT)} messages on memory://: ${fmt(result.throughput.consumed.perSecond)} msg/s, lost ${result.integrity.lost}; ` +
      `RSS max ${mb(Math.max(...samples))}, first-half max ${mb(Math.max(...samples.slice(0, Math.floor(samples.length / 2))))}, ` +
      `second-half max ${mb(Math.max(...tail))}, min ${mb(Math.min(...tail))} (${samples.length} samples; target flat, < 200 MB)`,
  )
}
