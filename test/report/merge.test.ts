// Merging results of several load generators must be exact: HDR add, sums, union window.
import {describe, expect, it} from 'vitest'
import {UsageError} from '../../src/errors.js'
import {LatencyHistogram} from '../../src/metrics/histogram.js'
import {isMerged, mergeResults} from '../../src/results/merge.js'
import {fixture, histogramOf, OPEN_LOOP_FILE, resultWith} from './fixtures.js'

// Two distributions with different shapes, so a wrong merge (e.g. averaging percentiles) shows.
const A = Array.from({length: 5000}, (_, i) => 100 + ((i * 7919) % 900)) // 100..999 µs, uniform
const B = Array.from({length: 3000}, (_, i) => 2000 + ((i * i) % 50_000)) // 2..52 ms, long tail

describe('mergeResults', () => {
  const a = resultWith({valuesMicros: A, startedAt: '2026-01-01T00:00:00.000Z', elapsedMs: 1000, queues: ['q1']})
  const b = resultWith({valuesMicros: B, startedAt: '2026-01-01T00:00:00.500Z', elapsedMs: 1000, queues: ['q2']})

  it('merged percentiles equal those of one histogram that recorded every value', () => {
    const merged = mergeResults([a, b], ['a.json', 'b.json'])
    const all = histogramOf([...A, ...B]).summary()
    expect(merged.latency.endToEnd).toEqual(all)
    expect(merged.latency.publish).toEqual(all)
    expect(merged.handling).toEqual(all)
    // The merged encoded histogram decodes to the same figures (it can be merged again).
    expect(LatencyHistogram.decode(merged.histograms.endToEnd).summary()).toEqual(all)
    // Not what averaging the two p99s would give.
    expect(merged.latency.endToEnd.p99).not.toBeCloseTo((a.latency.endToEnd.p99 + b.latency.endToEnd.p99) / 2, 1)
  })

  it('sums counts and integrity, and takes throughput over the union of the windows', () => {
    const merged = mergeResults([a, b])
    expect(merged.throughput.published.count).toBe(8000)
    expect(merged.throughput.published.bytes).toBe(8000 * 1024)
    // a: 0–1000 ms, b: 500–1500 ms → union 1500 ms.
    expect(merged.throughput.published.elapsedMs).toBe(1500)
    expect(merged.throughput.published.perSecond).toBeCloseTo((8000 * 1000) / 1500, 9)
    expect(merged.throughput.consumed.perSecond).toBeCloseTo((8000 * 1000) / 1500, 9)
    expect(merged.integrity).toMatchObject({sent: 8000, received: 8000, lost: 2, duplicates: 4, outOfOrder: 6})
    expect(merged.workload.producers).toBe(a.workload.producers + b.workload.producers)
    expect(merged.meta.startedAt).toBe('2026-01-01T00:00:00.000Z')
    expect(merged.meta.queues).toEqual(['q1', 'q2'])
    expect(merged.health.warnings.filter((w) => w.includes('do not overlap'))).toEqual([])
  })

  it("weighs W and its ack→settled part by each source's consumed count (results saved without ackSettleMs count 0)", () => {
    const withW = (r: typeof a, wMs: number, ackSettleMs: number | undefined) => ({...r, littlesLaw: {...r.littlesLaw, wMs, ackSettleMs}})
    const merged = mergeResults([withW(a, 10, 4), withW(b, 2, undefined)])
    // a consumed 5000, b 3000.
    expect(merged.littlesLaw.wMs).toBeCloseTo((10 * 5000 + 2 * 3000) / 8000, 9)
    expect(merged.littlesLaw.ackSettleMs).toBeCloseTo((4 * 5000) / 8000, 9)
  })

  it('merging a merged result again stays exact', () => {
    const c = resultWith({valuesMicros: [7, 70, 700, 7000, 70_000], startedAt: '2026-01-01T00:00:00.200Z', elapsedMs: 900})
    const twice = mergeResults([mergeResults([a, b], ['a', 'b']), c], ['ab', 'c'])
    expect(twice.latency.endToEnd).toEqual(histogramOf([...A, ...B, 7, 70, 700, 7000, 70_000]).summary())
    expect(twice.throughput.published.count).toBe(8005)
    expect(twice.merged.sources.map((s) => s.label)).toEqual(['ab/a', 'ab/b', 'c'])
  })

  it('keeps queue-length series per source; sums distinct queues on the wall clock, averages a shared one', () => {
    const q1 = resultWith({
      valuesMicros: A,
      startedAt: '2026-01-01T00:00:00.000Z',
      elapsedMs: 1000,
      queues: ['q1'],
      queueSeries: [
        [100, 10],
        [200, 30],
        [300, 10],
      ],
    })
    // Starts 150 ms later: its 200 ms sample lands at 350 ms on the merged clock.
    const q2 = resultWith({
      valuesMicros: B,
      startedAt: '2026-01-01T00:00:00.150Z',
      elapsedMs: 1000,
      queues: ['q2'],
      queueSeries: [
        [0, 5],
        [100, 40],
        [200, 0],
      ],
    })
    const distinct = mergeResults([q1, q2])
    expect(isMerged(distinct)).toBe(true)
    expect(distinct.merged.sources.map((s) => s.queueLength.series)).toEqual([q1.queueLength.series, q2.queueLength.series])
    expect(distinct.merged.sources[1].offsetMs).toBe(150)
    expect(distinct.queueLength.mean).toBeCloseTo(q1.queueLength.mean + q2.queueLength.mean, 9)
    // t=200: 30 + 5 (q2 sampled 5 at 150) = 35; t=250: 30 + 40 = 70; t=300: 10 + 40 = 50.
    expect(distinct.queueLength.max).toBe(70)

    const shared = mergeResults([q1, {...q2, meta: {...q2.meta, queues: ['q1']}}])
    expect(shared.queueLength.max).toBe(40)
    expect(shared.queueLength.mean).toBeCloseTo((q1.queueLength.mean * 3 + q2.queueLength.mean * 3) / 6, 9)
  })

  it('warns when the generators did not run at the same time', () => {
    const late = resultWith({valuesMicros: B, startedAt: '2026-01-01T00:00:05.000Z', elapsedMs: 1000})
    expect(mergeResults([a, late], ['a', 'late']).health.warnings).toContain(
      'the measured windows of a, late do not overlap: merged throughput is over their union, idle gaps included',
    )
  })

  it('refuses other backends, schema versions and loop modes with a usage error', () => {
    const kafka = {...b, meta: {...b.meta, backend: 'kafka'}}
    expect(() => mergeResults([a, kafka], ['a.json', 'k.json'])).toThrow(UsageError)
    expect(() => mergeResults([a, kafka], ['a.json', 'k.json'])).toThrow('cannot merge k.json (backend kafka) with a.json (backend memory)')
    const v2 = {...b, schemaVersion: 2} as unknown as typeof b
    expect(() => mergeResults([a, v2], ['a.json', 'v2.json'])).toThrow(/cannot merge v2\.json \(schema mqkit-bench-result v2\)/)
    expect(() => mergeResults([a, fixture(OPEN_LOOP_FILE)], ['a', 'o'])).toThrow(/open-loop/)
    // Without labels too, and as a usage error: exit 2.
    expect(() => mergeResults([a, kafka])).toThrow(expect.objectContaining({exitCode: 2, message: expect.stringContaining('backend kafka')}))
  })

  it('merges open-loop results with their corrected latencies and summed target rate', () => {
    const o = fixture(OPEN_LOOP_FILE)
    const merged = mergeResults([o, o])
    expect(merged.latency.endToEndCorrected?.count).toBe(2 * o.latency.endToEndCorrected!.count)
    expect(merged.latency.endToEndCorrected?.p99).toBe(o.latency.endToEndCorrected!.p99)
    expect(merged.throughput.targetPerSecond).toBe(2 * o.throughput.targetPerSecond!)
    expect(merged.workload.rate).toEqual([{perSecond: 2 * o.workload.rate![0].perSecond}])
  })
})
