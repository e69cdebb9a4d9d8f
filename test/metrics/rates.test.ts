import {describe, expect, it} from 'vitest'
import {littlesLaw, meanTimeInSystemMs, timeInQueueMs} from '../../src/metrics/littles-law.js'
import {QueueLengthSampler, timeWeightedMean} from '../../src/metrics/queue-length.js'
import {rate, ThroughputMeter} from '../../src/metrics/throughput.js'

describe('ThroughputMeter', () => {
  it('turns windows into rates and sums kept windows', () => {
    const m = new ThroughputMeter(1000)
    m.add(500, 500 * 1024)
    const w = m.closeWindow(1500)
    expect(w).toMatchObject({startMs: 0, endMs: 500, count: 500, perSecond: 1000, bytesPerSecond: 1024_000})
    m.add(7, 7)
    m.closeWindow(1600, false) // e.g. warmup: not kept
    m.add(300, 300)
    m.closeWindow(2100)
    expect(m.series).toHaveLength(2)
    expect(m.totals(1000)).toMatchObject({count: 800, perSecond: 800})
    expect(rate(10, 0)).toBe(0)
  })
})

describe('queue length', () => {
  it('weights each sample by how long it held', () => {
    // 0 for 1 s, 10 for 3 s → 7.5
    expect(
      timeWeightedMean(
        [
          {tMs: 0, length: 0},
          {tMs: 1000, length: 10},
        ],
        4000,
      ),
    ).toBe(7.5)
    expect(timeWeightedMean([{tMs: 0, length: 4}])).toBe(4)
    expect(timeWeightedMean([])).toBe(0)
  })

  it('samples a source until stopped and reports mean and max', async () => {
    let n = 0
    let t = 0
    const sampler = new QueueLengthSampler(
      async () => ++n,
      1,
      () => (t += 10),
    )
    sampler.start()
    while (sampler.series.length < 5) await new Promise((r) => setTimeout(r, 1))
    await sampler.stop()
    const count = sampler.series.length
    await new Promise((r) => setTimeout(r, 10))
    expect(sampler.series.length).toBe(count)
    expect(sampler.figures().max).toBe(count)
    expect(sampler.series[0]).toEqual({tMs: 10, length: 1})
  })

  it('counts sampling errors instead of throwing', async () => {
    const sampler = new QueueLengthSampler(
      async () => Promise.reject(new Error('x')),
      1,
      () => 0,
    )
    expect(await sampler.sampleOnce()).toBeUndefined()
    expect(sampler.errors).toBe(1)
  })
})

describe("Little's law", () => {
  it('computes λW and the relative error of L', () => {
    const f = littlesLaw(11, 2000, 5)
    expect(f.lambdaW).toBe(10)
    expect(f.relativeError).toBeCloseTo(0.1, 12)
    expect(littlesLaw(3, 0, 5).relativeError).toBeNull()
    // A W of nanoseconds (memory://: acks settle within a microtask) compares with nothing.
    expect(littlesLaw(0, 1_640_000, 0.000001).relativeError).toBeNull()
    expect(meanTimeInSystemMs(10, 2000)).toBe(5)
  })

  it('a queue sampled empty every time against λW below one message: the check cannot be made (null, shown "-")', () => {
    // λW = 0.153: the samples, whole messages at instants, cannot see a fraction of one.
    expect(littlesLaw(0, 1500, 0.102).relativeError).toBeNull()
    // Samples that saw messages are compared, however few were in the system.
    expect(littlesLaw(0.12, 1500, 0.1)).toMatchObject({lambdaW: 0.15, relativeError: expect.closeTo(-0.2, 9)})
    // At one message and above, an always-empty queue is a finding (the run's warnings explain it).
    expect(littlesLaw(0, 100, 10).relativeError).toBe(-1)
  })

  it('W is the time in the queue: send→ack minus send→confirm (the broker counts a message once it has it), never negative', () => {
    expect(timeInQueueMs(372.0, 175.6)).toBeCloseTo(196.4, 9)
    expect(timeInQueueMs(5, 0)).toBe(5) // memory:// confirms at once
    expect(timeInQueueMs(3, 4)).toBe(0) // delivered before its confirm came back
    expect(timeInQueueMs(0, 4)).toBe(0) // nothing consumed
  })
})
