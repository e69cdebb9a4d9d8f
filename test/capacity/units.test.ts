import {describe, expect, it} from 'vitest'
import {backlogSlopePerSecond} from '../../src/capacity/slope.js'
import {findKnee, parseSweep, resolveSweep} from '../../src/capacity/sweep.js'
import {capacityPlanFromFlags} from '../../src/capacity/flags.js'
import {benchFlags, type GivenFlags} from '../helpers/bench-flags.js'
import {defaultBenchOptions} from '../../src/bench/options.js'
import {UsageError} from '../../src/errors.js'
import type {CurvePoint} from '../../src/results/capacity.js'

describe('backlogSlopePerSecond', () => {
  it('a queue growing 50 messages a second has slope 50/s; a flat one 0; outside the window ignored', () => {
    const growing = Array.from({length: 21}, (_, i) => [i * 100, 10 + i * 5] as const)
    expect(backlogSlopePerSecond(growing, 0, 2000)).toBeCloseTo(50, 6)
    const flat = Array.from({length: 21}, (_, i) => [i * 100, i % 2 === 0 ? 4 : 6] as const)
    expect(Math.abs(backlogSlopePerSecond(flat, 0, 2000)!)).toBeLessThan(0.6)
    const rampThenFlat = [
      ...Array.from({length: 10}, (_, i) => [i * 100, i * 100] as const),
      ...Array.from({length: 10}, (_, i) => [1000 + i * 100, 7] as const),
    ]
    expect(backlogSlopePerSecond(rampThenFlat, 1000, 2000)).toBeCloseTo(0, 6)
  })
  it('fewer than three samples: null', () => {
    expect(
      backlogSlopePerSecond(
        [
          [0, 1],
          [100, 2],
        ],
        0,
        1000,
      ),
    ).toBeNull()
  })
})

describe('--sweep', () => {
  it('parses rates and shares, resolves ascending without duplicates', () => {
    const points = parseSweep('100%,25%, 2000,50%')
    expect(resolveSweep(points, 4000)).toEqual([
      {perSecond: 1000, share: 0.25},
      {perSecond: 2000, share: null},
      {perSecond: 4000, share: 1},
    ])
  })
  it.each(['', '10%,,20%', 'abc', '0%', '-5', '10%;20%'])('refuses %j with a usage error naming --sweep', (raw) => {
    expect(() => parseSweep(raw)).toThrow(UsageError)
    expect(() => parseSweep(raw)).toThrow(/--sweep/)
  })
})

describe('findKnee', () => {
  const point = (rate: number, p99Ms: number, growing = false): CurvePoint =>
    ({
      targetPerSecond: rate,
      latency: {p50Ms: p99Ms / 2, p99Ms, p999Ms: p99Ms},
      reasons: growing ? ['backlog grew 40 msg/s'] : [],
      knee: false,
      passed: !growing,
    }) as unknown as CurvePoint
  it('the first rate whose p99 is more than twice (and 1 ms above) the lowest-rate p99', () => {
    const curve = [point(100, 2), point(200, 3.5), point(300, 4.5), point(400, 30)]
    const knee = findKnee(curve)
    expect(knee?.perSecond).toBe(300)
    expect(curve.map((p) => p.knee)).toEqual([false, false, true, false])
  })
  it('one noisy point below the turn is not the knee: the curve must stay up from there', () => {
    const curve = [point(100, 2), point(200, 9), point(300, 2.5), point(400, 6), point(500, 30)]
    expect(findKnee(curve)?.perSecond).toBe(400)
    expect(findKnee([point(100, 2), point(200, 9), point(300, 2.5)])).toBeNull()
  })
  it('sub-millisecond jitter is no knee; a growing backlog is', () => {
    expect(findKnee([point(100, 0.1), point(200, 0.5), point(300, 0.9)])).toBeNull()
    expect(findKnee([point(100, 0.1), point(200, 0.5, true)])?.reason).toMatch(/backlog grew/)
  })
})

describe('capacity flags', () => {
  const base = defaultBenchOptions()
  /** bench's flags as the command parses them, then the plan. */
  const planOf = async (given: GivenFlags) => capacityPlanFromFlags(await benchFlags(given), base)
  it('refuses the flags a search sets itself, naming what to use instead', async () => {
    await expect(planOf({'find-max': true, rate: '100'})).rejects.toThrow(/--rate cannot be used with --find-max.*--start-rate/)
    await expect(planOf({'find-max': true, duration: '10s'})).rejects.toThrow(/--step-duration/)
  })
  it('parses an SLO, precision and rates; a bad SLO names --slo', async () => {
    const plan = await planOf({'find-max': true, slo: ['e2e.p99<=50ms'], precision: '2%', 'start-rate': '500', 'step-duration': '3s', settle: '1s'})
    expect(plan.slos[0].threshold).toBe(50)
    expect(plan.search.precision).toBeCloseTo(0.02)
    expect(plan.search.startRatePerSecond).toBe(500)
    expect([plan.stepMs, plan.settleMs]).toEqual([3000, 1000])
    await expect(planOf({'find-max': true, slo: ['p99 is low']})).rejects.toThrow(/^--slo must look like/)
  })
})
