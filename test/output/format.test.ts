// The hand-made thousands grouping and rounding of formatCount and formatDecimal give what
// toLocaleString('en-US') gives (which they replace to keep ICU out of start-up), on edge cases
// and on many random figures of every magnitude.
import {describe, expect, it} from 'vitest'
import {formatCount, formatDecimal} from '../../src/output/format.js'

const count = (value: number) => Math.round(value).toLocaleString('en-US')
const decimal = (value: number) => value.toLocaleString('en-US', {minimumFractionDigits: 1, maximumFractionDigits: 1})

const EDGES = [
  0,
  -0,
  0.4,
  -0.4,
  0.5,
  -0.5,
  0.05,
  0.15,
  0.25,
  0.35,
  0.45,
  0.95,
  0.96,
  9.95,
  9.96,
  99.95,
  999.95,
  1.45,
  2.675,
  8.345,
  1406.63,
  123456.75,
  999,
  1000,
  999999.96,
  1e6,
  1e-7,
  5e-324,
  1e15 + 0.5,
  2 ** 53,
  1e20,
  1e21,
  1.5e25,
  Number.MAX_SAFE_INTEGER,
  -1234.5,
  -0.04,
  -0.05,
  -999.95,
]

/** Deterministic: the same figures on every run. */
function* randomFigures(n: number): Generator<number> {
  let seed = 42
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  for (let i = 0; i < n; i++) {
    const magnitude = 10 ** Math.floor(next() * 14 - 4)
    const value = next() * magnitude * (next() < 0.2 ? -1 : 1)
    // Also values on a tie in their shortest form (x.x5), where rounding rules differ.
    yield next() < 0.3 ? Number((Math.round(value * 100) / 100).toFixed(2)) + (next() < 0.5 ? 0.05 : 0) : value
  }
}

describe('formatCount and formatDecimal', () => {
  it('match toLocaleString on edge cases', () => {
    for (const value of EDGES) {
      expect(formatCount(value), String(value)).toBe(count(value))
      expect(formatDecimal(value), String(value)).toBe(decimal(value))
    }
  })

  it('match toLocaleString on 20,000 random figures', () => {
    for (const value of randomFigures(20_000)) {
      expect(formatCount(value), String(value)).toBe(count(value))
      expect(formatDecimal(value), String(value)).toBe(decimal(value))
    }
  })

  it('say "-" for what is not a number', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) expect([formatCount(value), formatDecimal(value)]).toEqual(['-', '-'])
  })
})
