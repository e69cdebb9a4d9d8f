// Shared bits of the broker perf scripts (amqp-perf.mjs, kafka-perf.mjs): loading mqkit's built
// bench from dist/ (or PERF_DIST, to compare two builds), rounds, medians and the printed lines.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
/** dist/ of this checkout, or PERF_DIST (another build of mqkit, for before/after figures). */
export const DIST = path.resolve(process.env.PERF_DIST ?? path.join(here, '..', 'dist'))

export async function loadBench() {
  const {BenchRunner} = await import(pathToFileURL(path.join(DIST, 'bench', 'runner.js')).href)
  const {defaultBenchOptions} = await import(pathToFileURL(path.join(DIST, 'bench', 'options.js')).href)
  return {BenchRunner, defaultBenchOptions}
}

export function mqkitVersion() {
  return JSON.parse(readFileSync(path.join(here, '..', 'package.json'), 'utf8')).version
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

export const fmt = (n) => Math.round(n).toLocaleString('en-US')

/** "min–max" spread of ratios, to show the noise beside the median. */
export function spread(values) {
  return `${Math.min(...values).toFixed(3)}–${Math.max(...values).toFixed(3)}`
}

export function intArg(index, fallback) {
  const raw = process.argv[index]
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1) {
    console.error(`expected a positive integer, got "${raw}"`)
    process.exit(2)
  }
  return value
}

/** Counts receipts; `finished` resolves at the `count`-th, whose time `at()` gives (process.hrtime.bigint()). */
export function receipts(count) {
  let received = 0
  let lastNs = 0n
  let done
  const finished = new Promise((resolve) => (done = resolve))
  return {
    finished,
    at: () => lastNs,
    one() {
      if (++received === count) {
        lastNs = process.hrtime.bigint()
        done()
      }
    },
  }
}

/**
 * The closed publish loop of the hand-written contenders: `count` calls of publishOne(confirmed),
 * at most `window` unconfirmed; publishOne may return a promise to wait for (a full socket buffer).
 * Resolves once all are sent; the caller waits for the last confirms (or receipts) itself.
 */
export async function publishWindowed(count, window, publishOne) {
  let outstanding = 0
  let wake
  const confirmed = () => {
    outstanding--
    if (wake) {
      const w = wake
      wake = undefined
      w()
    }
  }
  for (let i = 0; i < count; i++) {
    while (outstanding >= window) await new Promise((resolve) => (wake = resolve))
    outstanding++
    const full = publishOne(confirmed)
    if (full) await full
  }
}

/** Seconds between two process.hrtime.bigint() readings. */
export const seconds = (fromNs, toNs) => Number(toNs - fromNs) / 1e9

/** Machine load, printed with the figures: on a 2-core machine shared with test runs it matters. */
export async function loadAverage() {
  const os = await import('node:os')
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')
}

/**
 * Runs every job once per round, rotating the order each round so no contender always runs first
 * (JIT, page cache, broker GC), and records msg/s and this process's CPU µs per message (set-up
 * included: less sensitive to machine load than msg/s). `noCpu` names jobs that run in another
 * process (their CPU is not ours to count). Prints one line per round.
 */
export async function runRounds(jobs, {rounds, count, unit, noCpu = []}) {
  const results = Object.fromEntries(jobs.map(([name]) => [name, []]))
  const cpuPerMessage = Object.fromEntries(jobs.map(([name]) => [name, []]))
  for (let round = 0; round < rounds; round++) {
    const order = jobs.map((_, i) => jobs[(i + round) % jobs.length])
    for (const [name, job] of order) {
      const cpuBefore = process.cpuUsage()
      results[name].push(await job())
      const cpu = process.cpuUsage(cpuBefore)
      cpuPerMessage[name].push((cpu.user + cpu.system) / count)
    }
    const cpu = (name) => (noCpu.includes(name) ? '' : ` (${cpuPerMessage[name][round].toFixed(1)})`)
    const line = jobs.map(([name]) => `${name} ${fmt(results[name][round])}${cpu(name)}`).join(' | ')
    console.log(`round ${round + 1} (load ${await loadAverage()}): ${line}  ${unit} (this process's CPU µs/msg)`)
  }
  return {results, cpuPerMessage}
}

/**
 * `withTopic(label, work)` for a kafkajs admin: a fresh one-partition topic per round (so no round
 * reads another's records), deleted afterwards.
 */
export function topicsOf(admin) {
  let serial = 0
  return async (label, work) => {
    const topic = `mqkit-perf-${label}-${process.pid}-${serial++}`
    await admin.createTopics({topics: [{topic, numPartitions: 1}], waitForLeaders: true})
    try {
      return await work(topic)
    } finally {
      await admin.deleteTopics({topics: [topic]}).catch(() => {})
    }
  }
}
