// Merging one sharded run's files: exact (a recorded run's samples split over N shard files merge
// back to the very same histogram buckets), one run id only, and the merged result says which
// shards are missing or repeated and how far apart they started.
import * as hdr from 'hdr-histogram-js'
import {describe, expect, it} from 'vitest'
import {LATENCY_KINDS} from '../../src/bench/measurements.js'
import {shares} from '../../src/bench/shard.js'
import {UsageError} from '../../src/errors.js'
import type {EncodedHistogram} from '../../src/metrics/histogram.js'
import type {BenchResult, ShardMeta} from '../../src/results/document.js'
import {mergeRunResults, mergeShardResults, SHARD_LATE_MS} from '../../src/results/shards.js'
import {fixture, OPEN_LOOP_FILE} from '../report/fixtures.js'

type Decoded = {countsArrayLength: number; getCountAtIndex(i: number): number; valueFromIndex(i: number): number; totalCount: number}

/** Every non-empty bucket of an encoded histogram: [its lowest value (µs), count], in order. */
function buckets(encoded: EncodedHistogram): Array<[number, number]> {
  const h = hdr.decodeFromCompressedBase64(encoded.hdr, 64, false) as unknown as Decoded
  const out: Array<[number, number]> = []
  for (let i = 0; i < h.countsArrayLength; i++) if (h.getCountAtIndex(i) > 0) out.push([h.valueFromIndex(i), h.getCountAtIndex(i)])
  return out
}

/** Split a histogram's samples over `n` parts: each bucket's count dealt out, starting at a different part per bucket. */
function splitHistogram(encoded: EncodedHistogram, n: number): EncodedHistogram[] {
  const parts = Array.from({length: n}, () =>
    hdr.build({
      bitBucketSize: 64,
      autoResize: true,
      lowestDiscernibleValue: 1,
      highestTrackableValue: 10_000_000,
      numberOfSignificantValueDigits: 3,
      useWebAssembly: false,
    }),
  )
  const total = buckets(encoded).reduce((s, [, c]) => s + c, 0)
  const sums = Array<number>(n).fill(0)
  buckets(encoded).forEach(([value, count], b) => {
    shares(count, n).forEach((share, k) => {
      const part = (k + b) % n
      if (share > 0) parts[part].recordValueWithCount(value, share)
      sums[part] += (encoded.sumMicros * share) / total
    })
  })
  return parts.map((h, k) => ({
    unit: 'micros',
    sumMicros: sums[k],
    minMicros: encoded.minMicros,
    maxMicros: encoded.maxMicros,
    hdr: hdr.encodeIntoCompressedBase64(h),
  }))
}

const RUN = 'nightly-42'
const START_AT = Date.parse('2026-05-01T12:00:00Z')

function shardOf(base: BenchResult, meta: Partial<ShardMeta> & {index: number}, count = 4): BenchResult {
  const shard: ShardMeta = {runId: RUN, count, attempt: 0, startAt: START_AT, firstSendAt: START_AT + 3, producerIds: {first: meta.index, count: 1}, ...meta}
  return {...base, meta: {...base.meta, shard, queues: [`q-s${meta.index}`]}}
}

/** The recorded run split into `n` shard results: histograms, counts and integrity dealt out. */
function splitRun(run: BenchResult, n: number): BenchResult[] {
  const histograms = Object.fromEntries(LATENCY_KINDS.map((kind) => [kind, splitHistogram(run.histograms[kind], n)]))
  const deal = (value: number) => shares(value, n)
  return Array.from({length: n}, (_, i) => {
    const integrity = Object.fromEntries(Object.entries(run.integrity).map(([key, value]) => [key, deal(value)[i]])) as unknown as BenchResult['integrity']
    const published = {...run.throughput.published, count: deal(run.throughput.published.count)[i], bytes: deal(run.throughput.published.bytes)[i]}
    const consumed = {...run.throughput.consumed, count: deal(run.throughput.consumed.count)[i], bytes: deal(run.throughput.consumed.bytes)[i]}
    const part: BenchResult = {
      ...run,
      histograms: Object.fromEntries(LATENCY_KINDS.map((kind) => [kind, histograms[kind][i]])) as BenchResult['histograms'],
      integrity,
      throughput: {...run.throughput, published, consumed, targetPerSecond: run.throughput.targetPerSecond! / n},
      workload: {...run.workload, rate: run.workload.rate!.map((s) => ({...s, perSecond: s.perSecond / n}))},
    }
    return shardOf(part, {index: i}, n)
  })
}

describe('mergeShardResults', () => {
  const run = fixture(OPEN_LOOP_FILE)

  it("a recorded run's samples split into N shard files merge back bit-identical: every histogram bucket, every count", () => {
    for (const n of [2, 4, 7]) {
      const parts = splitRun(run, n)
      // Each part really is a part (not a copy of the whole).
      const totals = parts.map((p) => buckets(p.histograms.endToEnd).reduce((s, [, c]) => s + c, 0))
      expect(totals.every((t) => t < run.latency.endToEnd.count)).toBe(true)
      expect(totals.reduce((a, b) => a + b, 0)).toBe(run.latency.endToEnd.count)
      const merged = mergeShardResults(
        parts,
        parts.map((_, i) => `shard-${i}.json`),
      )
      for (const kind of LATENCY_KINDS) expect(buckets(merged.histograms[kind]), `${kind}, ${n} shards`).toEqual(buckets(run.histograms[kind]))
      const {mean: _m, stdev: _s, ...percentiles} = merged.latency.endToEndCorrected!
      const {mean: _m2, stdev: _s2, ...original} = run.latency.endToEndCorrected!
      expect(percentiles).toEqual(original)
      expect(merged.latency.endToEnd.count).toBe(run.latency.endToEnd.count)
      expect(merged.integrity).toEqual(run.integrity)
      expect(merged.throughput.published.count).toBe(run.throughput.published.count)
      expect(merged.workload.rate![0].perSecond).toBeCloseTo(run.workload.rate![0].perSecond, 9)
      expect(merged.merged.shards).toMatchObject({runId: RUN, count: n, missing: [], duplicated: [], startSkewMs: 0})
      expect(merged.health.warnings.filter((w) => w.includes(`run ${RUN}`))).toEqual([])
    }
  })

  it('refuses files of different run ids in one line (a usage error: exit 2), and a file that is no shard', () => {
    const [a, b] = splitRun(run, 2)
    const other = {...b, meta: {...b.meta, shard: {...b.meta.shard!, runId: 'other-run'}}}
    expect(() => mergeShardResults([a, other], ['a.json', 'b.json'])).toThrow(UsageError)
    expect(() => mergeShardResults([a, other], ['a.json', 'b.json'])).toThrow(
      /^cannot merge shards of different runs: run nightly-42 \(a\.json\), run other-run \(b\.json\)$/,
    )
    // mergeRunResults (what report and report merge call) refuses the same way.
    expect(() => mergeRunResults([a, other], ['a.json', 'b.json'])).toThrow('cannot merge shards of different runs')
    const plain = {...b, meta: {...b.meta, shard: undefined}}
    expect(() => mergeRunResults([a, plain], ['a.json', 'b.json'])).toThrow(
      "b.json is not a shard's result (no meta.shard; written by mqkit bench --shard I/N --json): merge shards of one run only",
    )
    const resplit = {...b, meta: {...b.meta, shard: {...b.meta.shard!, count: 3}}}
    expect(() => mergeShardResults([a, resplit], ['a.json', 'b.json'])).toThrow(
      'cannot merge shards of run nightly-42 split different ways: 2 shards (a.json), 3 shards (b.json)',
    )
  })

  it('warns about a missing shard, and merges what is there', () => {
    const parts = splitRun(run, 4)
    const merged = mergeShardResults([parts[0], parts[1], parts[3]], ['s0', 's1', 's3'])
    expect(merged.merged.shards.missing).toEqual([2])
    expect(merged.health.warnings).toContain("run nightly-42: shard 2 of 4 missing (indexes from 0): the merged result covers 3 of 4 shards' workload")
    expect(merged.throughput.published.count).toBe(run.throughput.published.count - parts[2].throughput.published.count)
  })

  it('a shard given twice: the latest attempt is kept, the other left out and named', () => {
    const parts = splitRun(run, 2)
    const retry = {...parts[1], meta: {...parts[1].meta, shard: {...parts[1].meta.shard!, attempt: 1, producerIds: {first: 3, count: 1}}}}
    const merged = mergeShardResults([parts[0], retry, parts[1]], ['s0', 's1-retry', 's1'])
    expect(merged.merged.shards.duplicated).toEqual([{index: 1, kept: 's1-retry', dropped: ['s1']}])
    expect(merged.merged.shards.shards.map((s) => [s.index, s.attempt, s.label])).toEqual([
      [0, 0, 's0'],
      [1, 1, 's1-retry'],
    ])
    expect(merged.health.warnings).toContain('run nightly-42: shard 1 given more than once: kept s1-retry (its latest attempt), left out s1')
    expect(merged.throughput.published.count).toBe(run.throughput.published.count)
  })

  it('measures start skew from the first sends, and names a shard that started late', () => {
    const parts = splitRun(run, 3)
    const at = (r: BenchResult, firstSendAt: number | null) => ({...r, meta: {...r.meta, shard: {...r.meta.shard!, firstSendAt}}})
    const merged = mergeShardResults([at(parts[0], START_AT + 2), at(parts[1], START_AT + 14.5), at(parts[2], START_AT + SHARD_LATE_MS + 250)], ['a', 'b', 'c'])
    expect(merged.merged.shards.startSkewMs).toBe(SHARD_LATE_MS + 248)
    expect(merged.merged.shards.shards.map((s) => s.lateMs)).toEqual([2, 14.5, SHARD_LATE_MS + 250])
    expect(merged.health.warnings).toContain(
      `run nightly-42: shard 2 started ${SHARD_LATE_MS + 250} ms after --start-at: the shards did not all load the broker together`,
    )
  })
})
