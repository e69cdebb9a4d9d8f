// bench --shard I/N through the real CLI: four shard processes started with one --start-at against
// the real brokers, merged with `mqkit report merge`, account for the same messages as one process
// running the whole workload; a retried shard gets producer ids of its own; merge refuses files of
// two runs and warns about a missing shard.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it, onTestFinished} from 'vitest'
import type {BenchResult} from '../../src/results/document.js'
import type {ShardMergedResult} from '../../src/results/shards.js'
import {AMQP_URL, amqpAvailable, KAFKA_URL, kafkaAvailable, uniqueName} from '../helpers/brokers.js'
import {runCli} from '../helpers/cli.js'
import {fixture, OPEN_LOOP_FILE} from '../report/fixtures.js'

function tempFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-shards-'))
  onTestFinished(() => rmSync(folder, {recursive: true, force: true}))
  return folder
}

/** Integrity as one process's accounting states it (what a merge must reproduce). */
const accounting = (r: BenchResult) => {
  const {sent, confirmed, publishErrors, received, unique, duplicates, outOfOrder, lost, leftInQueue, foreign} = r.integrity
  return {
    published: r.throughput.published.count,
    consumed: r.throughput.consumed.count,
    sent,
    confirmed,
    publishErrors,
    received,
    unique,
    duplicates,
    outOfOrder,
    lost,
    leftInQueue,
    foreign,
  }
}

describe('mqkit report merge (shard files)', () => {
  const folder = () => {
    const dir = tempFolder()
    const base = fixture(OPEN_LOOP_FILE)
    const write = (name: string, index: number, runId = 'run-a') => {
      const file = path.join(dir, name)
      const shard = {runId, index, count: 3, attempt: 0, startAt: 1_777_636_800_000, firstSendAt: 1_777_636_800_004, producerIds: {first: index, count: 1}}
      writeFileSync(file, JSON.stringify({...base, meta: {...base.meta, shard}}))
      return file
    }
    return {write}
  }

  it('refuses files of two runs: one line, exit 2, nothing on stdout', async () => {
    const {write} = folder()
    const r = await runCli(['report', 'merge', write('a.json', 0), write('b.json', 1, 'run-b')])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('cannot merge shards of different runs: run run-a (a.json), run run-b (b.json)')
  })

  it('warns about a missing shard on stderr and in health.warnings, and merges the rest (exit 0)', async () => {
    const {write} = folder()
    const r = await runCli(['report', 'merge', write('s0.json', 0), write('s2.json', 2), '--json'])
    expect(r.code, r.stderr).toBe(0)
    const warning = "run run-a: shard 1 of 3 missing (indexes from 0): the merged result covers 2 of 3 shards' workload"
    expect(r.stderr).toContain(`mqkit: warning: ${warning}`)
    const merged = JSON.parse(r.stdout) as ShardMergedResult
    expect(merged.health.warnings).toContain(warning)
    expect(merged.merged.shards).toMatchObject({runId: 'run-a', count: 3, missing: [1], startSkewMs: 0})
    // Plain `mqkit report FILE...` merges shard files the same way.
    const plain = await runCli(['report', write('t0.json', 0), write('t1.json', 1)])
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stderr).toContain('shard 2 of 3 missing')
    expect(plain.stdout).toContain('shards: run run-a, 2 of 3 merged, start skew 0')
  })
})

/**
 * Four shards as separate processes, one of them given its index as a Kubernetes Indexed Job does
 * (JOB_COMPLETION_INDEX with --shards), all with one --start-at; one process running the whole
 * workload for comparison; then shard 1 again as attempt 1.
 */
async function shardedAgainstOneProcess(url: string, startInMs: number, extra: string[] = []): Promise<void> {
  const dir = tempFolder()
  const runId = uniqueName('shards').replace(/^mqkit-test-/, '')
  const workload = ['--producers', '4', '--consumers', '4', '--count', '8002', ...extra]
  const single = await runCli(['bench', '--url', url, ...workload, '--queue', uniqueName('shards-single'), '--json', '--quiet'], {timeoutMs: 60_000})
  expect(single.code, single.stderr).toBe(0)
  const whole = JSON.parse(single.stdout) as BenchResult

  const startAt = String(Date.now() + startInMs)
  const shardArgs = (index: number) => (index === 3 ? ['--shards', '4'] : ['--shard', `${index}/4`])
  const runs = await Promise.all(
    [0, 1, 2, 3].map((index) =>
      runCli(['bench', '--url', url, ...shardArgs(index), '--run-id', runId, '--start-at', startAt, ...workload, '--json', '--quiet'], {
        timeoutMs: 90_000,
        env: index === 3 ? {JOB_COMPLETION_INDEX: '3'} : {},
      }),
    ),
  )
  const files = runs.map((r, index) => {
    expect(r.code, `shard ${index}: ${r.stderr}`).toBe(0)
    const file = path.join(dir, `shard-${index}.json`)
    writeFileSync(file, r.stdout)
    return file
  })
  const shards = runs.map((r) => JSON.parse(r.stdout) as BenchResult)
  expect(shards.map((s) => s.meta.shard?.index)).toEqual([0, 1, 2, 3])
  expect(shards.map((s) => s.meta.queues)).toEqual([0, 1, 2, 3].map((i) => [`mqkit-bench-${runId}-s${i}`]))
  expect(shards.map((s) => s.workload.count)).toEqual([2001, 2001, 2000, 2000])

  const merge = await runCli(['report', 'merge', ...files, '--json'])
  expect(merge.code, merge.stderr).toBe(0)
  const merged = JSON.parse(merge.stdout) as ShardMergedResult
  expect(accounting(merged)).toEqual(accounting(whole))
  expect(accounting(merged)).toMatchObject({published: 8002, consumed: 8002, lost: 0, duplicates: 0})
  expect(merged.workload).toMatchObject({producers: 4, consumers: 4, queues: 4, count: 8002})
  expect(merged.latency.endToEnd.count).toBe(8002)
  // Started together: the skew between the shards' first sends is reported, and small.
  expect(merged.merged.shards.missing).toEqual([])
  expect(merged.merged.shards.startSkewMs).not.toBeNull()
  expect(merged.merged.shards.startSkewMs!).toBeLessThan(50)
  expect(merged.merged.shards.shards.every((s) => s.lateMs !== null && s.lateMs >= 0)).toBe(true)

  // Shard 1 retried (attempt 1): producer ids that no first attempt used.
  const retry = await runCli(['bench', '--url', url, '--shard', '1/4', '--run-id', runId, '--attempt', '1', ...workload, '--json', '--quiet'], {
    timeoutMs: 60_000,
  })
  expect(retry.code, retry.stderr).toBe(0)
  const retried = (JSON.parse(retry.stdout) as BenchResult).meta.shard!
  const idsOf = (ids: {first: number; count: number}) => Array.from({length: ids.count}, (_, i) => ids.first + i)
  const firstAttempt = shards.flatMap((s) => idsOf(s.meta.shard!.producerIds))
  expect(new Set(firstAttempt).size).toBe(4)
  expect(idsOf(retried.producerIds).filter((id) => firstAttempt.includes(id))).toEqual([])
  expect(retried).toMatchObject({index: 1, attempt: 1})
}

describe.skipIf(!(await amqpAvailable()))('mqkit bench --shard on amqp://', () => {
  it('4 shard processes merge to the accounting of one process, start skew under 50 ms; a retry has distinct producer ids', async () => {
    await shardedAgainstOneProcess(AMQP_URL, 5000)
  }, 180_000)
})

describe.skipIf(!(await kafkaAvailable()))('mqkit bench --shard on kafka://', () => {
  it('4 shard processes (a topic each) merge to the accounting of one process, start skew under 50 ms', async () => {
    await shardedAgainstOneProcess(KAFKA_URL, 10_000)
  }, 240_000)
})
