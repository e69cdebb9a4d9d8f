// bench --shard I/N --shared-queues through the real CLI against the real brokers: four shard
// processes on ONE set of queues (one Kafka consumer group), merged by `mqkit report merge`,
// account for every message of the workload exactly once, and each shard's consumers received
// other shards' messages (the mode does what it says). A shard whose wall clock is shifted by a
// known amount shows latencies shifted by it, and the other shard counts negative readings.
// ALONE (vitest.config.ts): four processes starting together at --start-at on two cores.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it, onTestFinished} from 'vitest'
import {LatencyHistogram} from '../../src/metrics/histogram.js'
import type {BenchResult} from '../../src/results/document.js'
import {decodeReceipts} from '../../src/results/receipts.js'
import type {ShardMergedResult} from '../../src/results/shards.js'
import {AMQP_URL, amqpAvailable, KAFKA_URL, kafkaAvailable, uniqueName} from '../helpers/brokers.js'
import {runCli} from '../helpers/cli.js'

function tempFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-shared-'))
  onTestFinished(() => rmSync(folder, {recursive: true, force: true}))
  return folder
}

function popcount(bits: Uint8Array): number {
  let n = 0
  for (const byte of bits) for (let v = byte; v; v &= v - 1) n++
  return n
}

/** Distinct messages `result`'s shard received from each producer id. */
function receivedByProducer(result: BenchResult): Map<number, number> {
  const snapshot = decodeReceipts(result.receipts!)
  const counts = new Map<number, number>()
  snapshot.received.forEach((bits, id) => {
    if (bits) counts.set(id, popcount(bits))
  })
  return counts
}

const ownIds = (r: BenchResult) => Array.from({length: r.meta.shard!.producerIds.count}, (_, i) => r.meta.shard!.producerIds.first + i)

interface Shards {
  dir: string
  runId: string
  queue: string
  files: string[]
  shards: BenchResult[]
}

/** N shard processes of one --shared-queues run, started together; the queue deleted afterwards. */
async function runShards(
  url: string,
  n: number,
  startInMs: number,
  workload: string[],
  env: (index: number) => Record<string, string> = () => ({}),
): Promise<Shards> {
  const dir = tempFolder()
  const runId = uniqueName('shared').replace(/^mqkit-test-/, '')
  const queue = `mqkit-bench-${runId}`
  onTestFinished(async () => {
    await runCli(['delete', queue, '--url', url, '--if-exists'])
  })
  const startAt = String(Date.now() + startInMs)
  const runs = await Promise.all(
    Array.from({length: n}, (_, index) =>
      runCli(['bench', '--url', url, '--shard', `${index}/${n}`, '--run-id', runId, '--start-at', startAt, '--shared-queues', ...workload, '--json'], {
        timeoutMs: 120_000,
        env: env(index),
      }),
    ),
  )
  const files = runs.map((r, index) => {
    expect(r.code, `shard ${index}: ${r.stderr}`).toBe(0)
    // The queue is kept for the other shards, and the shard says how to delete it.
    expect(r.stderr).toContain(
      `mqkit: kept the shared queue ${queue} (other shards use it); after mqkit report merge, delete it with: mqkit delete ${queue} --url`,
    )
    const file = path.join(dir, `shard-${index}.json`)
    writeFileSync(file, r.stdout)
    return file
  })
  return {dir, runId, queue, files, shards: runs.map((r) => JSON.parse(r.stdout) as BenchResult)}
}

async function fourSharedShards(url: string, startInMs: number, extra: string[] = []): Promise<void> {
  const {dir, runId, queue, files, shards} = await runShards(url, 4, startInMs, [
    '--producers',
    '4',
    '--consumers',
    '4',
    '--count',
    '8002',
    '--quiet',
    ...extra,
  ])
  expect(shards.map((s) => s.meta.queues)).toEqual([0, 1, 2, 3].map(() => [queue]))
  expect(shards.map((s) => s.meta.shard?.sharedQueues)).toEqual([true, true, true, true])
  expect(shards.map((s) => s.latency.clock)).toEqual(['wall', 'wall', 'wall', 'wall'])
  expect(shards.map((s) => s.workload.count)).toEqual([2001, 2001, 2000, 2000])
  // The mode does what it says: every shard's consumer received messages of other shards' producers.
  for (const s of shards) {
    const own = new Set(ownIds(s))
    const fromOthers = [...receivedByProducer(s)].filter(([id]) => !own.has(id)).reduce((sum, [, count]) => sum + count, 0)
    expect(fromOthers, `shard ${s.meta.shard!.index} received from other shards`).toBeGreaterThan(0)
  }

  const merge = await runCli(['report', 'merge', ...files, '--json'])
  expect(merge.code, merge.stderr).toBe(0)
  const merged = JSON.parse(merge.stdout) as ShardMergedResult
  expect(merged.integrity).toMatchObject({sent: 8002, confirmed: 8002, received: 8002, unique: 8002, lost: 0, duplicates: 0, leftInQueue: 0, foreign: 0})
  expect(merged.integrity.lostUnknown).toBeUndefined()
  expect(merged.throughput.consumed.count).toBe(8002)
  expect(merged.latency.endToEnd.count).toBe(8002)
  expect(merged.latency.clock).toBe('wall')
  expect(merged.workload).toMatchObject({producers: 4, consumers: 4, queues: 1, count: 8002})
  const clockWarning = `run ${runId}: end-to-end latencies were taken on the hosts' wall clocks`
  expect(merged.health.warnings.some((w) => w.startsWith(clockWarning))).toBe(true)
  expect(merge.stderr).toContain(`mqkit: warning: ${clockWarning}`)

  // A shard missing: what it received would look lost, and the merge says lost is only an upper bound.
  const partial = await runCli(['report', 'merge', ...files.slice(0, 3), '--json'])
  expect(partial.code, partial.stderr).toBe(0)
  const partialResult = JSON.parse(partial.stdout) as ShardMergedResult
  expect(partialResult.integrity.lostUnknown).toContain('shard 3 of 4 missing')
  expect(partial.stderr).toContain('messages the missing shard received look lost, so lost is only an upper bound')
  const table = await runCli(['report', 'merge', ...files.slice(0, 3)])
  expect(table.stdout).toMatch(/≤ [\d,]+ \(unknown\)/)

  // An own-queue shard of the same run cannot be merged with shared-queue ones.
  const own = path.join(dir, 'own.json')
  const {receipts: _receipts, ...rest} = shards[3]
  const {sharedQueues: _shared, ...ownShard} = rest.meta.shard!
  writeFileSync(own, JSON.stringify({...rest, meta: {...rest.meta, shard: ownShard}}))
  const mixed = await runCli(['report', 'merge', ...files.slice(0, 3), own])
  expect(mixed.code).toBe(2)
  expect(mixed.stdout).toBe('')
  expect(mixed.stderr.trim().split('\n')).toHaveLength(1)
  expect(mixed.stderr).toContain(
    `cannot merge shards of run ${runId} that ran with --shared-queues (shard-0.json, shard-1.json, shard-2.json) and without it (own.json)`,
  )
}

describe.skipIf(!(await amqpAvailable()))('mqkit bench --shard --shared-queues on amqp://', () => {
  it('4 shard processes on one queue: merged sent = confirmed = unique = 8002, lost 0, duplicates 0, every shard consumed other shards’ messages', async () => {
    await fourSharedShards(AMQP_URL, 5000)
  }, 180_000)

  it("a shard whose clock runs 3 s ahead: the other's readings of its messages are negative (counted, recorded as 0), its readings of the other's are 3 s late", async () => {
    const SHIFT_MS = 3000
    const {shards} = await runShards(
      AMQP_URL,
      2,
      4000,
      ['--producers', '2', '--consumers', '2', '--prefetch', '1', '--rate', '200', '--count', '600', '--quiet'],
      (index) => (index === 1 ? {MQKIT_TEST_CLOCK_SHIFT_MS: String(SHIFT_MS)} : {}),
    )
    const [plain, shifted] = shards
    const plainFromShifted = receivedByProducer(plain).get(ownIds(shifted)[0]) ?? 0
    const shiftedFromPlain = receivedByProducer(shifted).get(ownIds(plain)[0]) ?? 0
    // Prefetch 1: the broker deals the one queue's messages out to both shards' consumers in turn
    // (with 100, a busy machine let one consumer take all but 11 of the other shard's 300).
    expect(plainFromShifted).toBeGreaterThan(20)
    expect(shiftedFromPlain).toBeGreaterThan(20)
    // Ground truth: every message from the shifted host reads negative (true latency ≪ 3 s), twice
    // in open loop (from the actual and from the intended send), and is recorded as 0.
    expect(plain.latency.negativeClockSamples).toBe(2 * plainFromShifted)
    expect(plain.latency.endToEnd.count).toBe(plain.integrity.received)
    expect(plain.latency.endToEnd.min).toBe(0)
    expect(plain.health.warnings.some((w) => w.includes(`${plain.latency.negativeClockSamples} readings were negative`))).toBe(true)
    // The shifted host reads the plain host's messages SHIFT_MS late, its own as they are: exactly
    // its receipts from the plain host sit at or above SHIFT_MS, and no further above it than the
    // broker's real latency.
    expect(shifted.latency.negativeClockSamples).toBe(0)
    const e2e = LatencyHistogram.decode(shifted.histograms.endToEnd)
    const total = shifted.latency.endToEnd.count
    const own = total - shiftedFromPlain
    expect(e2e.percentileMs(((own - 0.5) / total) * 100)).toBeLessThan(500)
    const firstShifted = e2e.percentileMs(((own + 0.5) / total) * 100)
    expect(firstShifted).toBeGreaterThanOrEqual(SHIFT_MS * 0.999)
    expect(shifted.latency.endToEnd.max - SHIFT_MS).toBeLessThan(500)
    expect(shifted.latency.endToEnd.max - SHIFT_MS).toBeGreaterThan(0)
  }, 120_000)
})

describe.skipIf(!(await kafkaAvailable()))('mqkit bench --shard --shared-queues on kafka://', () => {
  it('a shard that leaves the group early hands its partitions over at their committed offsets: the other shard reads on from there, not again from the start', async () => {
    // Shard 0 sends its 300 messages and gives up waiting after 1 s; shard 1 goes on for about
    // 6 s, and the group hands it shard 0's partitions, on which shard 0 has committed.
    const n = 2
    const dir = tempFolder()
    const runId = uniqueName('shared-leave').replace(/^mqkit-test-/, '')
    const queue = `mqkit-bench-${runId}`
    onTestFinished(async () => {
      await runCli(['delete', queue, '--url', KAFKA_URL, '--if-exists'])
    })
    const startAt = String(Date.now() + 12_000)
    const common = [
      '--url',
      KAFKA_URL,
      '--run-id',
      runId,
      '--start-at',
      startAt,
      '--shared-queues',
      '--partitions',
      '4',
      '--producers',
      '2',
      '--consumers',
      '2',
      '--rate',
      '500',
      '--json',
      '--quiet',
    ]
    const runs = await Promise.all([
      runCli(['bench', '--shard', `0/${n}`, ...common, '--count', '600', '--drain-timeout', '1s'], {timeoutMs: 120_000}),
      runCli(['bench', '--shard', `1/${n}`, ...common, '--count', '6000'], {timeoutMs: 120_000}),
    ])
    const files = runs.map((r, index) => {
      expect(r.code, `shard ${index}: ${r.stderr}`).toBe(0)
      const file = path.join(dir, `shard-${index}.json`)
      writeFileSync(file, r.stdout)
      return file
    })
    const [early, late] = runs.map((r) => JSON.parse(r.stdout) as BenchResult)
    expect(early.workload.count).toBe(300)
    expect(late.workload.count).toBe(3000)
    // The late shard received messages of the early one's producer after it had left.
    expect(receivedByProducer(late).get(ownIds(early)[0]) ?? 0).toBeGreaterThan(0)
    const merge = await runCli(['report', 'merge', ...files, '--force', '--json'])
    expect(merge.code, merge.stderr).toBe(0)
    const merged = JSON.parse(merge.stdout) as ShardMergedResult
    // What the early shard's final drain took while the late one still produced counts as left in queue.
    expect(merged.integrity).toMatchObject({sent: 3300, confirmed: 3300, lost: 0})
    expect(merged.integrity.unique + merged.integrity.leftInQueue).toBe(3300)
    // A rebalance may deliver again what was handed out and not yet committed (at most a prefetch
    // window per consumer); reading a partition again from its start would be hundreds more.
    expect(merged.integrity.duplicates).toBeLessThanOrEqual(2 * 100)
  }, 180_000)

  it('4 shard processes on one topic and one consumer group: merged sent = confirmed = unique = 8002, lost 0, duplicates 0, every shard consumed other shards’ messages', async () => {
    await fourSharedShards(KAFKA_URL, 12_000, ['--partitions', '4'])
  }, 240_000)
})
