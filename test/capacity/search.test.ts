// The search algorithm against brokers of known capacity, without running any: a fake step
// passes exactly when its rate is at or below the capacity (or by a scripted verdict).
import {describe, expect, it} from 'vitest'
import {defaultSearchSettings, findContradictions, findMaxRate, type RunStep} from '../../src/capacity/search.js'
import type {StepPhase, StepRecord} from '../../src/results/capacity.js'

function record(rate: number, phase: StepPhase, index: number, passed: boolean, limitedBy: 'broker' | 'generator' = 'broker'): StepRecord {
  return {
    index,
    phase,
    targetPerSecond: rate,
    achievedPerSecond: rate,
    consumedPerSecond: rate,
    published: rate,
    consumed: rate,
    backlogSlopePerSecond: passed ? 0 : rate * 0.1,
    latency: {p50Ms: 1, p99Ms: 2, p999Ms: 3},
    handlingMeanMs: 0,
    slo: [],
    generator: {cpuPercent: 10, eventLoopDelayP99Ms: 1, scheduleLagP99Ms: 0, meanOutstanding: 0},
    passed,
    reasons: passed ? [] : ['backlog grew'],
    limitedBy: passed ? null : limitedBy,
    measuredMs: 1000,
  }
}

function capacity(capacityPerSecond: number): RunStep & {rates: number[]} {
  const rates: number[] = []
  const run = async (rate: number, phase: StepPhase, index: number) => {
    rates.push(rate)
    return record(rate, phase, index, rate <= capacityPerSecond)
  }
  return Object.assign(run, {rates})
}

describe('findMaxRate', () => {
  it.each([
    [3000, 1000],
    [437, 1000],
    [12_345, 100],
    [1_000_000, 1000],
    [2.5, 1000],
  ])('capacity %d from a start of %d: lands within [capacity / (1 + precision), capacity], confirmed', async (cap, start) => {
    const step = capacity(cap)
    const outcome = await findMaxRate(defaultSearchSettings({startRatePerSecond: start}), step)
    expect(outcome.status).toBe('found')
    expect(outcome.maxRate).not.toBeNull()
    expect(outcome.maxRate!).toBeLessThanOrEqual(cap)
    expect(outcome.maxRate!).toBeGreaterThanOrEqual(cap / 1.05 - 0.1)
    expect(outcome.failingRate!).toBeGreaterThan(cap)
    expect(outcome.steps.at(-1)!.phase).toBe('confirm')
    expect(outcome.steps.at(-1)!.targetPerSecond).toBe(outcome.maxRate)
    expect(outcome.contradictions).toEqual([])
    expect(outcome.limitedBy).toBe('broker')
    expect(outcome.steps.length).toBeLessThanOrEqual(25)
  })

  it('doubles while passing, then bisects, then confirms: the phases in order', async () => {
    const step = capacity(3000)
    const outcome = await findMaxRate(defaultSearchSettings({startRatePerSecond: 1000}), step)
    expect(step.rates.slice(0, 3)).toEqual([1000, 2000, 4000])
    expect(outcome.steps.map((s) => s.phase)).toEqual(['bracket', 'bracket', 'bracket', ...outcome.steps.slice(3, -1).map(() => 'bisect'), 'confirm'])
  })

  it('no rate passes down to the floor: no-passing-rate, maxRate null', async () => {
    const outcome = await findMaxRate(defaultSearchSettings({startRatePerSecond: 100, minRatePerSecond: 10}), capacity(1))
    expect(outcome.status).toBe('no-passing-rate')
    expect(outcome.maxRate).toBeNull()
    expect(Math.min(...outcome.steps.map((s) => s.targetPerSecond))).toBeGreaterThanOrEqual(10)
  })

  it('the answer failing when held again is unconfirmed and a contradiction, not averaged', async () => {
    let confirms = 0
    const flaky: RunStep = async (rate, phase, index) => {
      if (phase === 'confirm') confirms++
      return record(rate, phase, index, phase === 'confirm' ? false : rate <= 3000)
    }
    const outcome = await findMaxRate(defaultSearchSettings(), flaky)
    expect(confirms).toBe(1)
    expect(outcome.status).toBe('unconfirmed')
    expect(outcome.contradictions.some((c) => c.failedPerSecond === outcome.maxRate && c.passedPerSecond === outcome.maxRate)).toBe(true)
  })

  it('a ceiling that passes ends the search there', async () => {
    const outcome = await findMaxRate(defaultSearchSettings({startRatePerSecond: 1000, maxRatePerSecond: 5000}), capacity(1e9))
    expect(outcome.status).toBe('ceiling')
    expect(outcome.maxRate).toBe(5000)
    expect(outcome.steps.map((s) => s.targetPerSecond)).toEqual([1000, 2000, 4000, 5000, 5000])
  })

  it('a generator-limited failing step is reported as the generator, with its evidence', async () => {
    const step: RunStep = async (rate, phase, index) => {
      const r = record(rate, phase, index, rate <= 3000, 'generator')
      if (!r.passed) {
        r.achievedPerSecond = rate * 0.6
        r.generator = {cpuPercent: 99, eventLoopDelayP99Ms: 40, scheduleLagP99Ms: 30, meanOutstanding: 3}
      }
      return r
    }
    const outcome = await findMaxRate(defaultSearchSettings(), step)
    expect(outcome.limitedBy).toBe('generator')
    expect(outcome.limitReasons.join(' ')).toMatch(/could not send faster .*3 of 1000 confirms outstanding.*99 % of a core.*delayed 40.0 ms/)
  })

  it('stops at the step limit', async () => {
    const outcome = await findMaxRate(defaultSearchSettings({maxSteps: 3}), capacity(1e9))
    expect(outcome.status).toBe('step-limit')
    expect(outcome.steps).toHaveLength(3)
  })
})

describe('findContradictions', () => {
  it('a lower rate failing after a higher one passed is listed; a consistent history is not', () => {
    const steps = [record(1000, 'bracket', 1, true), record(2000, 'bracket', 2, false), record(800, 'bisect', 3, false)]
    expect(findContradictions(steps)).toEqual([{passedStep: 1, passedPerSecond: 1000, failedStep: 3, failedPerSecond: 800}])
    expect(findContradictions(steps.slice(0, 2))).toEqual([])
  })
})
