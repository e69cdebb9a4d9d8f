// Side-by-side comparison: each figure with its absolute and relative change.
import {describe, expect, it} from 'vitest'
import {Chalk} from 'chalk'
import {compareResults} from '../../src/results/compare.js'
import {formatChange, renderComparison, verdict} from '../../src/report/compare-render.js'
import {CLOSED_LOOP_FILE, fixture, OPEN_LOOP_FILE, resultWith} from './fixtures.js'

describe('compareResults', () => {
  // 1000 values in 1 s vs 1500 values in 1 s; latencies ×2 in the candidate.
  const values = Array.from({length: 1000}, (_, i) => 1000 + i)
  const before = resultWith({valuesMicros: values, startedAt: '2026-01-01T00:00:00.000Z', elapsedMs: 1000})
  const after = resultWith({
    valuesMicros: [...values.map((v) => 2 * v), ...values.slice(0, 500).map((v) => 2 * v)],
    startedAt: '2026-01-02T00:00:00.000Z',
    elapsedMs: 1000,
  })
  const comparison = compareResults(before, after, ['before.json', 'after.json'])
  const find = (section: string, name: string) => comparison.figures.find((f) => f.section === section && f.name === name)!

  it('gives each figure with its change, absolute and in percent', () => {
    expect(comparison).toMatchObject({schema: 'mqkit-bench-comparison', schemaVersion: 1, baseline: {label: 'before.json'}, candidate: {label: 'after.json'}})
    expect(find('throughput', 'published msg/s')).toMatchObject({baseline: 1000, candidate: 1500, change: 500, changePercent: 50, better: 'higher'})
    const p50 = find('end-to-end latency', 'p50')
    expect(p50.baseline).toBe(before.latency.endToEnd.p50)
    expect(p50.candidate).toBe(after.latency.endToEnd.p50)
    expect(p50.change).toBeCloseTo(after.latency.endToEnd.p50 - before.latency.endToEnd.p50, 12)
    expect(p50.changePercent).toBeCloseTo((p50.change! / p50.baseline!) * 100, 9)
    expect(p50.change).toBeGreaterThan(0)
    expect(verdict(p50)).toBe('worse')
    expect(verdict(find('throughput', 'published msg/s'))).toBe('better')
    // Integrity counts: baseline 1 lost, candidate 1 lost → no change.
    expect(find('integrity', 'lost')).toMatchObject({baseline: 1, candidate: 1, change: 0, changePercent: 0})
    // Percent of a zero baseline is undefined, not Infinity.
    expect(find('queue length', 'max')).toMatchObject({baseline: 0, candidate: 0, change: 0, changePercent: null})
  })

  it('has a stable JSON shape (a change to it must be deliberate)', () => {
    expect(Object.keys(comparison)).toEqual(['schema', 'schemaVersion', 'baseline', 'candidate', 'settings', 'figures'])
    expect(Object.keys(comparison.baseline)).toEqual(['label', 'url', 'backend', 'startedAt', 'mode'])
    expect(Object.keys(comparison.figures[0])).toEqual(['section', 'name', 'unit', 'better', 'baseline', 'candidate', 'change', 'changePercent'])
    expect([...new Set(comparison.figures.map((f) => f.section))]).toEqual([
      'throughput',
      'publish latency',
      'end-to-end latency',
      'handling time',
      'queue length',
      'integrity',
    ])
  })

  it('lists open-loop figures only where a side has them', () => {
    const c = compareResults(fixture(CLOSED_LOOP_FILE), fixture(OPEN_LOOP_FILE))
    const corrected = c.figures.filter((f) => f.section === 'end-to-end from intended send')
    expect(corrected).toHaveLength(9)
    expect(corrected.every((f) => f.baseline === null && f.change === null && f.candidate !== null)).toBe(true)
    expect(compareResults(before, after).figures.some((f) => f.section === 'publish delay')).toBe(false)
  })

  it('renders a table with both runs and the change', () => {
    const text = renderComparison(comparison)
    expect(text).toContain('baseline  before.json: memory://')
    expect(text).toMatch(/│ {3}published msg\/s\s+│\s+1000 \/s │\s+1500 \/s │\s+\+500 \/s \(\+50\.0 %\) │/)
    expect(text).toMatch(/│ integrity\s+│/)
    expect(formatChange(find('throughput', 'published MB/s'))).toBe('+0.51 (+50.0 %)')
    expect(text).not.toContain('\u001B[')
    const coloured = renderComparison(comparison, {colour: new Chalk({level: 1})})
    expect(coloured).toContain('\u001B[32m+500 /s') // higher throughput: green
    expect(coloured).toContain('\u001B[31m+') // higher latency: red
  })
})
