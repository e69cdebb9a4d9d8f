// Queueing formulas against closed forms and textbook values.
import {describe, expect, it} from 'vitest'
import {
  allenCunneenFactor,
  delayedWaitQuantile,
  erlangB,
  erlangC,
  probabilityOfWaitingLonger,
  smallestServers,
  waitFigures,
  waitQuantile,
} from '../../src/capacity/queueing.js'

/** Erlang C from its definition, in log space so large s does not overflow: an independent check. */
function erlangCDirect(s: number, a: number): number {
  // terms k = 0..s−1 of aᵏ/k!, and the last term aˢ/s! · s/(s − a), all relative to the largest.
  const logTerms: number[] = []
  let logTerm = 0
  for (let k = 0; k < s; k++) {
    logTerms.push(logTerm)
    logTerm += Math.log(a) - Math.log(k + 1)
  }
  const logLast = logTerm + Math.log(s / (s - a))
  const top = Math.max(logLast, ...logTerms)
  const sum = logTerms.reduce((acc, l) => acc + Math.exp(l - top), 0) + Math.exp(logLast - top)
  return Math.exp(logLast - top) / sum
}

describe('Erlang B and C', () => {
  it('match closed forms: C(1, ρ) = ρ, C(2, 1) = 1/3, C(3, 2) = 4/9, B(1, a) = a/(1 + a)', () => {
    expect(erlangC(1, 0.8)).toBeCloseTo(0.8, 12)
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12)
    expect(erlangC(3, 2)).toBeCloseTo(4 / 9, 12)
    expect(erlangB(1, 3)).toBeCloseTo(3 / 4, 12)
  })

  it('matches the sum formula aˢ/s!·s/(s − a) / (Σₖ₌₀ˢ⁻¹ aᵏ/k! + aˢ/s!·s/(s − a)) (10 servers at 8 Erlangs: 40.9 % wait)', () => {
    expect(erlangC(10, 8)).toBeCloseTo(0.4092, 4)
    for (const [s, a] of [
      [10, 8],
      [20, 15],
      [7, 1.5],
    ] as const) {
      expect(erlangC(s, a)).toBeCloseTo(erlangCDirect(s, a), 12)
    }
  })

  it('is stable for thousands of servers, where aˢ/s! overflows a double', () => {
    for (const [s, a] of [
      [200, 180],
      [2000, 1950],
      [5000, 4900],
    ] as const) {
      const c = erlangC(s, a)
      expect(Number.isFinite(c)).toBe(true)
      expect(c).toBeGreaterThan(0)
      expect(c).toBeLessThan(1)
      expect(Math.abs(c - erlangCDirect(s, a)) / erlangCDirect(s, a)).toBeLessThan(1e-9)
    }
  })

  it('is 1 with no steady state (a ≥ s)', () => {
    expect(erlangC(4, 4)).toBe(1)
    expect(erlangC(4, 5)).toBe(1)
  })
})

describe('waits', () => {
  it('M/M/1: Wq = ρ/(μ − λ), P(wait) = ρ', () => {
    // λ = 0.8 per ms, T̄ = 1 ms: ρ = 0.8, Wq = 0.8 / (1 − 0.8) = 4 ms.
    const f = waitFigures({servers: 1, arrivalRate: 0.8, meanHandling: 1})
    expect(f.utilisation).toBeCloseTo(0.8, 12)
    expect(f.probabilityOfWaiting).toBeCloseTo(0.8, 12)
    expect(f.meanWait).toBeCloseTo(4, 12)
  })

  it('M/M/s: Wq = C/(sμ − λ), e.g. M/M/2 at a = 1: 1/3 of T̄', () => {
    expect(waitFigures({servers: 2, arrivalRate: 0.2, meanHandling: 5}).meanWait).toBeCloseTo((1 / 3) * (1 / (2 / 5 - 0.2)), 12)
    // 10 servers, 8 Erlangs, T̄ = 5 ms: 0.4092 × 5 / 2.
    expect(waitFigures({servers: 10, arrivalRate: 1.6, meanHandling: 5}).meanWait).toBeCloseTo((0.4092 * 5) / 2, 3)
  })

  it('unbounded at or beyond saturation', () => {
    const f = waitFigures({servers: 3, arrivalRate: 0.6, meanHandling: 5})
    expect(f.meanWait).toBe(Number.POSITIVE_INFINITY)
    expect(f.probabilityOfWaiting).toBe(1)
    expect(waitQuantile({servers: 3, arrivalRate: 0.6, meanHandling: 5}, 0.99)).toBe(Number.POSITIVE_INFINITY)
  })

  it('percentiles: P(Wq > t) = C·e^{−(sμ−λ)t}; 0 when fewer than 1 − q wait', () => {
    // M/M/1, λ = 0.5, μ = 1: p99 = ln(0.5 / 0.01) / 0.5.
    const model = {servers: 1, arrivalRate: 0.5, meanHandling: 1}
    expect(waitQuantile(model, 0.99)).toBeCloseTo(Math.log(50) / 0.5, 10)
    expect(probabilityOfWaitingLonger(model, waitQuantile(model, 0.99))).toBeCloseTo(0.01, 12)
    expect(probabilityOfWaitingLonger(model, 0)).toBeCloseTo(0.5, 12)
    expect(waitQuantile(model, 0.4)).toBe(0)
    // M/M/3 at a = 2: C = 4/9, sμ − λ = 1 per ms.
    expect(probabilityOfWaitingLonger({servers: 3, arrivalRate: 2, meanHandling: 1}, 2)).toBeCloseTo((4 / 9) * Math.exp(-2), 12)
  })

  it('Allen–Cunneen: (ca² + cs²)/2 scales mean and percentile waits; exact for M/D/1 (Pollaczek–Khinchine)', () => {
    expect(allenCunneenFactor(1, 1)).toBe(1)
    expect(allenCunneenFactor(1, 0)).toBe(0.5)
    expect(allenCunneenFactor(0, 0.25)).toBe(0.125)
    // M/D/1: Wq = ρT / (2(1 − ρ)).
    const rho = 0.7
    const md1 = waitFigures({servers: 1, arrivalRate: rho / 4, meanHandling: 4, variabilityFactor: allenCunneenFactor(1, 0)})
    expect(md1.meanWait).toBeCloseTo((rho * 4) / (2 * (1 - rho)), 12)
    // The probability of waiting stays C; the conditional wait is scaled.
    const plain = {servers: 4, arrivalRate: 0.6, meanHandling: 5}
    const scaled = {...plain, variabilityFactor: 2}
    expect(waitFigures(scaled).probabilityOfWaiting).toBe(waitFigures(plain).probabilityOfWaiting)
    expect(waitFigures(scaled).meanWait).toBeCloseTo(2 * waitFigures(plain).meanWait, 12)
    expect(waitQuantile(scaled, 0.99)).toBeCloseTo(2 * waitQuantile(plain, 0.99), 12)
  })

  it('a delay added to the wait: a constant shifts the quantile; a mixture solves P(D + Wq > t) = 1 − q', () => {
    const model = {servers: 2, arrivalRate: 0.3, meanHandling: 5}
    expect(delayedWaitQuantile([{value: 0.4, probability: 1}], model, 0.99)).toBeCloseTo(0.4 + waitQuantile(model, 0.99), 9)
    const delay = [
      {value: 0.1, probability: 0.9},
      {value: 30, probability: 0.1},
    ]
    const t = delayedWaitQuantile(delay, model, 0.95)
    const tail = delay.reduce((sum, d) => sum + d.probability * (t < d.value ? 1 : probabilityOfWaitingLonger(model, t - d.value)), 0)
    expect(tail).toBeCloseTo(0.05, 9)
    // A delay past the quantile on its own: the answer is at least that delay.
    expect(delayedWaitQuantile(delay, model, 0.95)).toBeGreaterThan(30)
  })
})

describe('smallestServers', () => {
  it('finds the least s meeting a target, s − 1 missing it', () => {
    // 8 Erlangs, T̄ = 5 ms: mean wait at most 0.5 ms.
    const meets = (s: number) => waitFigures({servers: s, arrivalRate: 1.6, meanHandling: 5}).meanWait <= 0.5
    const s = smallestServers(meets, 9, 100)!
    expect(meets(s)).toBe(true)
    expect(meets(s - 1)).toBe(false)
    expect(s).toBe(11)
    expect(smallestServers(() => false, 1, 10)).toBeUndefined()
  })
})
